/**
 * Every sub-network's outputs on the stand-in TensorRT equal the CPU family's: GPU (mapped zero-copy I/O on the
 * integrated device, copies on the discrete one, CUDA graphs on and off) and both DLA cores, across random
 * switches, queued requests whose inputs change after the call, and image input.
 */
import { bundledFamily, copyFamily, resultOf, scenario, summaryFragment, tinyFamily } from './helpers';

interface OutputsResult { device: string; subnets: string[]; subnetsRun: string[]; maxAbsDiff: number; imageRuns: number }

const summary = summaryFragment('outputs');
const TOLERANCE = 1e-4;

const cases: Array<{ name: string; family: string; device: string; env: NodeJS.ProcessEnv; dlaBudget?: string }> = [
  { name: 'gpu, integrated (mapped I/O)', family: bundledFamily, device: 'gpu', env: {} },
  { name: 'gpu, integrated, CUDA graphs', family: bundledFamily, device: 'gpu', env: { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' } },
  { name: 'gpu, discrete (device copies)', family: bundledFamily, device: 'gpu', env: { DYNAMIC_OFA_STANDIN_DEVICE: 'discrete' } },
  { name: 'gpu, discrete, CUDA graphs', family: bundledFamily, device: 'gpu', env: { DYNAMIC_OFA_STANDIN_DEVICE: 'discrete', DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' } },
  { name: 'gpu, tiny family (rgb)', family: tinyFamily, device: 'gpu', env: {} },
  { name: 'dla0, tiny family (trimmed to its budget)', family: tinyFamily, device: 'dla0', env: {}, dlaBudget: 'trim' },
  { name: 'dla1, tiny family (trimmed to its budget)', family: tinyFamily, device: 'dla1', env: {}, dlaBudget: 'trim' },
];

describe.each(cases)('$name', ({ family, device, env, dlaBudget }) => {
  it('matches the CPU path on every sub-network it loaded', () => {
    const dir = copyFamily(family, device);
    const result = resultOf(scenario<OutputsResult>('outputs', { family: dir, device, cache: `${dir}/.engine-cache`, dlaBudget }, env));
    expect(result.subnetsRun.sort()).toEqual([...result.subnets].sort());
    expect(result.subnets.length).toBeGreaterThan(0);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    summary.devices = [...new Set([...((summary.devices as string[]) ?? []), device])];
    summary.subnetsRun = ((summary.subnetsRun as number) ?? 0) + result.subnetsRun.length;
    summary.maxAbsDiffVsCpu = Math.max((summary.maxAbsDiffVsCpu as number) ?? 0, result.maxAbsDiff);
    summary.save();
  });
});
