/**
 * What a benchmark figure is specific to: the CPU model and the instruction-set features that decide which
 * kernels ONNX Runtime runs (AVX-512 VNNI, AMX, Arm's dot product). Virtual machines often report a generic
 * model name, so the family/model numbers (x86) or the part number (Arm) are added where /proc/cpuinfo has them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

// The features that change which kernels run for fp32 and int8 inference.
const ISA_FEATURES = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16', 'asimd', 'asimddp', 'i8mm', 'sve', 'bf16'];

function readCpuinfo(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** The first value of a /proc/cpuinfo field, or undefined. */
function field(cpuinfo: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(cpuinfo)?.[1]?.trim();
}

/** "AMD EPYC (family 25 model 17)", "Intel(R) Xeon(R) Platinum 8480+ (family 6 model 143)", "ARM part 0xd42". */
export function cpuModel(cpuinfo: string = readCpuinfo()): string {
  const name = os.cpus()[0]?.model?.trim() || field(cpuinfo, 'model name') || 'unknown';
  const family = field(cpuinfo, 'cpu family');
  const model = field(cpuinfo, 'model');
  if (family !== undefined && model !== undefined && /^\d+$/.test(model)) return `${name} (family ${family} model ${model})`;
  const part = field(cpuinfo, 'CPU part');
  return part !== undefined && name === 'unknown' ? `${field(cpuinfo, 'CPU implementer') ?? 'ARM'} part ${part}` : name;
}

/** The inference-relevant instruction-set features this CPU reports, in a fixed order. */
export function cpuIsa(cpuinfo: string = readCpuinfo()): string[] {
  const flags = new Set((field(cpuinfo, 'flags') ?? field(cpuinfo, 'Features') ?? '').split(/\s+/));
  return ISA_FEATURES.filter((f) => flags.has(f));
}
