/**
 * Every sub-network's outputs on the stand-in TensorRT equal the CPU family's: GPU (mapped zero-copy I/O on the
 * integrated device, copies on the discrete one, CUDA graphs on and off) and both DLA cores, across random
 * switches, queued requests whose inputs change after the call, and image input.
 */
import { bundledFamily, copyFamily, resultOf, scenario, summaryFragment, tinyFamily } from './helpers';

interface OutputsResult {
  device: string; subnets: string[]; subnetsRun: string[]; maxAbsDiff: number; imageRuns: number;
  deviceMemory: { zeroCopy: boolean; cudaGraphs: number; sharedActivationBytes: number };
}

const summary = summaryFragment('outputs');
const TOLERANCE = 1e-4;

const discrete = { DYNAMIC_OFA_STANDIN_DEVICE: 'discrete' };
const graphs = { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' };
const cases: Array<{ name: string; family: string; device: string; env: NodeJS.ProcessEnv; dlaBudget?: string; zeroCopy: boolean; graphs: boolean }> = [
  { name: 'gpu, integrated (mapped I/O)', family: bundledFamily, device: 'gpu', env: {}, zeroCopy: true, graphs: false },
  { name: 'gpu, integrated, CUDA graphs', family: bundledFamily, device: 'gpu', env: graphs, zeroCopy: true, graphs: true },
  { name: 'gpu, discrete (device copies)', family: bundledFamily, device: 'gpu', env: discrete, zeroCopy: false, graphs: false },
  { name: 'gpu, discrete, CUDA graphs', family: bundledFamily, device: 'gpu', env: { ...discrete, ...graphs }, zeroCopy: false, graphs: true },
  { name: 'gpu, discrete, mapped I/O asked for', family: bundledFamily, device: 'gpu', env: { ...discrete, DYNAMIC_OFA_TRT_ZERO_COPY: '1' }, zeroCopy: true, graphs: false },
  { name: 'gpu, tiny family (rgb)', family: tinyFamily, device: 'gpu', env: {}, zeroCopy: true, graphs: false },
  { name: 'dla0, tiny family (trimmed to its budget)', family: tinyFamily, device: 'dla0', env: {}, dlaBudget: 'trim', zeroCopy: true, graphs: false },
  { name: 'dla1, tiny family, CUDA graphs asked for (never on DLA)', family: tinyFamily, device: 'dla1', env: graphs, dlaBudget: 'trim', zeroCopy: true, graphs: false },
];

describe.each(cases)('$name', ({ family, device, env, dlaBudget, zeroCopy, graphs: replays }) => {
  it('matches the CPU path on every sub-network it loaded', () => {
    const dir = copyFamily(family, device);
    const result = resultOf(scenario<OutputsResult>('outputs', { family: dir, device, cache: `${dir}/.engine-cache`, dlaBudget }, env));
    expect(result.subnetsRun.sort()).toEqual([...result.subnets].sort());
    expect(result.subnets.length).toBeGreaterThan(0);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.deviceMemory.zeroCopy).toBe(zeroCopy);
    expect(result.deviceMemory.cudaGraphs).toBe(replays ? result.subnets.length : 0);
    expect(result.deviceMemory.sharedActivationBytes).toBeGreaterThan(0);
    summary.devices = [...new Set([...((summary.devices as string[]) ?? []), device])];
    summary.subnetsRun = ((summary.subnetsRun as number) ?? 0) + result.subnetsRun.length;
    summary.maxAbsDiffVsCpu = Math.max((summary.maxAbsDiffVsCpu as number) ?? 0, result.maxAbsDiff);
    summary.save();
  });
});
