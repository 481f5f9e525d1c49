import { cpuIsa, cpuModel } from '../../lib/util/host';

const zen4 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni avx512_bf16 hypervisor
`;
const sapphireRapids = `processor\t: 0
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: avx2 fma avx512f avx512_vnni avx_vnni amx_bf16 amx_tile amx_int8
`;
const orin = `processor\t: 0
BogoMIPS\t: 62.50
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp uscat ilrcpc flagm
CPU implementer\t: 0x41
CPU part\t: 0xd42
`;

describe('the host a figure was measured on', () => {
  it('names the CPU with its family and model numbers where x86 reports them', () => {
    expect(cpuModel(zen4)).toMatch(/ \(family 25 model 17\)$/);
    expect(cpuModel(sapphireRapids)).toMatch(/ \(family 6 model 143\)$/);
  });

  it('lists the instruction-set features that decide the kernels, in a fixed order', () => {
    expect(cpuIsa(zen4)).toEqual(['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16']);
    expect(cpuIsa(sapphireRapids)).toEqual(['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_tile', 'amx_int8', 'amx_bf16']);
    expect(cpuIsa(orin)).toEqual(['asimd', 'asimddp']);
    expect(cpuIsa('')).toEqual([]);
  });

  it('describes this machine', () => {
    expect(cpuModel()).not.toBe('');
    expect(Array.isArray(cpuIsa())).toBe(true);
  });
});
