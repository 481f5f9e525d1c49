/**
 * Faults injected into the stand-in's CUDA runtime and TensorRT (NAME@N: the N-th call fails once; NAME@N+: from
 * then on; NAME@N!: the device is lost) reach the user as typed DynamicOfaErrors: never a crash, a hang or an
 * untyped error. After a transient fault the family still runs; after a lost device it closes cleanly.
 */
import { bundledFamily, cli, copyFamily, type ProcessOutcome, scenario, summaryFragment, tinyFamily } from './helpers';

interface FaultRun { errors: Array<{ stage: string; typed: boolean; code?: string; message: string }>; loaded: boolean; runsOk: number; okAfterFailure?: boolean; closed: boolean }

const summary = summaryFragment('faults');
const counts = { injected: 0, typed: 0, untyped: 0, crashes: 0, hangs: 0 };
const firedLines = (stderr: string): number => stderr.split('\n').filter((l) => l.startsWith('stand-in: injected fault')).length;

/** Engines built once, without faults, so that load and run faults start from a fresh cache. */
const gpuFamily = copyFamily(bundledFamily, 'faults-gpu');
const dlaFamily = copyFamily(tinyFamily, 'faults-dla');
beforeAll(() => {
  for (const [dir, device] of [[gpuFamily, 'gpu'], [dlaFamily, 'dla0']] as const) {
    const built = cli(['build-engines', '--family', dir, '--device', device, '--runs', '5', '--warmup-ms', '1']);
    if (built.status !== 0) throw new Error(`build-engines ${device} failed:\n${built.stdout}\n${built.stderr}`);
  }
}, 600000);

function tally(outcome: ProcessOutcome<FaultRun>): FaultRun | undefined {
  counts.injected += firedLines(outcome.stderr) > 0 ? 1 : 0;
  if (outcome.timedOut) counts.hangs++;
  else if (outcome.signal || (outcome.status !== 0 && outcome.result === undefined)) counts.crashes++;
  const result = outcome.result;
  if (result) {
    const untyped = result.errors.filter((e) => !e.typed).length;
    counts.untyped += untyped;
    counts.typed += result.errors.length - untyped;
  }
  summary.faults = counts;
  summary.save();
  return result;
}

// Transient faults at load and at run time: the family loads (again) and runs after them.
const transient: Array<[string, string, NodeJS.ProcessEnv?]> = [
  ['cudaMalloc@1', 'gpu'],
  ['cudaHostAlloc@2', 'gpu'],
  ['cudaStreamCreateWithFlags@1', 'gpu'],
  ['cudaEventCreateWithFlags@2', 'gpu'],
  ['cudaEventSynchronize@9', 'gpu'],
  ['cudaEventRecord@12', 'gpu'],
  ['cudaMemcpyAsync@20', 'gpu', { DYNAMIC_OFA_STANDIN_DEVICE: 'discrete' }],
  ['cudaGraphLaunch@3', 'gpu', { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' }],
  ['cudaStreamBeginCapture@2', 'gpu', { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' }],
  ['cudaGraphInstantiateWithFlags@1', 'gpu', { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' }],
  ['createInferRuntime@1', 'gpu'],
  ['deserializeCudaEngine@3', 'gpu'],
  ['createExecutionContext@2', 'gpu'],
  ['setTensorAddress@4', 'gpu'],
  ['enqueueV3@10', 'gpu'],
  ['deserializeCudaEngine@2', 'dla0'],
  ['enqueueV3@6', 'dla0'],
];

describe.each(transient)('transient %s on %s', (rule, device, env) => {
  it('gives typed errors, and the family runs after it', () => {
    const family = device === 'gpu' ? gpuFamily : dlaFamily;
    const outcome = scenario<FaultRun>('faults', { family, device, cache: `${family}/.engine-cache`, dlaBudget: 'trim' },
      { DYNAMIC_OFA_STANDIN_FAULTS: rule, ...env }, 120000);
    const result = tally(outcome);
    expect(outcome.timedOut).toBe(false);
    expect(outcome.signal).toBeNull();
    expect(result).toBeDefined();
    expect(firedLines(outcome.stderr)).toBeGreaterThan(0);
    expect(result!.errors.filter((e) => !e.typed)).toEqual([]);
    expect(result!.loaded).toBe(true);
    expect(result!.runsOk).toBeGreaterThan(0);
    expect(result!.closed).toBe(true);
  });
});

// A device lost mid-run: every later run fails with a typed error, and the family still closes.
describe.each([['cudaEventSynchronize@8!', 'gpu'], ['enqueueV3@7!', 'gpu'], ['cudaEventSynchronize@6!', 'dla0']])('device lost: %s on %s', (rule, device) => {
  it('fails later runs with typed errors and closes cleanly', () => {
    const family = device === 'gpu' ? gpuFamily : dlaFamily;
    const outcome = scenario<FaultRun>('faults', { family, device, cache: `${family}/.engine-cache` }, { DYNAMIC_OFA_STANDIN_FAULTS: rule }, 120000);
    const result = tally(outcome);
    expect(outcome.timedOut).toBe(false);
    expect(outcome.signal).toBeNull();
    expect(result!.errors.length).toBeGreaterThan(0);
    expect(result!.errors.filter((e) => !e.typed)).toEqual([]);
    expect(result!.okAfterFailure).not.toBe(true);
    expect(result!.closed).toBe(true);
  });
});

// Faults while building: the build fails with a typed error (the CLI exits 1 with its message, no crash).
describe.each(['createInferBuilder@1', 'buildSerializedNetwork@1', 'parseFromFile@1', 'cudaMalloc@1'])('build fault %s', (rule) => {
  it('fails build-engines with a typed error (the CLI names its code), not a crash', () => {
    const family = copyFamily(tinyFamily, 'faults-build');
    const outcome = cli(['build-engines', '--family', family, '--device', 'gpu', '--runs', '3', '--warmup-ms', '1'], { DYNAMIC_OFA_STANDIN_FAULTS: rule });
    counts.injected += firedLines(outcome.stderr) > 0 ? 1 : 0;
    if (outcome.signal) counts.crashes++;
    if (outcome.timedOut) counts.hangs++;
    expect(firedLines(outcome.stderr)).toBeGreaterThan(0);
    expect(outcome.signal).toBeNull();
    expect(outcome.timedOut).toBe(false);
    expect([1, 2]).toContain(outcome.status);
    expect(outcome.stderr).toMatch(/error \[E_[A-Z_]+\]/);
    counts.typed++;
    summary.faults = counts;
    summary.save();
  });
});
