import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  BackendUnavailableError,
  ClosedError,
  type DynamicModel,
  FamilyInvalidError,
  InputError,
  InvalidArgumentError,
  loadFamily,
  ModelLoadError,
  SubnetUnknownError,
} from '../../lib';
import { badModels, scratchFamily, seededFloats, slowFamily, tinyFamily, tinyManifest, withModels } from '../helpers';

describe('bad input gives typed errors and loses nothing', () => {
  let model: DynamicModel;
  beforeAll(async () => {
    model = await loadFamily(tinyFamily, { warmupRuns: 1 });
  });
  afterAll(() => model.close());

  async function stillWorks(): Promise<void> {
    const result = await model.infer(seededFloats(3 * 16 * 16, 3), { subnet: 0 });
    expect(result.output.length).toBe(10);
    expect(Number.isFinite(result.output[0])).toBe(true);
  }

  it('wrong input length: E_INPUT_SHAPE thrown synchronously, naming expected and got', async () => {
    model.use(1);
    let thrown: unknown;
    try {
      void model.infer(new Float32Array(7));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect(thrown).toMatchObject({ code: 'E_INPUT_SHAPE', message: expect.stringMatching(/7 floats.*expects 1200 \(1x3x20x20\)/) });
    await stillWorks();
  });

  it.each([
    ['a Float64Array', new Float64Array(1200)],
    ['a plain array', [1, 2, 3]],
    ['a string', 'frame'],
    ['a number', 42],
  ])('wrong input type (%s): E_INPUT_TYPE', async (_, input) => {
    model.use(1);
    expect(() => model.infer(input as unknown as Float32Array)).toThrow(expect.objectContaining({ code: 'E_INPUT_TYPE' }));
    await stillWorks();
  });

  it.each([
    ['data not bytes', { data: new Float32Array(12), width: 2, height: 2, format: 'rgb' }, 'E_INPUT_TYPE'],
    ['unknown format', { data: new Uint8Array(12), width: 2, height: 2, format: 'yuv' }, 'E_INPUT_TYPE'],
    ['zero width', { data: new Uint8Array(12), width: 0, height: 2, format: 'rgb' }, 'E_INPUT_SHAPE'],
    ['too few bytes', { data: new Uint8Array(11), width: 2, height: 2, format: 'rgb' }, 'E_INPUT_SHAPE'],
    ['stride below a row', { data: new Uint8Array(12), width: 2, height: 2, format: 'rgb', stride: 5 }, 'E_INPUT_SHAPE'],
    ['stride not a safe integer', { data: new Uint8Array(6), width: 2, height: 1, format: 'rgb', stride: 2 ** 60 }, 'E_INPUT_SHAPE'],
    ['height not an integer', { data: new Uint8Array(12), width: 2, height: 1.5, format: 'rgb' }, 'E_INPUT_SHAPE'],
    ['width above 65536', { data: new Uint8Array(12), width: 65537, height: 1, format: 'gray' }, 'E_INPUT_SHAPE'],
    ['data a Uint8ClampedArray', { data: new Uint8ClampedArray(12), width: 2, height: 2, format: 'rgb' }, 'E_INPUT_TYPE'],
  ])('bad image (%s): %s', async (_, image, code) => {
    expect(() => model.infer(image as never)).toThrow(expect.objectContaining({ code }));
    await stillWorks();
  });

  it('unknown sub-network: E_SUBNET_UNKNOWN by index and by id', async () => {
    expect(() => model.use(4)).toThrow(SubnetUnknownError);
    expect(() => model.use(-1)).toThrow(SubnetUnknownError);
    expect(() => model.use(1.5)).toThrow(SubnetUnknownError);
    expect(() => model.use('nope')).toThrow(expect.objectContaining({ code: 'E_SUBNET_UNKNOWN', message: expect.stringContaining('s0, s1, s2, s3') }));
    expect(() => model.infer(undefined, { subnet: 9 })).toThrow(SubnetUnknownError);
    await stillWorks();
  });

  it('device not available: E_BACKEND_UNAVAILABLE; unknown device: E_INVALID_ARGUMENT', async () => {
    await expect(loadFamily(tinyFamily, { device: 'gpu' })).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(loadFamily(tinyFamily, { device: 'dla0' })).rejects.toMatchObject({ code: 'E_BACKEND_UNAVAILABLE', message: expect.stringContaining('Available: cpu') });
    await expect(loadFamily(tinyFamily, { device: 'tpu' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await stillWorks();
  });

  it('bad load options: E_INVALID_ARGUMENT', async () => {
    await expect(loadFamily(tinyFamily, { threads: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(loadFamily(tinyFamily, { warmupRuns: 1.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
    // The addon's bounds are checked here, with the messages users see (the addon only asserts them).
    await expect(loadFamily(tinyFamily, { threads: 1025 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('[1, 1024]') });
    await expect(loadFamily(tinyFamily, { warmupRuns: 1001 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('[1, 1000]') });
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a number', 42],
    ['an empty string', ''],
    ['an object without manifest', { dir: tinyFamily }],
    ['a dir that is not a string', { manifest: {}, dir: 3 }],
  ])('family source of the wrong kind (%s): E_INVALID_ARGUMENT saying what it takes', async (_, source) => {
    await expect(loadFamily(source as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/^the family must be a folder holding family\.json, a family\.json path, or \{ manifest, dir \}.*; got /),
    });
  });

  it.each([
    ['null', null, 'load options must be an object or omitted; got null'],
    ['a string', 'cpu', 'load options must be an object or omitted; got "cpu"'],
    ['cache a number', { cache: 5 }, 'cache must be a folder path or omitted; got 5'],
    ['precision unknown', { precision: 'int4' }, 'precision must be one of fp16, int8, fp32; got "int4"'],
    ['dlaBudget unknown', { dlaBudget: 'drop' }, 'dlaBudget must be one of refuse, trim; got "drop"'],
    ['shareWeights a string', { shareWeights: 'no' }, 'shareWeights must be true, false or omitted; got "no"'],
    ['buildEngines a number', { buildEngines: 0 }, 'buildEngines must be true, false or omitted; got 0'],
    ['onEngineEvent not a function', { onEngineEvent: true }, 'onEngineEvent must be a function or omitted; got true'],
    ['threads a string', { threads: '2' }, 'threads must be an integer in [1, 1024]; got "2"'],
  ])('load options of the wrong kind (%s): E_INVALID_ARGUMENT naming the option, on the CPU too', async (_, options, message) => {
    await expect(loadFamily(tinyFamily, options as never)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message });
  });

  it('infer, inferSync and warm options that are not objects: E_INVALID_ARGUMENT, and the model still works', async () => {
    expect(() => model.infer(undefined, null as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'infer options must be an object or omitted; got null' }));
    expect(() => model.infer(undefined, 's1' as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'infer options must be an object or omitted; got "s1"' }));
    expect(() => model.inferSync(undefined, 7 as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'infer options must be an object or omitted; got 7' }));
    expect(() => model.warm(0, null as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'warm options must be an object or omitted; got null' }));
    await stillWorks();
  });

  it('a different thread count than the running shared pool: E_THREADS', async () => {
    await expect(loadFamily(tinyFamily, { threads: 7 })).rejects.toMatchObject({ code: 'E_THREADS' });
    await stillWorks();
  });

  it('missing model file: E_FAMILY_INVALID naming the JSON path and file', async () => {
    const dir = scratchFamily(withModels(['absent.onnx']));
    const error = await loadFamily(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FamilyInvalidError);
    expect((error as FamilyInvalidError).problems).toEqual([{ path: '/subnets/0/model', message: expect.stringContaining('absent.onnx') }]);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['random bytes', Buffer.from(seededFloats(256, 4).buffer)],
    ['truncated', fs.readFileSync(path.join(tinyFamily, 's1.onnx')).subarray(0, 3000)],
  ])('corrupt model file (%s): E_MODEL_LOAD naming the file', async (_, content) => {
    const dir = scratchFamily(withModels(['good.onnx', 'broken.onnx']), {
      'good.onnx': fs.readFileSync(path.join(tinyFamily, 's0.onnx')),
      'broken.onnx': content,
    });
    const error = await loadFamily(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toContain('broken.onnx');
    await stillWorks();
  });

  it.each([
    ['two-inputs.onnx', 'E_MODEL_LOAD', /2 inputs/],
    ['int-input.onnx', 'E_MODEL_LOAD', /must be float32/],
    ['fails-at-run.onnx', 'E_MODEL_LOAD', /loads but fails to run/],
  ])('model that cannot be a sub-network (%s): %s', async (file, code, message) => {
    const dir = scratchFamily(withModels(['m.onnx']), { 'm.onnx': fs.readFileSync(path.join(badModels, file)) });
    await expect(loadFamily(dir)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('sub-networks that disagree on output shape or channels: E_FAMILY_INVALID naming the manifest field', async () => {
    const mixed = scratchFamily(withModels(['a.onnx', 'b.onnx']), {
      'a.onnx': fs.readFileSync(path.join(tinyFamily, 's0.onnx')),
      'b.onnx': fs.readFileSync(path.join(badModels, 'other-output.onnx')),
    });
    const differs = (await loadFamily(mixed).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(differs).toBeInstanceOf(FamilyInvalidError);
    expect(differs).toMatchObject({ code: 'E_FAMILY_INVALID', file: path.join(mixed, 'family.json'), message: expect.stringMatching(/output shape \[1,5\] differs/) });
    expect(differs.problems.map((p) => p.path)).toEqual(['/subnets/1/model']);
    const gray = scratchFamily(withModels(['g.onnx']), { 'g.onnx': fs.readFileSync(path.join(badModels, 'gray-input.onnx')) });
    const channels = (await loadFamily(gray).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(channels).toMatchObject({ code: 'E_FAMILY_INVALID', message: expect.stringMatching(/1 channels; the family manifest says 3/) });
    expect(channels.problems.map((p) => p.path)).toEqual(['/input/channels']);
  });

  it('a manifest resolution that is not the model\'s: E_FAMILY_INVALID at /subnets/i/resolution', async () => {
    const manifest = { ...tinyManifest, subnets: tinyManifest.subnets.map((s: { resolution: number }, i: number) => (i === 2 ? { ...s, resolution: 99 } : s)) };
    const error = (await loadFamily({ manifest, dir: tinyFamily }, { warmupRuns: 1 }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(error).toBeInstanceOf(FamilyInvalidError);
    expect(error.problems).toEqual([{ path: '/subnets/2/resolution', message: `is 99; '${path.join(tinyFamily, 's2.onnx')}' takes 24x24` }]);
    await stillWorks();
  });

  it('a wrong resolution fails at load before any warm-up run', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(slowFamily, 'family.json'), 'utf8')) as { subnets: { resolution: number }[] };
    const wrong = { ...manifest, subnets: manifest.subnets.map((s) => ({ ...s, resolution: s.resolution + 1 })) };
    const slow = await loadFamily(slowFamily, { warmupRuns: 1 });
    const warmupMs = 1000 * slow.subnets.reduce((sum, s) => sum + s.latencyMs, 0); // what 1000 warm-up runs would take
    await slow.close();
    const started = performance.now();
    await expect(loadFamily({ manifest: wrong, dir: slowFamily }, { warmupRuns: 1000 })).rejects.toMatchObject({ code: 'E_FAMILY_INVALID', problems: [{ path: '/subnets/0/resolution' }] });
    expect(performance.now() - started).toBeLessThan(warmupMs / 10);
  });

  it('use after close: E_CLOSED', async () => {
    const other = await loadFamily(tinyFamily, { warmupRuns: 1 });
    await other.close();
    expect(() => other.infer()).toThrow(ClosedError);
    await stillWorks();
  });
});
