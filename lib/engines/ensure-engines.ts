/**
 * Making sure a family's engines exist for a device: for each sub-network, use the cached engine when its
 * fingerprint and file check out, else build it.
 *
 * Everything that can be decided without TensorRT is pure and tested on any machine; the builder and the
 * platform facts are injected (the addon's `buildEngine` / `tensorrtInfo` on a Jetson, fakes in tests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { dlaCoreOf, type TrtDevice } from '../devices/devices';
import { BackendUnavailableError, InvalidArgumentError, ModelLoadError } from '../errors';
import { type LoadedManifest, subnetResolution } from '../family/manifest';
import type { NativeBuildEngineOptions, NativeBuildProgress, NativeBuildReport, NativeBuildResult } from '../native/addon';
import { writeFileAtomically } from '../util/atomic-file';
import { calibrationCachePath, enginePath, timingCachePath } from './cache-folder';
import { decideEngine, encodeEngineFile, type EngineDecision, type EngineState, inspectEngine } from './engine-file';
import { type EnginePlacement, placementFromReport } from './engine-placement';
import { type BuilderOptions, calibrationKey, computeFingerprint, type Precision, PRECISIONS, sha256File } from './fingerprint';
import { tensorRtText, type TrtPlatform } from './platform';

export const DEFAULT_WORKSPACE_MIB = 256;
const MIB = 2 ** 20;
/** The builder's workspace in bytes stays an exact integer (the addon's size_t). */
const MAX_WORKSPACE_MIB = Math.floor(Number.MAX_SAFE_INTEGER / MIB);

export type EngineBuilder = (options: NativeBuildEngineOptions, onProgress?: (event: NativeBuildProgress) => void) => Promise<NativeBuildResult>;

/** The native builder's report, and the engine file written from its plan. */
export interface EngineBuildReport extends NativeBuildReport {
  enginePath: string;
  engineFileBytes: number;
  /** Where the built engine's layers run (DLA loadables), when the engine could be inspected. */
  placement?: EnginePlacement;
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
  /**
   * Sub-networks whose engine TensorRT refused to deserialize although the cache took it as fresh (another
   * TensorRT build, driver or DLA compiler than its header can tell): stale, whatever the header says.
   */
  refused?: readonly string[];
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
  /** From the engine file's header (format 2): DLA loadables and layer placement; undefined when not recorded. */
  placement?: EnginePlacement;
  /** Activation memory a context of the engine needs, when recorded. */
  activationBytes?: number;
  action: 'cached' | 'built';
  reason?: string;
  report?: EngineBuildReport;
}

/**
 * Ensures engines (`ensure`, given the sub-networks TensorRT refused) and loads them (`load`). When TensorRT refuses
 * the plan of an engine the cache took as fresh (the load fails with `rejectedModel`, its file), the engines taken
 * from the cache are rebuilt once and loaded again: what made TensorRT refuse one (another build, driver or DLA
 * compiler than the header can tell) holds for all of them, and one rebuild round beats a failed load per engine.
 * An engine just built that is refused is not rebuilt again: that error is thrown.
 */
export async function loadRebuildingRefused<T>(
  ensure: (refused: readonly string[]) => Promise<EnsuredEngine[]>,
  load: (engines: EnsuredEngine[]) => Promise<T>,
): Promise<{ loaded: T; engines: EnsuredEngine[] }> {
  let refused: string[] = [];
  for (;;) {
    const engines = await ensure(refused);
    try {
      return { loaded: await load(engines), engines };
    } catch (error) {
      const stale = refused.length === 0 ? refusedCachedEngines(error, engines) : [];
      if (stale.length === 0) throw error;
      refused = stale;
    }
  }
}

/** The sub-networks to rebuild after `error`: every cached engine when it names one of them as refused, else none. */
function refusedCachedEngines(error: unknown, engines: readonly EnsuredEngine[]): string[] {
  const rejected = (error as { rejectedModel?: unknown } | null)?.rejectedModel;
  if (engines.find((e) => e.enginePath === rejected)?.action !== 'cached') return [];
  return engines.filter((e) => e.action === 'cached').map((e) => e.subnet);
}

/** A fresh engine that TensorRT refused to deserialize is stale; any other state stays what it is. */
function refusedByTensorRt(state: EngineState): EngineState {
  if (state.status !== 'fresh') return state;
  return { status: 'stale', reasons: ['TensorRT refused to deserialize it (another TensorRT build, driver or DLA compiler than its header says)'], header: state.header };
}

/** Checks a TensorRT engine precision (`LoadOptions.precision`, the builder's): one of PRECISIONS, or omitted. */
export function checkPrecision(precision: unknown): Precision | undefined {
  if (precision === undefined || PRECISIONS.includes(precision as Precision)) return precision as Precision | undefined;
  throw new InvalidArgumentError('E_INVALID_ARGUMENT', `precision must be one of ${PRECISIONS.join(', ')}; got ${JSON.stringify(precision)}`);
}

/** For each sub-network: use the cached engine, or build it (one at a time: a Jetson has one GPU). */
export async function ensureEngines(options: EnsureEnginesOptions): Promise<EnsuredEngine[]> {
  const { family, device, cacheDir, platform } = options;
  // The builder's options are checked here, once: the addon's buildEngine only asserts the kinds of its values.
  const precision = checkPrecision(options.precision) ?? 'fp16';
  if (device !== 'gpu' && precision === 'fp32') throw new InvalidArgumentError('E_INVALID_ARGUMENT', 'DLA runs fp16 or int8 only; fp32 is for device gpu');
  if (device !== 'gpu' && dlaCoreOf(device) >= platform.dlaCores) {
    throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `device ${device} does not exist here: ${platform.gpuName} has ${platform.dlaCores} DLA cores`);
  }
  const workspaceMiB = options.workspaceMiB ?? DEFAULT_WORKSPACE_MIB;
  if (typeof workspaceMiB !== 'number' || !(workspaceMiB >= 1 && workspaceMiB <= MAX_WORKSPACE_MIB)) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `workspaceMiB must be a number of MiB in [1, ${MAX_WORKSPACE_MIB}]; got ${String(workspaceMiB)}`);
  }
  if (options.gpuFallback !== undefined && typeof options.gpuFallback !== 'boolean') {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `gpuFallback must be true, false or omitted; got ${JSON.stringify(options.gpuFallback)}`);
  }
  const gpuFallback = device === 'gpu' ? false : (options.gpuFallback ?? true);
  fs.mkdirSync(path.join(cacheDir, device), { recursive: true });
  const timingCache = timingCachePath(cacheDir, device, platform);
  const results: EnsuredEngine[] = [];
  for (const [index, subnet] of family.manifest.subnets.entries()) {
    const onnx = family.modelPaths[index]!;
    const target = enginePath(cacheDir, device, subnet.id, precision);
    const builderOptions: BuilderOptions = { workspaceMiB, gpuFallback };
    const onnxSha256 = sha256File(onnx);
    let calibrationCache: string | undefined;
    let calibrationData: string | undefined;
    if (precision === 'int8') {
      // Keyed by what the scales depend on; the key, not the cache's bytes, goes into the fingerprint.
      calibrationData = options.calibrationData?.(subnet.id);
      const resolution = subnetResolution(subnet);
      const key = calibrationKey({ onnxSha256, resolution, dataSha256: calibrationData ? sha256File(calibrationData) : undefined });
      calibrationCache = calibrationCachePath(cacheDir, subnet.id, platform, { calibrationKey: key, resolution });
      fs.mkdirSync(path.dirname(calibrationCache), { recursive: true });
      if (fs.existsSync(calibrationCache)) calibrationData = undefined; // the builder reads the scales from the cache
      else if (!calibrationData) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `int8 for '${subnet.id}' needs calibration data or a calibration cache at ${calibrationCache}`);
      builderOptions.calibrationSha256 = key;
    }
    const fingerprint = computeFingerprint({ onnxSha256, device, precision, platform, builder: builderOptions });
    const inspected = inspectEngine(target, { fingerprint, tensorrtEncoded: platform.tensorrtEncoded, tensorrtBuild: platform.tensorrtBuild, device, precision });
    const state = options.refused?.includes(subnet.id) ? refusedByTensorRt(inspected) : inspected;
    const decision = decideEngine(state, target, { force: options.force ?? false, rebuild: options.rebuild ?? true });
    options.onEvent?.({ type: 'check', subnet: subnet.id, enginePath: target, decision });
    if (decision.action === 'use') {
      // decideEngine uses fresh engines only, and they know where their plan starts.
      if (state.status === 'fresh') {
        const { placement, activationBytes } = state.header;
        results.push({
          subnet: subnet.id, enginePath: target, planOffset: state.planOffset, fingerprint, action: 'cached',
          ...(placement ? { placement } : {}), ...(activationBytes !== undefined ? { activationBytes } : {}),
        });
      }
      continue;
    }
    const request: NativeBuildEngineOptions = {
      onnx,
      dlaCore: dlaCoreOf(device),
      precision,
      gpuFallback,
      workspaceBytes: Math.round(workspaceMiB * MIB),
      timingCache,
    };
    if (calibrationCache) request.calibrationCache = calibrationCache;
    if (calibrationData) request.calibrationData = calibrationData;
    const built = await options.builder(request, (progress) => options.onEvent?.({ type: 'progress', subnet: subnet.id, progress }));
    const plan = new Uint8Array(built.plan);
    // The fingerprint assumed the platform's TensorRT: a plan from another library or build would carry a wrong one.
    const { tensorrtVersion, tensorrtEncoded, tensorrtBuild } = built.report;
    if (tensorrtEncoded !== platform.tensorrtEncoded || tensorrtBuild !== platform.tensorrtBuild) {
      throw new ModelLoadError(
        'E_MODEL_LOAD',
        `the plan built for ${target} is stale: fingerprint differs (TensorRT ${tensorRtText(tensorrtVersion, tensorrtBuild)} built it; ` +
          `the fingerprint is for ${tensorRtText(platform.tensorrtVersion, platform.tensorrtBuild)})`,
      );
    }
    if (plan.length === 0) throw new ModelLoadError('E_MODEL_LOAD', `the builder returned an empty plan for ${target}`);
    const placement = placementFromReport(built.report);
    const { activationBytes } = built.report;
    const recorded = { ...(placement ? { placement } : {}), ...(activationBytes !== undefined ? { activationBytes } : {}) };
    const file = encodeEngineFile(
      { fingerprint, tensorrt: tensorrtVersion, tensorrtEncoded, tensorrtBuild, device, dlaCore: dlaCoreOf(device), precision, ...recorded },
      plan,
    );
    writeFileAtomically(target, file);
    const report: EngineBuildReport = { ...built.report, enginePath: target, engineFileBytes: file.length, ...(placement ? { placement } : {}) };
    options.onEvent?.({ type: 'built', subnet: subnet.id, enginePath: target, report });
    results.push({ subnet: subnet.id, enginePath: target, planOffset: file.length - plan.length, fingerprint, action: 'built', reason: decision.reason, report, ...recorded });
  }
  return results;
}
