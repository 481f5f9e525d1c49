/**
 * The addon's side of the binding contract. lib/ checks every user-facing value (test/model/errors.test.ts);
 * the addon asserts only what keeps memory safe, and a broken assert is E_INTERNAL "binding contract: ...",
 * never a crash and never a user-facing message. These tests call the addon directly, as lib/ must not.
 */
import * as path from 'node:path';

import { getBinding, type NativeFamily, type NativeLoadOptions } from '../../lib/native/addon';
import { resolveOrtLibrary } from '../../lib/native/ort-library';
import { seededFloats, tinyFamily } from '../helpers';

const contract = (what: RegExp) => expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringMatching(new RegExp(`^binding contract: .*${what.source}`)) });

function options(overrides: Record<string, unknown> = {}): NativeLoadOptions {
  return {
    models: ['s0', 's1', 's2', 's3'].map((s) => path.join(tinyFamily, `${s}.onnx`)),
    backend: 'onnxruntime-cpu',
    dlaCore: -1,
    ortLibrary: resolveOrtLibrary(),
    warmupRuns: 1,
    channels: 3,
    format: 'rgb',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    ...overrides,
  } as NativeLoadOptions;
}

describe('binding contract: loadFamily', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown backend', { backend: 'cuda' }, /`backend`/],
    ['no dlaCore', { dlaCore: undefined }, /`dlaCore`/],
    ['one offset for four models', { modelOffsets: [0] }, /`modelOffsets`/],
    ['a negative offset', { modelOffsets: [0, 0, -1, 0] }, /`modelOffsets`/],
    ['no ONNX Runtime library for onnxruntime', { ortLibrary: undefined }, /`ortLibrary`/],
    ['four channels', { channels: 4 }, /`channels`/],
    ['an unknown pixel format', { format: 'yuv' }, /`format`/],
    ['too few mean values', { mean: [0, 0] }, /`mean`/],
    ['a string for threads', { threads: '2' }, /`threads`/],
  ])('%s: thrown before anything loads', (_name, overrides, what) => {
    expect(() => getBinding().loadFamily(options(overrides))).toThrow(contract(what));
  });

  it('an offset into an ONNX file: the load fails, typed', async () => {
    await expect(getBinding().loadFamily(options({ modelOffsets: [0, 12, 0, 0] }))).rejects.toMatchObject(contract(/ONNX models are read whole/));
  });

  it('what lib/ checks for users is not repeated: std 0 and a gray format for 3 channels load', async () => {
    const family = await getBinding().loadFamily(options({ std: [1, 0, 1], format: 'gray' }));
    expect(family.subnetInfo()).toHaveLength(4);
    family.close();
  });
});

describe('binding contract: run and runSync', () => {
  let family: NativeFamily;
  beforeAll(async () => {
    family = await getBinding().loadFamily(options());
  });
  afterAll(() => family.close());

  const s0Floats = 3 * 16 * 16;

  it.each<[string, unknown[], RegExp]>([
    ['a sub-network out of range', [4], /sub-network index out of range/],
    ['a negative index', [-1], /sub-network index/],
    ['a fractional index', [0.5], /sub-network index/],
    ['an index as a string', ['0'], /sub-network index/],
    ['floats of another sub-network', [0, new Float32Array(3 * 20 * 20)], /float count/],
    ['a Float64Array', [0, new Float64Array(s0Floats)], /input must be/],
    ['a plain array', [0, [1, 2, 3]], /input must be/],
    ['frame data not bytes', [0, { data: new Float32Array(12), width: 2, height: 2, format: 'rgb' }], /frame `data`/],
    ['a frame one byte short', [0, { data: new Uint8Array(11), width: 2, height: 2, format: 'rgb' }], /frame bytes/],
    ['a stride whose rows would overflow', [0, { data: new Uint8Array(12), width: 2, height: 3, format: 'rgb', stride: 2 ** 52 }], /frame bytes/],
    ['a stride below a row', [0, { data: new Uint8Array(12), width: 2, height: 2, format: 'rgb', stride: 5 }], /frame bytes/],
    ['an unknown frame format', [0, { data: new Uint8Array(12), width: 2, height: 2, format: 'yuv' }], /frame `format`/],
    ['a zero width', [0, { data: new Uint8Array(12), width: 0, height: 2, format: 'rgb' }], /`width`/],
  ])('%s: E_INTERNAL before anything runs, and the family still works', (_name, args, what) => {
    const run = family.run as (...a: unknown[]) => Promise<unknown>;
    const runSync = family.runSync as (...a: unknown[]) => unknown;
    expect(() => run.apply(family, args)).toThrow(contract(what));
    expect(() => runSync.apply(family, args)).toThrow(contract(what));
    expect(family.runSync(0, seededFloats(s0Floats, 1)).subnet).toBe(0);
  });

  it('a one-row frame with a huge stride fits: only its one row is read', async () => {
    const result = await family.run(0, { data: new Uint8Array(6), width: 2, height: 1, format: 'rgb', stride: 2 ** 52 });
    expect(result.subnet).toBe(0);
  });
});
