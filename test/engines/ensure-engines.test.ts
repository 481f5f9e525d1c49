import * as fs from 'node:fs';
import * as path from 'node:path';

import { checkEngineBytes, EngineCacheError } from '../../lib/engines/engine-file';
import { type EngineBuilder, ensureEngines, type EnsureEvent } from '../../lib/engines/ensure-engines';
import { timingCachePath } from '../../lib/engines/cache-folder';
import { summarizeEngineCache } from '../../lib/engines/engine-summary';
import { writeCalibrationData } from '../../lib/engines/calibration';
import { BackendUnavailableError, InvalidArgumentError } from '../../lib/errors';
import { loadManifest } from '../../lib/family/manifest';
import type { NativeBuildEngineOptions } from '../../lib/native/addon';
import { preprocessImage } from '../../lib/image/preprocess';
import { seededBytes, tinyFamily } from '../helpers';
import { copyFamily, tempDir, xavier } from './helpers';

/** Stands in for the addon's buildEngine: returns a plan for what it was asked, like the C++ does. */
function fakeBuilder(options: { otherTensorRt?: 'version' | 'build'; calibrate?: boolean; inspected?: boolean } = {}): EngineBuilder & { calls: NativeBuildEngineOptions[] } {
  const calls: NativeBuildEngineOptions[] = [];
  const builder = async (request: NativeBuildEngineOptions, onProgress?: (e: { stage: 'build'; fraction: number; message: string }) => void) => {
    calls.push(request);
    onProgress?.({ stage: 'build', fraction: 0.5, message: 'half' });
    // As TensorRT does with an int8 calibrator: calibrates on the data, then writes the cache the calibrator names.
    if (options.calibrate && request.calibrationData && request.calibrationCache) fs.writeFileSync(request.calibrationCache, `scales from ${request.calibrationData}`);
    const inspected = options.inspected
      ? {
        engineInformation: JSON.stringify({ Layers: request.dlaCore < 0 ? ['conv', 'pool'] : ['{ForeignNode[a...b]}', 'reduce', '{ForeignNode[c...d]}', 'Reformatting CopyNode for Output Tensor 0 to output'] }),
        activationBytes: 1000 + 1000 * calls.length,
      }
      : {};
    const plan = Buffer.from(`plan for ${request.onnx} on DLA core ${request.dlaCore}`);
    // A library other than the one tensorrtInfo() reported (the fingerprint's) built it: another version, or another build.
    const [tensorrtVersion, tensorrtEncoded] = options.otherTensorRt === 'version' ? ['8.6.1', 8601] : ['8.5.2', 8502];
    const tensorrtBuild = options.otherTensorRt === 'build' ? 'libnvinfer of 999 bytes' : xavier.tensorrtBuild;
    return {
      plan: plan.buffer.slice(plan.byteOffset, plan.byteOffset + plan.length),
      report: {
        tensorrtVersion, tensorrtEncoded, tensorrtBuild, buildMs: 1, layers: 40, dlaLayers: 28,
        gpuFallbackLayers: request.dlaCore === -1 ? 0 : 12, fallbackLayerNames: [], planBytes: plan.length,
        timingCacheLoaded: false, timingCacheSaved: true, calibrationCacheWritten: false, warnings: [], ...inspected,
      },
    };
  };
  return Object.assign(builder, { calls });
}

describe('ensureEngines (the build-engines cache logic, with a stand-in builder)', () => {
  it('builds what is missing, then reuses it; a changed model or a corrupt engine is rebuilt', async () => {
    const dir = copyFamily(tinyFamily, 'ensure');
    const cacheDir = path.join(dir, '.engine-cache');
    const builder = fakeBuilder();
    const events: EnsureEvent[] = [];
    const run = () => ensureEngines({ family: loadManifest(dir), device: 'dla0', cacheDir, platform: xavier, builder, onEvent: (e) => events.push(e) });

    const first = await run();
    expect(first.map((e) => e.action)).toEqual(['built', 'built', 'built', 'built']);
    expect(first[0]!.enginePath).toBe(path.join(cacheDir, 'dla0', 's0.fp16.engine'));
    expect(builder.calls[0]).toMatchObject({ dlaCore: 0, precision: 'fp16', gpuFallback: true, workspaceBytes: 256 << 20, timingCache: timingCachePath(cacheDir, 'dla0', xavier) });
    expect(events.filter((e) => e.type === 'progress')).toHaveLength(4);
    expect(first[0]!.report?.gpuFallbackLayers).toBe(12);

    const second = await run();
    expect(second.map((e) => e.action)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(builder.calls).toHaveLength(4);

    fs.appendFileSync(path.join(dir, 's1.onnx'), Buffer.from([0])); // a new export of s1
    const engine2 = path.join(cacheDir, 'dla0', 's2.fp16.engine');
    const bytes = fs.readFileSync(engine2);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    fs.writeFileSync(engine2, bytes);
    const third = await run();
    expect(third.map((e) => e.action)).toEqual(['cached', 'built', 'built', 'cached']);
    expect(third[1]!.reason).toMatch(/^stale: fingerprint differs/);
    expect(third[2]!.reason).toMatch(/^corrupt: plan checksum/);

    const forced = await ensureEngines({ family: loadManifest(dir), device: 'dla0', cacheDir, platform: xavier, builder, force: true });
    expect(forced.every((e) => e.action === 'built')).toBe(true);
  });

  it('writes each engine file from the returned plan; planOffset is where the plan starts, built or cached', async () => {
    const dir = copyFamily(tinyFamily, 'plan');
    const cacheDir = path.join(dir, '.engine-cache');
    const builder = fakeBuilder();
    const run = () => ensureEngines({ family: loadManifest(dir), device: 'dla1', cacheDir, platform: xavier, builder });
    const built = await run();
    const cached = await run();
    for (const [index, engine] of built.entries()) {
      const bytes = fs.readFileSync(engine.enginePath);
      const plan = `plan for ${path.join(dir, `s${index}.onnx`)} on DLA core 1`;
      expect(bytes.subarray(engine.planOffset).toString()).toBe(plan);
      expect(cached[index]!.planOffset).toBe(engine.planOffset);
      expect(checkEngineBytes(bytes)).toEqual({
        ok: true,
        header: expect.objectContaining({ fingerprint: engine.fingerprint, tensorrtEncoded: 8502, tensorrtBuild: xavier.tensorrtBuild, device: 'dla1', dlaCore: 1, precision: 'fp16', planBytes: plan.length }),
      });
      expect(engine.report).toMatchObject({ enginePath: engine.enginePath, engineFileBytes: bytes.length, planBytes: plan.length });
    }
    expect(fs.readdirSync(path.join(cacheDir, 'dla1')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('an engine TensorRT refused to deserialize is stale although its header looks fresh: rebuilt, or a typed error', async () => {
    const dir = copyFamily(tinyFamily, 'refused');
    const cacheDir = path.join(dir, '.engine-cache');
    const builder = fakeBuilder();
    const run = (extra: { refused?: string[]; rebuild?: boolean } = {}) => ensureEngines({ family: loadManifest(dir), device: 'dla0', cacheDir, platform: xavier, builder, ...extra });
    await run();
    const again = await run({ refused: ['s1'] });
    expect(again.map((e) => e.action)).toEqual(['cached', 'built', 'cached', 'cached']);
    expect(again[1]!.reason).toMatch(/^stale: TensorRT refused to deserialize it/);
    await expect(run({ refused: ['s2'], rebuild: false })).rejects.toMatchObject({ code: 'E_MODEL_LOAD', reason: 'stale', message: expect.stringMatching(/s2\.fp16\.engine is stale \(TensorRT refused/) });
    expect(builder.calls).toHaveLength(5);
  });

  it('keeps one timing cache per TensorRT build (TensorRT reuses one only with the same x.y.z and build)', () => {
    const a = timingCachePath('/c', 'gpu', xavier);
    expect(a).toBe('/c/gpu/timing-xavier-sm72-trt8.5.2-libnvinfer-of-1234-bytes.cache');
    expect(timingCachePath('/c', 'gpu', { ...xavier, tensorrtVersion: '10.3.0', tensorrtBuild: '26' })).toBe('/c/gpu/timing-xavier-sm72-trt10.3.0-26.cache');
  });

  it('with rebuilding disabled, a stale engine is a typed error and nothing is built', async () => {
    const dir = copyFamily(tinyFamily, 'norebuild');
    const cacheDir = path.join(dir, '.engine-cache');
    const builder = fakeBuilder();
    await ensureEngines({ family: loadManifest(dir), device: 'gpu', cacheDir, platform: xavier, builder });
    const newerTrt = { ...xavier, tensorrtVersion: '8.5.3', tensorrtEncoded: 8503 };
    await expect(ensureEngines({ family: loadManifest(dir), device: 'gpu', cacheDir, platform: newerTrt, builder, rebuild: false })).rejects.toThrow(EngineCacheError);
    await expect(ensureEngines({ family: loadManifest(dir), device: 'gpu', cacheDir, platform: newerTrt, builder, rebuild: false })).rejects.toMatchObject({
      code: 'E_MODEL_LOAD',
      reason: 'stale',
    });
    expect(builder.calls).toHaveLength(4);
  });

  it('refuses a builder result that does not match what was asked', async () => {
    const dir = copyFamily(tinyFamily, 'verify');
    await expect(
      ensureEngines({ family: loadManifest(dir), device: 'gpu', cacheDir: path.join(dir, 'c'), platform: xavier, builder: fakeBuilder({ otherTensorRt: 'version' }) }),
    ).rejects.toThrow(/is stale: fingerprint differs/);
    await expect(
      ensureEngines({ family: loadManifest(dir), device: 'gpu', cacheDir: path.join(dir, 'c'), platform: xavier, builder: fakeBuilder({ otherTensorRt: 'build' }) }),
    ).rejects.toThrow(/is stale: fingerprint differs \(TensorRT 8\.5\.2 \(libnvinfer of 999 bytes\) built it; the fingerprint is for 8\.5\.2 \(libnvinfer of 1234 bytes\)\)/);
  });

  it('checks options against the platform before building', async () => {
    const family = loadManifest(tinyFamily);
    const cacheDir = tempDir('opts');
    const builder = fakeBuilder();
    await expect(ensureEngines({ family, device: 'dla0', precision: 'fp32', cacheDir, platform: xavier, builder })).rejects.toThrow(InvalidArgumentError);
    await expect(ensureEngines({ family, device: 'dla1', cacheDir, platform: { ...xavier, dlaCores: 1 }, builder })).rejects.toThrow(BackendUnavailableError);
    await expect(ensureEngines({ family, device: 'gpu', precision: 'int8', cacheDir, platform: xavier, builder })).rejects.toThrow(/calibration data or a calibration cache/);
    expect(builder.calls).toHaveLength(0);
  });

  // The addon's buildEngine asserts only the kinds of its values: what it used to refuse is refused here, typed.
  it.each<[string, object, RegExp]>([
    ['an unknown precision', { precision: 'bf16' }, /precision must be one of fp16, int8, fp32; got "bf16"/],
    ['a workspace under 1 MiB', { workspaceMiB: 0.5 }, /workspaceMiB must be a number of MiB in \[1, /],
    ['a workspace of NaN MiB', { workspaceMiB: NaN }, /workspaceMiB must be/],
    ['a workspace beyond an exact byte count', { workspaceMiB: 2 ** 40 }, /workspaceMiB must be/],
    ['a workspace as a string', { workspaceMiB: '256' }, /workspaceMiB must be/],
    ['a GPU fallback that is no boolean', { gpuFallback: 'yes' }, /gpuFallback must be true, false or omitted/],
  ])('refuses %s before building (E_INVALID_ARGUMENT)', async (_name, options, message) => {
    const builder = fakeBuilder();
    const run = ensureEngines({ family: loadManifest(tinyFamily), device: 'dla0', cacheDir: tempDir('opts'), platform: xavier, builder, ...options });
    await expect(run).rejects.toThrow(InvalidArgumentError);
    await expect(run).rejects.toThrow(message);
    expect(builder.calls).toHaveLength(0);
  });

  it('a fractional workspace is rounded to whole bytes for the builder', async () => {
    const builder = fakeBuilder();
    await ensureEngines({ family: loadManifest(tinyFamily), device: 'gpu', cacheDir: tempDir('opts'), platform: xavier, builder, workspaceMiB: 1.0000001 });
    expect(builder.calls.map((c) => c.workspaceBytes)).toEqual(Array(4).fill(Math.round(1.0000001 * 2 ** 20)));
  });

  it('int8: calibration data is passed to the builder, and its hash is part of the fingerprint', async () => {
    const dir = copyFamily(tinyFamily, 'int8');
    const cacheDir = path.join(dir, 'c');
    const data = path.join(dir, 'calib.f32');
    fs.writeFileSync(data, Buffer.alloc(16));
    const builder = fakeBuilder();
    const a = await ensureEngines({ family: loadManifest(dir), device: 'dla0', precision: 'int8', cacheDir, platform: xavier, builder, calibrationData: () => data });
    expect(builder.calls[0]).toMatchObject({ precision: 'int8', calibrationData: data, calibrationCache: expect.stringContaining('calibration') });
    fs.writeFileSync(data, Buffer.alloc(32));
    const b = await ensureEngines({ family: loadManifest(dir), device: 'dla0', precision: 'int8', cacheDir, platform: xavier, builder, calibrationData: () => data });
    expect(b.map((e) => e.action)).toEqual(['built', 'built', 'built', 'built']);
    expect(b[0]!.fingerprint).not.toBe(a[0]!.fingerprint);
  });
});

describe('int8 calibration caches and engine headers', () => {
  it('the int8 fingerprint stays the same after the first calibration writes its cache: no needless rebuild', async () => {
    const dir = copyFamily(tinyFamily, 'int8-stable');
    const cacheDir = path.join(dir, 'c');
    const data = path.join(dir, 'calib.f32');
    fs.writeFileSync(data, Buffer.alloc(16));
    const builder = fakeBuilder({ calibrate: true });
    const run = () => ensureEngines({ family: loadManifest(dir), device: 'dla0', precision: 'int8', cacheDir, platform: xavier, builder, calibrationData: () => data });
    const first = await run();
    expect(first.map((e) => e.action)).toEqual(['built', 'built', 'built', 'built']);
    expect(fs.existsSync(builder.calls[0]!.calibrationCache!)).toBe(true);
    const second = await run();
    expect(second.map((e) => e.action)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(second.map((e) => e.fingerprint)).toEqual(first.map((e) => e.fingerprint));
    expect(builder.calls).toHaveLength(4);
  });

  it('a re-exported model gets its own calibration cache (keyed by the ONNX hash and resolution), never the stale scales', async () => {
    const dir = copyFamily(tinyFamily, 'int8-reexport');
    const cacheDir = path.join(dir, 'c');
    const data = path.join(dir, 'calib.f32');
    fs.writeFileSync(data, Buffer.alloc(16));
    const builder = fakeBuilder({ calibrate: true });
    const run = () => ensureEngines({ family: loadManifest(dir), device: 'gpu', precision: 'int8', cacheDir, platform: xavier, builder, calibrationData: () => data });
    await run();
    const before = builder.calls[1]!.calibrationCache!;
    expect(path.basename(before)).toMatch(/^s1\.r\d+\.[0-9a-f]{16}\.trt8\.5\.2\.calib$/);
    fs.appendFileSync(path.join(dir, 's1.onnx'), Buffer.from([0]));
    const after = await run();
    expect(after.map((e) => e.action)).toEqual(['cached', 'built', 'cached', 'cached']);
    const rebuilt = builder.calls[4]!;
    expect(rebuilt.calibrationCache).not.toBe(before);
    expect(rebuilt.calibrationData).toBe(data); // calibrated again, on the new model
  });

  it('engine headers record where the built engine\'s layers run and its activation memory (format 2); cached engines report them', async () => {
    const dir = copyFamily(tinyFamily, 'placement');
    const cacheDir = path.join(dir, 'c');
    const builder = fakeBuilder({ inspected: true });
    const built = await ensureEngines({ family: loadManifest(dir), device: 'dla1', cacheDir, platform: xavier, builder });
    expect(built[0]!.placement).toEqual({ dlaLoadables: 2, gpuLayers: 1, reformatLayers: 1, source: 'engine-inspector' });
    expect(built[0]!.report?.placement).toEqual(built[0]!.placement);
    const check = checkEngineBytes(fs.readFileSync(built[0]!.enginePath));
    expect(check).toEqual({ ok: true, header: expect.objectContaining({ format: 2, placement: built[0]!.placement, activationBytes: 2000 }) });
    const cached = await ensureEngines({ family: loadManifest(dir), device: 'dla1', cacheDir, platform: xavier, builder });
    expect(cached.map((e) => [e.action, e.placement?.dlaLoadables, e.activationBytes])).toEqual([['cached', 2, 2000], ['cached', 2, 3000], ['cached', 2, 4000], ['cached', 2, 5000]]);
    const summary = summarizeEngineCache(cacheDir, loadManifest(dir).manifest);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ device: 'dla1', precision: 'fp16', engines: 4, subnets: 4, sharedActivationBytes: 5000, separateActivationBytes: 14000 });
    expect(summary[0]!.dlaBudget).toMatchObject({ keep: [0, 1, 2, 3], total: 8, limit: 16 });
  });
});

describe('int8 calibration samples', () => {
  it('are preprocessed like the addon does (bilinear, normalized, NCHW)', () => {
    // rgb sample images into a bgr model: the calibration file holds the preprocessing rules' output, image by image
    const input = { channels: 3 as const, format: 'bgr' as const, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] };
    const dir = copyFamily(tinyFamily, 'calib-rules');
    const manifestFile = path.join(dir, 'family.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const images = seededBytes(2 * 13 * 9 * 3, 7);
    fs.writeFileSync(path.join(dir, 'imgs.u8'), images);
    fs.writeFileSync(path.join(dir, 'labels.u8'), Buffer.alloc(2));
    manifest.input = { layout: 'NCHW', ...input };
    manifest.sample = { images: 'imgs.u8', labels: 'labels.u8', count: 2, width: 13, height: 9, channels: 3 };
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const file = writeCalibrationData(loadManifest(dir), 6, path.join(dir, 'c', 'r6.f32'))!;
    const bytes = fs.readFileSync(file);
    const ours = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect(ours).toHaveLength(2 * 3 * 6 * 6);
    for (let i = 0; i < 2; i++) {
      const image = images.subarray(i * 13 * 9 * 3, (i + 1) * 13 * 9 * 3);
      const reference = preprocessImage({ data: image, width: 13, height: 9, format: 'rgb' }, input, 6, 6);
      ours.subarray(i * reference.length, (i + 1) * reference.length).forEach((v, k) => expect(v).toBeCloseTo(reference[k]!, 5));
    }
  });

  it('are written from the family sample', () => {
    const dir = copyFamily(tinyFamily, 'sample');
    const manifestFile = path.join(dir, 'family.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(path.join(dir, 'imgs.u8'), seededBytes(5 * 8 * 8 * 3, 1));
    fs.writeFileSync(path.join(dir, 'labels.u8'), Buffer.alloc(5));
    manifest.sample = { images: 'imgs.u8', labels: 'labels.u8', count: 5, width: 8, height: 8, channels: 3 };
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const file = writeCalibrationData(loadManifest(dir), 16, path.join(dir, 'c', 's0.f32'));
    expect(fs.statSync(file!).size).toBe(5 * 3 * 16 * 16 * 4);
    expect(writeCalibrationData(loadManifest(tinyFamily), 16, path.join(dir, 'none.f32'))).toBeUndefined();
  });
});
