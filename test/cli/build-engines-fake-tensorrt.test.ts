/**
 * build-engines' profiling loads on TensorRT devices, with the fake TensorRT addon over the real one
 * (test/model/fake-tensorrt.ts): a cached engine that TensorRT refuses is rebuilt once, as loadFamily does, and a
 * DLA core's profile is trimmed to what fits beside what the process already holds there (the addon's count).
 */
import * as path from 'node:path';

import { loadFamily } from '../../lib';
import { buildEngines } from '../../lib/cli/jobs/build-and-profile';
import type { NativeBinding } from '../../lib/native/addon';
import { copyFamily, tempDir } from '../engines/helpers';
import { tinyFamily } from '../helpers';
import { fakeTensorRt, type FakeTensorRt } from '../model/fake-tensorrt';

let mockFake: FakeTensorRt | undefined;
jest.mock('../../lib/native/addon', () => {
  const actual = jest.requireActual<typeof import('../../lib/native/addon')>('../../lib/native/addon');
  return { ...actual, getBinding: (): NativeBinding => mockFake?.binding ?? actual.getBinding() };
});

function setUp(): { fake: FakeTensorRt; family: string; cache: string } {
  mockFake = fakeTensorRt(jest.requireActual<typeof import('../../lib/native/addon')>('../../lib/native/addon').getBinding());
  return { fake: mockFake, family: copyFamily(tinyFamily, 'build-fake'), cache: tempDir('build-fake-cache') };
}
afterEach(() => {
  mockFake = undefined;
});

describe('build-engines with a fake TensorRT addon', () => {
  it('rebuilds the cached engines once when TensorRT refuses one of their plans, then profiles', async () => {
    const { fake, family, cache } = setUp();
    const run = () => buildEngines({ family, devices: ['gpu'], cache, runs: 2, warmupMs: 0 });
    expect((await run()).results.map((r) => r.engine)).toEqual(['built', 'built', 'built', 'built']);
    // buildEngine's positional values, as buildNativeEngine makes them: '' for the paths a GPU fp16 build has none of.
    expect(fake.buildCalls[0]).toEqual([
      path.join(family, 's0.onnx'), -1, 'fp16', false, 256 * 2 ** 20, expect.stringContaining(path.join(cache, 'gpu', 'timing-')), '', '', expect.any(Function),
    ]);
    fake.refuse = (plan) => plan.build <= 4;
    expect((await run()).results.map((r) => r.engine)).toEqual(['built', 'built', 'built', 'built']);
    expect(fake.builds).toHaveLength(8);
    fake.refuse = () => false;
    expect((await run()).results.map((r) => r.engine)).toEqual(['cached', 'cached', 'cached', 'cached']);
  });

  it('profiles on a DLA core what fits beside the loadables the process holds there', async () => {
    const { fake, family, cache } = setUp();
    fake.dlaLoadables = () => 3;
    const held = await loadFamily(family, { device: 'dla1', cache, warmupRuns: 1 }); // 12 of 16 on DLA core 1
    const events: string[] = [];
    const result = await buildEngines({ family, devices: ['dla1'], cache, runs: 2, warmupMs: 0, onEvent: (e) => e.type === 'dla-budget' && events.push(e.message) });
    // Every engine gets a row; only what fit the core beside the held loadables was profiled.
    expect(result.results.map((r) => [r.id, r.hostMs !== undefined])).toEqual([['s0', true], ['s1', false], ['s2', false], ['s3', false]]);
    expect(events).toEqual([expect.stringMatching(/trimmed to fit: DLA core 1 holds at most 16 DLA loadables and this process already has 12 there; dropped s1, s2, s3/)]);
    expect(fake.binding.dlaResidency(1)).toBe(12); // the profiling family was closed
    await held.close();
    expect(fake.binding.dlaResidency(1)).toBe(0);
  });
});
