/**
 * Short sub-networks run on the calling thread (LoadOptions.inlineBelowMs, InferOptions.inline), longer ones on
 * the model's thread; order, input snapshots, errors and the event loop behave the same either way.
 */
import { InvalidArgumentError, loadFamily } from '../../lib';
import { DynamicModel as ModelClass } from '../../lib/model/dynamic-model';
import { DEFAULT_INLINE_BELOW_MS } from '../../lib/model/input-checks';
import { makeError } from '../../lib/errors';
import type { NativeModel } from '../../lib/native/addon';
import { maxAbsDiff, seededFloats, slowFamily, tinyAndSlowModels, tinyFamily } from '../helpers';

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

describe('where infer() runs', () => {
  const models = tinyAndSlowModels();

  it('by default, by the sub-network latency: short ones on the calling thread, long ones on the family thread', async () => {
    expect(models.tiny.subnets.every((s) => s.latencyMs <= DEFAULT_INLINE_BELOW_MS)).toBe(true); // the fixture is what the test needs
    expect(models.slow.subnets[0]!.latencyMs).toBeGreaterThan(DEFAULT_INLINE_BELOW_MS);
    for (const subnet of models.tiny.subnets) expect((await models.tiny.infer(undefined, { subnet: subnet.index })).inline).toBe(true);
    expect((await models.slow.infer()).inline).toBe(false);
  });

  it('per call: inline true or false overrides the default, with the same output', async () => {
    const input = seededFloats(count(models.tiny.subnets[2]!.inputShape), 7);
    const onThread = await models.tiny.infer(input, { subnet: 2, inline: false });
    const onCaller = await models.tiny.infer(input, { subnet: 2, inline: true });
    expect(onThread.inline).toBe(false);
    expect(onCaller.inline).toBe(true);
    expect(maxAbsDiff(onThread.output, onCaller.output)).toBe(0);
    expect((await models.slow.infer(undefined, { inline: true })).inline).toBe(true);
  });

  it('per model: inlineBelowMs 0 never runs inline, Infinity always does (when nothing is queued)', async () => {
    const never = await loadFamily(tinyFamily, { threads: 1, inlineBelowMs: 0 });
    const always = await loadFamily(slowFamily, { threads: 1, warmupRuns: 1, inlineBelowMs: Infinity });
    try {
      expect((await never.infer()).inline).toBe(false);
      expect((await always.infer()).inline).toBe(true);
    } finally {
      await never.close();
      await always.close();
    }
  });

  it('a request made while others are queued waits its turn on the family thread, with its input as given', async () => {
    const first = seededFloats(count(models.tiny.subnets[0]!.inputShape), 11);
    const expectedFirst = models.tiny.inferSync(first, { subnet: 0 }).output.slice();
    const blocker = models.tiny.infer(seededFloats(count(models.tiny.subnets[3]!.inputShape), 12), { subnet: 3, inline: false });
    const queued = models.tiny.infer(first, { subnet: 0, inline: true });
    first.fill(0.25); // reused before the queued request ran
    const [b, q] = await Promise.all([blocker, queued]);
    expect(b.inline).toBe(false);
    expect(q.inline).toBe(false);
    expect(maxAbsDiff(q.output, expectedFirst)).toBe(0);
  });

  it('an inline run reads its input when called: later writes to the shared input do not reach it', async () => {
    models.tiny.use(1);
    models.tiny.input.set(seededFloats(models.tiny.input.length, 21));
    const expected = models.tiny.inferSync(undefined).output.slice();
    const pending = models.tiny.infer();
    models.tiny.input.fill(-1);
    const result = await pending;
    expect(result.inline).toBe(true);
    expect(maxAbsDiff(result.output, expected)).toBe(0);
  });

  it('results come back in request order across both paths', async () => {
    const order: string[] = [];
    const calls = [false, true, false, true, true].map((inline, k) =>
      models.tiny.infer(seededFloats(count(models.tiny.subnets[k % 4]!.inputShape), 30 + k), { subnet: k % 4, inline }).then(() => order.push(`r${k}`)),
    );
    await Promise.all(calls);
    expect(order).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('timers and I/O still run between awaited inline inferences (the promise settles from the event loop)', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 1);
    let iterations = 0;
    const deadline = Date.now() + 5000;
    while (!fired && Date.now() < deadline) {
      await models.tiny.infer(undefined, { subnet: 0 });
      iterations++;
    }
    expect(fired).toBe(true);
    expect(iterations).toBeGreaterThan(0);
  });

  it('bad options throw synchronously, before any run', () => {
    expect(() => models.tiny.infer(undefined, { inline: 'yes' as never })).toThrow(InvalidArgumentError);
    expect(models.tiny.pending).toBe(0);
  });

  it('inlineBelowMs must be a number >= 0', async () => {
    for (const inlineBelowMs of [-1, Number.NaN, '1' as never]) {
      await expect(loadFamily(tinyFamily, { inlineBelowMs })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/inlineBelowMs/) });
    }
  });
});

describe('a run that fails on the calling thread', () => {
  // A native model whose runs fail as the addon reports a failure (its typed error): the model's dispatch is tested.
  function failingNative(): NativeModel {
    const buffer = new ArrayBuffer(4 * 12);
    const fail = (): never => {
      throw makeError('E_INFERENCE', 'the backend failed');
    };
    return {
      inputBuffer: buffer,
      outputBuffer: new ArrayBuffer(8),
      externalBuffers: true,
      closed: false,
      timings: new Float64Array(3),
      subnetInfo: () => [{ input: { name: 'x', shape: [1, 3, 2, 2] }, output: { name: 'y', shape: [1, 2] }, warmupMs: 0.01, activationBytes: 0, loadHeapBytes: 0, firstRunHeapBytes: 0, weightBytes: 0, reusedWeightBytes: 0 }],
      deviceMemory: () => ({ sharedActivationBytes: 0, inputBytes: 48, outputBytes: 8, mappedBuffers: false, cudaGraphs: 0 }),
      run: () => Promise.reject(makeError('E_INFERENCE', 'the backend failed')),
      runSync: fail,
      close: () => undefined,
      shutdown: () => undefined,
    };
  }
  const manifest = {
    schemaVersion: 1 as const,
    name: 'failing',
    input: { layout: 'NCHW' as const, channels: 3 as const, format: 'rgb' as const, mean: [0, 0, 0], std: [1, 1, 1] },
    subnets: [{ id: 'a', model: 'a.onnx', accuracy: { value: 50, metric: 'top1', dataset: 'none', source: 'measured' as const } }],
  };

  it('rejects (never throws) with the typed error, on both paths, and the model stays usable', async () => {
    const native = failingNative();
    const model = new ModelClass(native, manifest, '/nowhere', 'cpu', {
      latencies: [0.01], latencySource: 'warmup', memory: [{ modelFileBytes: 0, loadHeapBytes: 0, firstRunHeapBytes: 0, weightBytes: 0, reusedWeightBytes: 0 }], loadTime: { totalMs: 0, engineBuildMs: 0, optimizeMs: 0 },
      weightSharing: { enabled: false, reason: 'turned off', weightBytes: 0, heldWeightBytes: 0, optimizeMs: 0 }, threads: 1,
    }, 0.5, native.subnetInfo());
    for (const inline of [true, false]) {
      let thrown = false;
      let promise: Promise<unknown> | undefined;
      try {
        promise = model.infer(undefined, { inline });
      } catch {
        thrown = true;
      }
      expect(thrown).toBe(false);
      await expect(promise).rejects.toMatchObject({ name: 'DynamicOfaError', code: 'E_INFERENCE', message: 'the backend failed' });
      expect(model.pending).toBe(0);
    }
  });
});
