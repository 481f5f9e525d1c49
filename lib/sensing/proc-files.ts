/**
 * Parsers of the kernel files the sensors read. Each returns NaN (or null) for a file it cannot make sense of:
 * a missing or odd file means no signal, never an error.
 */
import * as fs from 'node:fs';

/** The file's text, or null when it cannot be read. */
export function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/**
 * A kernel file kept open and re-read from its start (one pread, no open/close per sample); only its first
 * `bytes` matter (the aggregate line of /proc/stat comes first). Reopens once after a failed read.
 */
export class OpenFile {
  private fd = -1;
  private readonly buffer: Buffer;

  constructor(
    readonly file: string,
    bytes = 1024,
  ) {
    this.buffer = Buffer.alloc(bytes);
  }

  read(): string | null {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (this.fd < 0) this.fd = fs.openSync(this.file, 'r');
        const n = fs.readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
        return this.buffer.toString('latin1', 0, n);
      } catch {
        this.close();
      }
    }
    return null;
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already gone
      }
    }
    this.fd = -1;
  }
}

/** The aggregate `cpu` line of /proc/stat: busy and total clock ticks over all cores (guest time is in user). */
export interface CpuTicks {
  readonly busy: number;
  readonly total: number;
}

export function parseProcStat(text: string | null): CpuTicks | null {
  if (text === null || !text.startsWith('cpu ')) return null;
  const end = text.indexOf('\n');
  const f = text.slice(4, end < 0 ? undefined : end).trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice]
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** This process's CPU time (utime + stime, all threads) in clock ticks, from /proc/self/stat. */
export function parseSelfStat(text: string | null): number {
  if (text === null) return NaN;
  const close = text.lastIndexOf(')'); // the command name may hold spaces and parentheses
  if (close < 0) return NaN;
  const f = text.slice(close + 2).split(' ');
  // after the name: state(3) ... utime(14) stime(15), so indices 11 and 12
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : NaN;
}

/** The `some` line's cumulative stall time of a PSI file (/proc/pressure/cpu, a cgroup's cpu.pressure), µs. */
export function parsePressureTotal(text: string | null): number {
  if (text === null) return NaN;
  const m = /^some .*total=(\d+)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** The cgroup v2 path of this process from /proc/self/cgroup (the `0::` line), or null. */
export function parseCgroupV2Path(text: string | null): string | null {
  if (text === null) return null;
  const m = /^0::(\/\S*)$/m.exec(text);
  return m ? m[1]! : null;
}

/**
 * Runnable tasks now, from /proc/loadavg's fourth field (`running/total`): every CPU's run queue, the reading
 * thread included. NaN for anything else.
 */
export function parseRunnable(text: string | null): number {
  if (text === null) return NaN;
  const m = /^\S+ \S+ \S+ (\d+)\//.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** A sysfs load figure in per mille (Jetson's gpu.0/load: 0..1000) as a share, or NaN. */
export function parsePerMille(text: string | null): number {
  if (text === null) return NaN;
  const v = Number.parseInt(text.trim(), 10);
  return Number.isFinite(v) && v >= 0 ? Math.min(1, v / 1000) : NaN;
}
