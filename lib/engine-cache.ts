/**
 * The TensorRT engine cache: fingerprints, where engines live, and whether a cached engine may be used.
 *
 * An engine is specific to the ONNX file, the TensorRT version, the GPU (name + compute capability), the DLA core,
 * the precision, GPU fallback and the builder options; its fingerprint hashes all of them. Engine files carry a
 * header (fingerprint, TensorRT version, plan size and SHA-256), so a mismatched or corrupt engine is rebuilt, or
 * reported when rebuilding is disabled, and never deserialized blindly. This module owns the format: the addon's
 * buildEngine returns the plan in memory and this module writes the file; at load the addon is told where the
 * plan starts (the header's length) and never reads the header.
 *
 * Everything that can be decided without TensorRT is a pure function here (tested on any machine); the builder
 * and the platform facts are injected (the addon's `buildEngine` / `tensorrtInfo` on a Jetson, fakes in tests).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { nativeTarget } from './backends';
import { BackendUnavailableError, InvalidArgumentError, ModelLoadError } from './errors';
import type { LoadedManifest } from './family-manifest';
import type { NativeBuildEngineOptions, NativeBuildProgress, NativeBuildReport, NativeBuildResult, NativeTensorRtInfo } from './native';

export type TrtDevice = 'gpu' | 'dla0' | 'dla1';
export type Precision = 'fp16' | 'int8' | 'fp32';
export const TRT_DEVICES: readonly TrtDevice[] = ['gpu', 'dla0', 'dla1'];
export const PRECISIONS: readonly Precision[] = ['fp16', 'int8', 'fp32'];

/** Bumped when the fingerprint's inputs or the engine file format change: every cached engine becomes stale. */
export const FINGERPRINT_VERSION = 1;
export const ENGINE_MAGIC = 'DOFATRT1';
export const ENGINE_FORMAT = 1;
export const DEFAULT_WORKSPACE_MIB = 256;

/** What the fingerprint needs to know about the machine. */
export interface TrtPlatform {
  /** Loaded TensorRT library, "8.5.2". */
  tensorrtVersion: string;
  /** NV_TENSORRT_VERSION encoding of it. */
  tensorrtEncoded: number;
  gpuName: string;
  /** "7.2" */
  computeCapability: string;
  dlaCores: number;
  /** Jetson L4T release (/etc/nv_tegra_release), which ships the DLA compiler; undefined elsewhere. */
  l4tRelease?: string;
}

export interface BuilderOptions {
  /** Builder workspace limit, MiB. */
  workspaceMiB: number;
  /** DLA: let layers DLA cannot run fall back to the GPU (always false for gpu). */
  gpuFallback: boolean;
  /** int8: SHA-256 of the calibration cache (or data) the engine is calibrated with. */
  calibrationSha256?: string;
}

export interface FingerprintInput {
  onnxSha256: string;
  device: TrtDevice;
  precision: Precision;
  platform: TrtPlatform;
  builder: BuilderOptions;
}

/** -1 for gpu, n for dla<n>. */
export function dlaCoreOf(device: TrtDevice): number {
  return nativeTarget(device).dlaCore;
}

/** The fields an engine depends on, normalized (gpu: no fallback; the L4T release matters only for DLA). */
export function fingerprintFields(input: FingerprintInput): Record<string, string | number | boolean | null> {
  const dla = input.device !== 'gpu';
  return {
    fingerprintVersion: FINGERPRINT_VERSION,
    onnxSha256: input.onnxSha256,
    tensorrt: input.platform.tensorrtVersion,
    gpuName: input.platform.gpuName,
    computeCapability: input.platform.computeCapability,
    dlaCore: dlaCoreOf(input.device),
    l4tRelease: dla ? (input.platform.l4tRelease ?? null) : null,
    precision: input.precision,
    gpuFallback: dla ? input.builder.gpuFallback : false,
    workspaceMiB: input.builder.workspaceMiB,
    calibrationSha256: input.precision === 'int8' ? (input.builder.calibrationSha256 ?? null) : null,
  };
}

/** SHA-256 (hex) of the canonical JSON of {@link fingerprintFields} (keys sorted). */
export function computeFingerprint(input: FingerprintInput): string {
  const fields = fingerprintFields(input);
  const canonical = JSON.stringify(Object.fromEntries(Object.keys(fields).sort().map((k) => [k, fields[k]])));
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

/** Which fields differ between two fingerprint inputs (for messages: "stale because tensorrt changed"). */
export function fingerprintDifferences(a: FingerprintInput, b: FingerprintInput): string[] {
  const fa = fingerprintFields(a);
  const fb = fingerprintFields(b);
  return Object.keys(fa).filter((k) => fa[k] !== fb[k]);
}

export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

// ---- engine files -------------------------------------------------------------------------------------------

/** The JSON header in front of the plan. Format 1: engine files already in caches keep this key order. */
export interface EngineHeader {
  format: number;
  fingerprint: string;
  tensorrt: string;
  tensorrtEncoded: number;
  device: string;
  dlaCore: number;
  precision: string;
  planBytes: number;
  planSha256: string;
}

/** magic + uint32 LE header length + header JSON + plan. */
export function encodeEngineFile(header: Omit<EngineHeader, 'planBytes' | 'planSha256' | 'format'>, plan: Uint8Array): Buffer {
  const full: EngineHeader = {
    format: ENGINE_FORMAT,
    fingerprint: header.fingerprint,
    tensorrt: header.tensorrt,
    tensorrtEncoded: header.tensorrtEncoded,
    device: header.device,
    dlaCore: header.dlaCore,
    precision: header.precision,
    planBytes: plan.length,
    planSha256: crypto.createHash('sha256').update(plan).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([Buffer.from(ENGINE_MAGIC, 'latin1'), length, json, plan]);
}

export type EngineFileCheck = { ok: true; header: EngineHeader } | { ok: false; problem: string };

/** Checks a whole engine file: magic, header fields, plan size and SHA-256. Never throws for bad content. */
export function checkEngineBytes(bytes: Uint8Array): EngineFileCheck {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = ENGINE_MAGIC.length + 4;
  if (buffer.length < prefix || buffer.toString('latin1', 0, ENGINE_MAGIC.length) !== ENGINE_MAGIC) {
    return { ok: false, problem: 'not a dynamic-ofa engine file (bad magic)' };
  }
  const length = buffer.readUInt32LE(ENGINE_MAGIC.length);
  if (length > 65536 || prefix + length > buffer.length) return { ok: false, problem: `corrupt header (length ${length})` };
  let header: EngineHeader;
  try {
    header = JSON.parse(buffer.toString('utf8', prefix, prefix + length)) as EngineHeader;
  } catch {
    return { ok: false, problem: 'corrupt header (not JSON)' };
  }
  const strings = ['fingerprint', 'tensorrt', 'device', 'precision', 'planSha256'] as const;
  const integers = ['format', 'tensorrtEncoded', 'dlaCore', 'planBytes'] as const;
  if (typeof header !== 'object' || header === null || strings.some((k) => typeof header[k] !== 'string') || integers.some((k) => !Number.isInteger(header[k]))) {
    return { ok: false, problem: 'corrupt header (missing fields)' };
  }
  if (header.format !== ENGINE_FORMAT) return { ok: false, problem: `unsupported engine file format ${header.format}` };
  const plan = buffer.subarray(prefix + length);
  if (plan.length !== header.planBytes) return { ok: false, problem: `truncated or padded plan (${plan.length} bytes, header says ${header.planBytes})` };
  if (crypto.createHash('sha256').update(plan).digest('hex') !== header.planSha256) return { ok: false, problem: 'plan checksum mismatch (corrupt file)' };
  return { ok: true, header };
}

export type EngineState =
  | { status: 'missing' }
  | { status: 'corrupt'; problem: string }
  | { status: 'stale'; reasons: string[]; header: EngineHeader }
  | { status: 'fresh'; header: EngineHeader; planOffset: number };

/** What is at `file`, judged against the expected fingerprint and the loaded TensorRT. */
export function inspectEngine(file: string, expected: { fingerprint: string; tensorrtEncoded: number; device: TrtDevice; precision: Precision }): EngineState {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', problem: `cannot read: ${(error as Error).message}` };
  }
  const check = checkEngineBytes(bytes);
  if (!check.ok) return { status: 'corrupt', problem: check.problem };
  const h = check.header;
  const reasons: string[] = [];
  if (h.tensorrtEncoded !== expected.tensorrtEncoded) reasons.push(`built with TensorRT ${h.tensorrt}`);
  if (h.dlaCore !== dlaCoreOf(expected.device)) reasons.push(`built for ${h.device}`);
  if (h.precision !== expected.precision) reasons.push(`built for ${h.precision}`);
  if (h.fingerprint !== expected.fingerprint) reasons.push('fingerprint differs (model, GPU, TensorRT or builder options changed)');
  // The plan is the file's last planBytes bytes (checkEngineBytes verified its length).
  return reasons.length > 0 ? { status: 'stale', reasons, header: h } : { status: 'fresh', header: h, planOffset: bytes.length - h.planBytes };
}

/** A cached engine is missing, stale or corrupt and rebuilding is disabled. */
export class EngineCacheError extends ModelLoadError {
  readonly reason: 'missing' | 'stale' | 'corrupt';
  readonly enginePath: string;
  constructor(reason: 'missing' | 'stale' | 'corrupt', enginePath: string, detail: string) {
    super('E_MODEL_LOAD', `engine ${enginePath} is ${reason}${detail ? ` (${detail})` : ''}; rebuilding is disabled. Run \`npm run build-engines\` (or enable rebuilding)`);
    this.reason = reason;
    this.enginePath = enginePath;
  }
}

export type EngineDecision = { action: 'use' } | { action: 'build'; reason: string };

/** Pure: use a fresh engine; build a missing/stale/corrupt one (or when forced); throw when rebuilding is disabled. */
export function decideEngine(state: EngineState, enginePath: string, options: { force?: boolean; rebuild?: boolean } = {}): EngineDecision {
  const rebuild = options.rebuild ?? true;
  if (state.status === 'fresh') return options.force ? { action: 'build', reason: 'forced' } : { action: 'use' };
  const detail = state.status === 'stale' ? state.reasons.join('; ') : state.status === 'corrupt' ? state.problem : '';
  if (!rebuild) throw new EngineCacheError(state.status, enginePath, detail);
  return { action: 'build', reason: detail ? `${state.status}: ${detail}` : state.status };
}

// ---- where the cache lives ----------------------------------------------------------------------------------

export const FAMILY_CACHE_FOLDER = '.engine-cache';

/** $XDG_CACHE_HOME/dynamic-ofa, else ~/.cache/dynamic-ofa. */
export function userCacheRoot(env: NodeJS.ProcessEnv = process.env, homedir: string = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir, '.cache'), 'dynamic-ofa');
}

export interface CacheDirChoice {
  dir: string;
  source: 'override' | 'family' | 'user';
  /** Why the family folder was not used. */
  reason?: string;
}

/**
 * Pure given `isWritable`: an explicit folder (DYNAMIC_OFA_ENGINE_CACHE or `override`) wins; else
 * `<family>/.engine-cache`; else, when that cannot be written (read-only install), a per-user folder keyed by the
 * family's name and absolute path.
 */
export function chooseCacheDir(options: {
  familyDir: string;
  familyName: string;
  override?: string | undefined;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  isWritable: (dir: string) => boolean;
}): CacheDirChoice {
  const env = options.env ?? process.env;
  const override = options.override ?? env.DYNAMIC_OFA_ENGINE_CACHE;
  if (override) return { dir: path.resolve(override), source: 'override' };
  const familyDir = path.resolve(options.familyDir);
  const inFamily = path.join(familyDir, FAMILY_CACHE_FOLDER);
  if (options.isWritable(inFamily)) return { dir: inFamily, source: 'family' };
  const key = crypto.createHash('sha256').update(familyDir).digest('hex').slice(0, 12);
  const safeName = options.familyName.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    dir: path.join(userCacheRoot(env, options.homedir), `${safeName}-${key}`),
    source: 'user',
    reason: `${inFamily} is not writable`,
  };
}

/** Creates `dir` if needed and proves it can be written (a probe file). */
export function isWritableDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.probe-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}

export function resolveCacheDir(familyDir: string, familyName: string, override?: string): CacheDirChoice {
  const choice = chooseCacheDir({ familyDir, familyName, override, isWritable: isWritableDir });
  if (choice.source !== 'family') fs.mkdirSync(choice.dir, { recursive: true });
  return choice;
}

/** The cache folders a family's engines and profiles may already be in, most specific first; creates nothing. */
export function existingCacheDirs(familyDir: string, familyName: string, override?: string): string[] {
  const candidates = [
    chooseCacheDir({ familyDir, familyName, override, isWritable: () => true }).dir,
    chooseCacheDir({ familyDir, familyName, override, isWritable: () => false }).dir,
  ];
  return [...new Set(candidates)].filter((dir) => fs.existsSync(dir));
}

export function enginePath(cacheDir: string, device: TrtDevice, subnetId: string, precision: Precision): string {
  return path.join(cacheDir, device, `${subnetId}.${precision}.engine`);
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'unknown';
}

/** One timing cache per device kind and GPU and TensorRT version (TensorRT refuses mismatched ones anyway). */
export function timingCachePath(cacheDir: string, device: TrtDevice, platform: TrtPlatform): string {
  return path.join(cacheDir, device, `timing-${slug(platform.gpuName)}-sm${platform.computeCapability.replace('.', '')}-trt${platform.tensorrtVersion}.cache`);
}

export function calibrationCachePath(cacheDir: string, subnetId: string, platform: TrtPlatform): string {
  return path.join(cacheDir, 'calibration', `${subnetId}.trt${platform.tensorrtVersion}.calib`);
}

/** The first line of /etc/nv_tegra_release ("# R35 (release), REVISION: 2.1, ..."), or undefined off Jetson. */
export function readL4tRelease(file = '/etc/nv_tegra_release'): string | undefined {
  try {
    const line = fs.readFileSync(file, 'utf8').split('\n')[0]!.replace(/^#\s*/, '').trim();
    const match = /R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)/.exec(line);
    return match ? `R${match[1]}.${match[2]}` : line || undefined;
  } catch {
    return undefined;
  }
}

/** The platform facts from the addon's tensorrtInfo(); throws when no CUDA device is usable. */
export function platformFromNative(info: NativeTensorRtInfo, l4tRelease: string | undefined = readL4tRelease()): TrtPlatform {
  if (!info.cuda) throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `TensorRT ${info.version} is compiled in, but no CUDA device is usable: ${info.cudaError ?? 'unknown error'}`);
  const platform: TrtPlatform = {
    tensorrtVersion: info.version,
    tensorrtEncoded: info.encoded,
    gpuName: info.cuda.name,
    computeCapability: info.cuda.computeCapability,
    dlaCores: info.dlaCores,
  };
  if (l4tRelease !== undefined) platform.l4tRelease = l4tRelease;
  return platform;
}

// ---- making sure engines exist ------------------------------------------------------------------------------

export type EngineBuilder = (options: NativeBuildEngineOptions, onProgress?: (event: NativeBuildProgress) => void) => Promise<NativeBuildResult>;

/** The native builder's report, and the engine file written from its plan. */
export interface EngineBuildReport extends NativeBuildReport {
  enginePath: string;
  engineFileBytes: number;
}

/** Writes `data` through a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomically(file: string, data: Uint8Array): void {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

export interface EnsureEnginesOptions {
  family: LoadedManifest;
  device: TrtDevice;
  precision?: Precision;
  cacheDir: string;
  platform: TrtPlatform;
  builder: EngineBuilder;
  /** Rebuild even fresh engines. */
  force?: boolean;
  /** false: a missing/stale/corrupt engine throws {@link EngineCacheError} instead of being rebuilt. Default true. */
  rebuild?: boolean;
  workspaceMiB?: number;
  gpuFallback?: boolean;
  /** int8 without a calibration cache: per sub-network id, a float32 NCHW sample file of that input size. */
  calibrationData?: (subnetId: string) => string | undefined;
  onEvent?: (event: EnsureEvent) => void;
}

export type EnsureEvent =
  | { type: 'check'; subnet: string; enginePath: string; decision: EngineDecision }
  | { type: 'progress'; subnet: string; progress: NativeBuildProgress }
  | { type: 'built'; subnet: string; enginePath: string; report: EngineBuildReport };

export interface EnsuredEngine {
  subnet: string;
  enginePath: string;
  /** Where the plan starts in the engine file (the header's length): the addon's `modelOffsets`. */
  planOffset: number;
  fingerprint: string;
  action: 'cached' | 'built';
  reason?: string;
  report?: EngineBuildReport;
}

/** For each sub-network: use the cached engine, or build it (one at a time: a Jetson has one GPU). */
export async function ensureEngines(options: EnsureEnginesOptions): Promise<EnsuredEngine[]> {
  const { family, device, cacheDir, platform } = options;
  const precision = options.precision ?? 'fp16';
  if (device !== 'gpu' && precision === 'fp32') throw new InvalidArgumentError('E_INVALID_ARGUMENT', 'DLA runs fp16 or int8 only; fp32 is for device gpu');
  if (device !== 'gpu' && dlaCoreOf(device) >= platform.dlaCores) {
    throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `device ${device} does not exist here: ${platform.gpuName} has ${platform.dlaCores} DLA cores`);
  }
  const workspaceMiB = options.workspaceMiB ?? DEFAULT_WORKSPACE_MIB;
  const gpuFallback = device === 'gpu' ? false : (options.gpuFallback ?? true);
  fs.mkdirSync(path.join(cacheDir, device), { recursive: true });
  const timingCache = timingCachePath(cacheDir, device, platform);
  const results: EnsuredEngine[] = [];
  for (const [index, subnet] of family.manifest.subnets.entries()) {
    const onnx = family.modelPaths[index]!;
    const target = enginePath(cacheDir, device, subnet.id, precision);
    const builderOptions: BuilderOptions = { workspaceMiB, gpuFallback };
    let calibrationCache: string | undefined;
    let calibrationData: string | undefined;
    if (precision === 'int8') {
      calibrationCache = calibrationCachePath(cacheDir, subnet.id, platform);
      fs.mkdirSync(path.dirname(calibrationCache), { recursive: true });
      if (fs.existsSync(calibrationCache)) {
        builderOptions.calibrationSha256 = sha256File(calibrationCache);
      } else {
        calibrationData = options.calibrationData?.(subnet.id);
        if (!calibrationData) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `int8 for '${subnet.id}' needs calibration data or a calibration cache at ${calibrationCache}`);
        builderOptions.calibrationSha256 = sha256File(calibrationData);
      }
    }
    const fingerprint = computeFingerprint({ onnxSha256: sha256File(onnx), device, precision, platform, builder: builderOptions });
    const state = inspectEngine(target, { fingerprint, tensorrtEncoded: platform.tensorrtEncoded, device, precision });
    const decision = decideEngine(state, target, { force: options.force ?? false, rebuild: options.rebuild ?? true });
    options.onEvent?.({ type: 'check', subnet: subnet.id, enginePath: target, decision });
    if (decision.action === 'use') {
      // decideEngine uses fresh engines only, and they know where their plan starts.
      if (state.status === 'fresh') results.push({ subnet: subnet.id, enginePath: target, planOffset: state.planOffset, fingerprint, action: 'cached' });
      continue;
    }
    const request: NativeBuildEngineOptions = {
      onnx,
      dlaCore: dlaCoreOf(device),
      precision,
      gpuFallback,
      workspaceBytes: workspaceMiB * 1024 * 1024,
      timingCache,
    };
    if (calibrationCache) request.calibrationCache = calibrationCache;
    if (calibrationData) request.calibrationData = calibrationData;
    const built = await options.builder(request, (progress) => options.onEvent?.({ type: 'progress', subnet: subnet.id, progress }));
    const plan = new Uint8Array(built.plan);
    // The fingerprint assumed the platform's TensorRT: a plan from another library would carry a wrong one.
    if (built.report.tensorrtEncoded !== platform.tensorrtEncoded) {
      throw new ModelLoadError(
        'E_MODEL_LOAD',
        `the plan built for ${target} is stale: fingerprint differs (TensorRT ${built.report.tensorrtVersion} built it; the fingerprint is for ${platform.tensorrtVersion})`,
      );
    }
    if (plan.length === 0) throw new ModelLoadError('E_MODEL_LOAD', `the builder returned an empty plan for ${target}`);
    const file = encodeEngineFile(
      { fingerprint, tensorrt: built.report.tensorrtVersion, tensorrtEncoded: built.report.tensorrtEncoded, device, dlaCore: dlaCoreOf(device), precision },
      plan,
    );
    writeFileAtomically(target, file);
    const report: EngineBuildReport = { ...built.report, enginePath: target, engineFileBytes: file.length };
    options.onEvent?.({ type: 'built', subnet: subnet.id, enginePath: target, report });
    results.push({ subnet: subnet.id, enginePath: target, planOffset: file.length - plan.length, fingerprint, action: 'built', reason: decision.reason, report });
  }
  return results;
}

// ---- int8 calibration samples -------------------------------------------------------------------------------

/**
 * One 8-bit HWC image (1 or 3 channels) as the family's float32 NCHW input of `size`x`size`: bilinear
 * (align_corners=False, no antialias) on pixel/255, then (x - mean) / std; the addon's preprocessing.
 */
export function preprocessForCalibration(
  image: Uint8Array,
  width: number,
  height: number,
  imageChannels: number,
  input: { channels: number; format: 'gray' | 'rgb' | 'bgr'; mean: number[]; std: number[] },
  size: number,
): Float32Array {
  const out = new Float32Array(input.channels * size * size);
  const source = (i: number, inSize: number): [number, number, number] => {
    const s = Math.max(0, ((i + 0.5) * inSize) / size - 0.5);
    const lo = Math.min(Math.floor(s), inSize - 1);
    return [lo, Math.min(lo + 1, inSize - 1), s - lo];
  };
  const value = (x: number, y: number, c: number): number => {
    const o = (y * width + x) * imageChannels;
    if (imageChannels === 1) return image[o]!;
    if (input.channels === 1) return 0.299 * image[o]! + 0.587 * image[o + 1]! + 0.114 * image[o + 2]!;
    return image[o + (input.format === 'bgr' ? 2 - c : c)]!;
  };
  for (let c = 0; c < input.channels; c++) {
    for (let y = 0; y < size; y++) {
      const [y0, y1, wy] = source(y, height);
      for (let x = 0; x < size; x++) {
        const [x0, x1, wx] = source(x, width);
        const top = value(x0, y0, c) * (1 - wx) + value(x1, y0, c) * wx;
        const bottom = value(x0, y1, c) * (1 - wx) + value(x1, y1, c) * wx;
        out[(c * size + y) * size + x] = ((top * (1 - wy) + bottom * wy) / 255 - input.mean[c]!) / input.std[c]!;
      }
    }
  }
  return out;
}

/**
 * Writes the family's bundled sample images (family.json `sample`) as calibration data for one resolution;
 * returns the file, or undefined when the family has no sample.
 */
export function writeCalibrationData(family: LoadedManifest, resolution: number, file: string, limit = 500): string | undefined {
  const sample = family.manifest.sample;
  if (!sample) return undefined;
  const images = fs.readFileSync(path.resolve(family.dir, sample.images));
  const bytesPerImage = sample.width * sample.height * sample.channels;
  const count = Math.min(limit, sample.count, Math.floor(images.length / bytesPerImage));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(`${file}.tmp-${process.pid}`, 'w');
  try {
    for (let i = 0; i < count; i++) {
      const image = images.subarray(i * bytesPerImage, (i + 1) * bytesPerImage);
      const floats = preprocessForCalibration(image, sample.width, sample.height, sample.channels, family.manifest.input, resolution);
      fs.writeSync(fd, Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength));
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${file}.tmp-${process.pid}`, file);
  return file;
}
