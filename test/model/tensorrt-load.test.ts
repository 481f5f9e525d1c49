/**
 * loadFamily on TensorRT devices, with a fake TensorRT addon over the real one (fake-tensorrt.ts): how often it
 * asks for TensorRT's facts, and what it does when TensorRT refuses a plan that the engine cache took as fresh.
 */
import * as path from 'node:path';

import { loadFamily } from '../../lib';
import { EngineCacheError } from '../../lib/engines/engine-file';
import { ModelLoadError } from '../../lib/errors';
import type { NativeBinding } from '../../lib/native/addon';
import { copyFamily, tempDir } from '../engines/helpers';
import { tinyFamily } from '../helpers';
import { fakeTensorRt, type FakeTensorRt } from './fake-tensorrt';

let mockFake: FakeTensorRt | undefined;
jest.mock('../../lib/native/addon', () => {
  const actual = jest.requireActual<typeof import('../../lib/native/addon')>('../../lib/native/addon');
  return { ...actual, getBinding: (): NativeBinding => mockFake?.binding ?? actual.getBinding() };
});

function setUp(): { fake: FakeTensorRt; family: string; cache: string } {
  const real = jest.requireActual<typeof import('../../lib/native/addon')>('../../lib/native/addon').getBinding();
  mockFake = fakeTensorRt(real);
  return { fake: mockFake, family: copyFamily(tinyFamily, 'trt-load'), cache: tempDir('trt-load-cache') };
}
afterEach(() => {
  mockFake = undefined;
});

describe('loadFamily on a TensorRT device (fake TensorRT addon)', () => {
  it('asks for tensorrtInfo() once per load (it initializes CUDA and makes a TensorRT runtime)', async () => {
    const { fake, family, cache } = setUp();
    const model = await loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 });
    expect(fake.infoCalls).toBe(1);
    expect(model.subnets).toHaveLength(4);
    await model.close();
    const cached = await loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 });
    expect(fake.infoCalls).toBe(2);
    expect(fake.builds).toHaveLength(4);
    await cached.close();
  });

  it('rebuilds the cached engines once when TensorRT refuses a plan the cache took as fresh, then loads', async () => {
    const { fake, family, cache } = setUp();
    await (await loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 })).close();
    // Say TensorRT was updated in place: the plans of the first builds no longer deserialize.
    fake.refuse = (plan) => plan.build <= 4;
    const events: string[] = [];
    const model = await loadFamily(family, { device: 'gpu', cache, warmupRuns: 1, onEngineEvent: (e) => e.type === 'check' && events.push(`${e.subnet} ${e.decision.action}`) });
    expect(fake.builds.map((b) => b.build)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events).toEqual(['s0 use', 's1 use', 's2 use', 's3 use', 's0 build', 's1 build', 's2 build', 's3 build']);
    expect((await model.infer(new Float32Array(3 * 32 * 32), { subnet: 3 })).output).toHaveLength(10);
    await model.close();
  });

  it('does not rebuild again when TensorRT refuses a plan just built: the typed error says why', async () => {
    const { fake, family, cache } = setUp();
    fake.refuse = () => true;
    await expect(loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 })).rejects.toThrow(ModelLoadError);
    expect(fake.builds).toHaveLength(4); // built, refused, not rebuilt
    const refusedAgain = loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 });
    await expect(refusedAgain).rejects.toMatchObject({ code: 'E_MODEL_LOAD', message: expect.stringMatching(/TensorRT cannot deserialize it/) });
    expect(fake.builds).toHaveLength(8); // the cached ones rebuilt once, refused again: no third round
  });

  it('with buildEngines: false, a refused cached engine is a stale-engine error instead of a rebuild', async () => {
    const { fake, family, cache } = setUp();
    await (await loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 })).close();
    fake.refuse = () => true;
    const refused = loadFamily(family, { device: 'gpu', cache, warmupRuns: 1, buildEngines: false });
    await expect(refused).rejects.toThrow(EngineCacheError);
    await expect(loadFamily(family, { device: 'gpu', cache, warmupRuns: 1, buildEngines: false })).rejects.toMatchObject({
      reason: 'stale', enginePath: path.join(cache, 'gpu', 's0.fp16.engine'), message: expect.stringMatching(/TensorRT refused to deserialize it/),
    });
    expect(fake.builds).toHaveLength(4);
  });
});

describe('loadFamily on a DLA core: the loadable budget, counted by the addon for the whole process', () => {
  const load = (family: string, cache: string, dlaBudget?: 'trim') => loadFamily(family, { device: 'dla0', cache, warmupRuns: 1, ...(dlaBudget ? { dlaBudget } : {}) });
  const budget = /cannot load the family on dla0: the family needs 12 DLA loadables \(s0 3, s1 3, s2 3, s3 3\); DLA core 0 holds at most 16 DLA loadables and this process already has 12 there/;

  it('two concurrent loads of a family that fits once: one loads, the other gets the budget\'s message', async () => {
    const { fake, family, cache } = setUp();
    fake.dlaLoadables = () => 3; // 4 sub-networks: 12 of a core's 16
    const outcomes = await Promise.allSettled([load(family, cache), load(family, cache)]);
    const loaded = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
    expect(loaded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(ModelLoadError);
    expect(refused[0]!.message).toMatch(budget);
    expect(fake.binding.dlaResidency(0)).toBe(12);
    await loaded[0]!.close();
    expect(fake.binding.dlaResidency(0)).toBe(0);
  });

  it('trim: the second concurrent load keeps what still fits, from the process-wide count', async () => {
    const { fake, family, cache } = setUp();
    fake.dlaLoadables = () => 3;
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const models = await Promise.all([load(family, cache, 'trim'), load(family, cache, 'trim')]);
      expect(models.map((m) => m.subnets.map((s) => s.id)).sort()).toEqual([['s0'], ['s0', 's1', 's2', 's3']]);
      expect(fake.binding.dlaResidency(0)).toBe(15);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/trimmed to fit: DLA core 0 holds at most 16 DLA loadables and this process already has 12 there; dropped s1, s2, s3/), expect.anything());
      await Promise.all(models.map((m) => m.close()));
    } finally {
      warn.mockRestore();
    }
    expect(fake.binding.dlaResidency(0)).toBe(0);
  });

  it('decides again, once, when another thread took the loadables between the count and the reservation', async () => {
    const { fake, family, cache } = setUp();
    fake.dlaLoadables = () => 3;
    const held = await load(family, cache);
    // As if a load in another worker_thread reserved after this one counted: the first count misses it.
    const counted = fake.binding.dlaResidency;
    let counts = 0;
    fake.binding.dlaResidency = (core) => (counts++ === 0 ? 0 : counted(core));
    await expect(load(family, cache)).rejects.toThrow(budget);
    expect(counts).toBe(2);
    // Still lost on the second try (the other load keeps winning): the budget's message, from what the addon saw.
    fake.binding.dlaResidency = () => 0;
    await expect(load(family, cache)).rejects.toThrow(budget);
    // With 'trim' something would have fitted: the error says the loadables were taken twice, not that none fit.
    await expect(load(family, cache, 'trim')).rejects.toThrow(/cannot load the family on dla0: other loads on DLA core 0 took its loadables twice .*\(the core holds 12 now\); try again/);
    fake.binding.dlaResidency = counted;
    await held.close();
    expect(counted(0)).toBe(0);
  });
});
