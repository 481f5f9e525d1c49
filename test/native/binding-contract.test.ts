/**
 * The addon's side of the binding contract. lib/ checks every user-facing value (test/model/errors.test.ts) and
 * calls the addon with plain positional values; the addon asserts only what keeps memory safe, and a broken assert
 * is E_INTERNAL "binding contract: ...", never a crash and never a user-facing message. Each assert is broken once
 * here. These tests call the addon directly, as only lib/native/addon.ts and lib/model/ do.
 */
import { DynamicOfaError } from '../../lib/errors';
import { getBinding, type NativeModel, SHARED_INPUT, TIMING } from '../../lib/native/addon';
import { seededFloats } from '../helpers';
import { type LoadModelArgs, loadModelArgs, loadTiny, tinyLoadOptions } from './native-load';

const contract = (what: RegExp) => expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringMatching(new RegExp(`^binding contract: .*${what.source}`)) });

// loadModel's arguments by name, in order (lib/native/addon.ts's NativeBinding.loadModel).
const LOAD_ARGS = ['models', 'modelOffsets', 'modelContentHashes', 'subnets', 'resolutions', 'dlaLoadables', 'backend', 'dlaCore', 'dlaLoadableLimit', 'ortLibrary', 'threads', 'ortSessionDefaults', 'shareWeights',
  'warmupRuns', 'channels', 'format', 'mean', 'std', 'externalBuffers'] as const;

/** The tiny family's load arguments with `changes` (by argument name) applied. */
function loadArgs(changes: Partial<Record<(typeof LOAD_ARGS)[number], unknown>>): LoadModelArgs {
  const args: unknown[] = [...loadModelArgs(tinyLoadOptions())];
  for (const [name, value] of Object.entries(changes)) args[LOAD_ARGS.indexOf(name as (typeof LOAD_ARGS)[number])] = value;
  return args as LoadModelArgs;
}

describe('binding contract: loadModel', () => {
  it('lib/ passes one positional value per argument', () => {
    expect(loadModelArgs(tinyLoadOptions())).toHaveLength(LOAD_ARGS.length);
  });

  it.each<[string, Partial<Record<(typeof LOAD_ARGS)[number], unknown>>, RegExp]>([
    ['models not strings', { models: [1, 2, 3, 4] }, /`models`/],
    ['one offset for four models', { modelOffsets: [0] }, /one entry per model/],
    ['a negative offset', { modelOffsets: [0, 0, -1, 0] }, /`modelOffsets`/],
    ['one content hash for four models', { modelContentHashes: [''] }, /`modelContentHashes` must be one entry per model/],
    ['a fractional sub-network index', { subnets: [0, 1, 2.5, 3] }, /`subnets`/],
    ['three resolutions for four models', { resolutions: [0, 0, 0] }, /one entry per model/],
    ['a negative resolution', { resolutions: [0, 0, -16, 0] }, /`resolutions`/],
    ['one DLA count for four models', { dlaLoadables: [0] }, /`dlaLoadables` must be one count per model/],
    ['DLA counts whose sum would overflow', { dlaLoadables: [2 ** 24, 2 ** 24, 0, 0] }, /`dlaLoadables` must be counts summing/],
    ['an unknown backend', { backend: 'cuda' }, /`backend`/],
    ['no dlaCore', { dlaCore: undefined }, /`dlaCore`/],
    ['a negative DLA loadable limit', { dlaLoadableLimit: -1 }, /`dlaLoadableLimit`/],
    ['no ONNX Runtime library', { ortLibrary: undefined }, /`ortLibrary`/],
    ['a string for threads', { threads: '2' }, /`threads`/],
    ['a number for ortSessionDefaults', { ortSessionDefaults: 1 }, /`ortSessionDefaults`/],
    ['no shareWeights', { shareWeights: undefined }, /`shareWeights`/],
    ['negative warm-up runs', { warmupRuns: -1 }, /`warmupRuns`/],
    ['four channels', { channels: 4 }, /`channels`/],
    ['an unknown pixel format', { format: 'yuv' }, /`format`/],
    ['too few mean values', { mean: [0, 0] }, /`mean`/],
    ['a std that is no number', { std: [1, '1', 1] }, /`std`/],
    ['no externalBuffers', { externalBuffers: undefined }, /`externalBuffers`/],
  ])('%s: thrown before anything loads, typed', (_name, changes, what) => {
    const load = (): unknown => getBinding().loadModel(...loadArgs(changes));
    expect(load).toThrow(contract(what));
    expect(load).toThrow(DynamicOfaError);
  });

  it('no model at all: the load fails, typed', async () => {
    await expect(getBinding().loadModel(...loadArgs({ models: [], modelOffsets: [], modelContentHashes: [], subnets: [], resolutions: [], dlaLoadables: [] })))
      .rejects.toMatchObject(contract(/at least one sub-network/));
  });

  it('an offset into an ONNX file: the load fails, typed', async () => {
    await expect(getBinding().loadModel(...loadArgs({ modelOffsets: [0, 12, 0, 0] }))).rejects.toMatchObject(contract(/ONNX models are read whole/));
  });

  it('what lib/ checks for users is not repeated: std 0, a gray format for 3 channels, no warm-up, 5000 threads\' worth of range', async () => {
    const model = await getBinding().loadModel(...loadArgs({ std: [1, 0, 1], format: 'gray', warmupRuns: 0 }));
    expect(model.subnetInfo()).toHaveLength(4);
    expect(model.subnetInfo().map((s) => s.warmupMs)).toEqual([0, 0, 0, 0]);
    model.close();
  });
});

describe('binding contract: run and runSync', () => {
  let model: NativeModel;
  beforeAll(async () => {
    model = await loadTiny();
  });
  afterAll(() => model.close());

  const s0Floats = 3 * 16 * 16;
  const rgb = (bytes: number, width: number, height: number, stride: number, format = 'rgb'): unknown[] => [null, new Uint8Array(bytes), width, height, format, stride];

  it.each<[string, unknown[], RegExp]>([
    ['a sub-network out of range', [4, ...SHARED_INPUT], /sub-network index out of range/],
    ['a negative index', [-1, ...SHARED_INPUT], /`subnet`/],
    ['a fractional index', [0.5, ...SHARED_INPUT], /`subnet`/],
    ['an index as a string', ['0', ...SHARED_INPUT], /`subnet`/],
    ['floats of another sub-network', [0, new Float32Array(3 * 20 * 20), null, 0, 0, 'gray', 0], /float count/],
    ['a Float64Array', [0, new Float64Array(s0Floats), null, 0, 0, 'gray', 0], /`floats`/],
    ['a plain array', [0, [1, 2, 3], null, 0, 0, 'gray', 0], /`floats`/],
    ['floats and an image at once', [0, new Float32Array(s0Floats), new Uint8Array(12), 2, 2, 'rgb', 6], /floats and an image/],
    ['image bytes that are floats', [0, null, new Float32Array(12), 2, 2, 'rgb', 6], /`image`/],
    ['an image one byte short', [0, ...rgb(11, 2, 2, 6)], /image bytes do not cover/],
    ['a stride whose rows would overflow', [0, ...rgb(12, 2, 3, 2 ** 52)], /image bytes do not cover/],
    ['a stride below a row', [0, ...rgb(12, 2, 2, 5)], /image bytes do not cover/],
    ['a zero stride', [0, ...rgb(12, 2, 2, 0)], /`stride`/],
    ['an unknown pixel format', [0, ...rgb(12, 2, 2, 6, 'yuv')], /`format`/],
    ['a zero width', [0, ...rgb(12, 0, 2, 0)], /`width`/],
    ['a height beyond an int', [0, ...rgb(12, 2, 2 ** 31, 6)], /`height`/],
  ])('%s: E_INTERNAL before anything runs, and the model still works', (_name, args, what) => {
    const run = model.run as (...a: unknown[]) => Promise<unknown>;
    const runSync = model.runSync as (...a: unknown[]) => unknown;
    expect(() => run.apply(model, args)).toThrow(contract(what));
    expect(() => runSync.apply(model, args)).toThrow(contract(what));
    model.runSync(0, seededFloats(s0Floats, 1), null, 0, 0, 'gray', 0);
    expect(model.timings[TIMING.latencyMs]).toBeGreaterThan(0);
  });

  it('a one-row image with a huge stride fits: only its one row is read', async () => {
    await model.run(0, null, new Uint8Array(6), 2, 1, 'rgb', 2 ** 52);
    expect(model.timings[TIMING.preprocessMs]).toBeGreaterThan(0);
  });

  it('one run at a time (lib/ queues them): a second run, and close(), while one is in flight break the contract', async () => {
    const running = model.run(0, ...SHARED_INPUT);
    expect(() => model.runSync(0, ...SHARED_INPUT)).toThrow(contract(/a run while another is in flight/));
    expect(() => model.run(1, ...SHARED_INPUT)).toThrow(contract(/a run while another is in flight/));
    expect(() => model.close()).toThrow(contract(/close\(\) while a run is in flight/));
    await running;
    expect(model.closed).toBe(false);
    model.runSync(1, ...SHARED_INPUT);
  });
});
