/**
 * What a family needs on a device before it can be loaded: the files to load (ONNX for the CPU, built engines
 * for TensorRT devices) and, where `build-engines`/`profile` measured them on this machine, the latencies.
 */
import { type Device, dlaCoreOf, type TrtDevice } from './devices';
import type { TensorRtStatus } from './tensorrt-status';
import { type DlaBudgetDecision, type DlaBudgetMode, decideDlaBudget } from '../engines/dla-budget';
import { type EnsuredEngine, ensureEngines, type EnsureEvent } from '../engines/ensure-engines';
import { existingCacheDirs, resolveCacheDir } from '../engines/cache-folder';
import { calibrationDataFor } from '../engines/calibration';
import { platformFromNative } from '../engines/platform';
import type { Precision } from '../engines/fingerprint';
import { BackendUnavailableError, ModelLoadError } from '../errors';
import type { LoadedManifest } from '../family/manifest';
import { getBinding, type NativeLoadOptions } from '../native/addon';
import { type LatencyProfile, profileLatencies, profilePath, readProfile } from '../family/latency-profile';
import { cpuModel } from '../util/host';

export interface DeviceModelOptions {
  /** Engine cache folder (default: the family's .engine-cache, or a per-user cache when that is read-only). */
  cache?: string;
  /** TensorRT engine precision. Default fp16. */
  precision?: Precision;
  /** false: a missing or stale engine is an error instead of being built. Default true. */
  buildEngines?: boolean;
  onEngineEvent?: (event: EnsureEvent) => void;
  /**
   * A DLA core holds at most 16 DLA loadables: 'refuse' (default) fails when the family's engines need more than
   * the core has left; 'trim' loads the sub-networks that fit and leaves the others out.
   */
  dlaBudget?: DlaBudgetMode;
}

/** What the addon loads for each sub-network: the files, and where in each the model starts. */
export type ModelFiles = Pick<NativeLoadOptions, 'models' | 'modelOffsets'>;

/**
 * Applies the DLA loadable budget to a DLA device's engines, given the loadables this process already holds on its
 * core (`resident`, default none): throws (`cannot <action> on <device>`) when nothing fits, else what to load.
 */
export function withinDlaBudget(
  device: Device,
  engines: readonly EnsuredEngine[],
  options: { action: string; mode?: DlaBudgetMode; resident?: number },
): DlaBudgetDecision {
  const decision = decideDlaBudget({
    core: dlaCoreOf(device), resident: options.resident, ...(options.mode ? { mode: options.mode } : {}),
    engines: engines.map((e) => ({ subnet: e.subnet, dlaLoadables: e.placement?.dlaLoadables })),
  });
  if (decision.keep.length === 0) throw new ModelLoadError('E_MODEL_LOAD', `cannot ${options.action} on ${device}: ${decision.message}`);
  return decision;
}

/** The engine files of the kept sub-networks (indices into `engines`), and where in each the plan starts. */
export function engineModelFiles(engines: readonly EnsuredEngine[], kept: readonly number[]): ModelFiles {
  return { models: kept.map((i) => engines[i]!.enginePath), modelOffsets: kept.map((i) => engines[i]!.planOffset) };
}

/**
 * A TensorRT device's engines for the family: from the engine cache, or built (`trt`: TensorRT's status, asked
 * once by the caller; `refused`: sub-networks whose cached engine TensorRT refused to deserialize, rebuilt).
 */
export async function deviceEngines(
  family: LoadedManifest,
  device: TrtDevice,
  options: DeviceModelOptions,
  trt: TensorRtStatus,
  refused: readonly string[] = [],
): Promise<EnsuredEngine[]> {
  const binding = getBinding();
  const info = trt.info;
  if (trt.reason !== undefined || !info?.cuda || !binding.buildEngine) {
    throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `device '${device}' needs TensorRT and a CUDA device: ${trt.reason ?? 'TensorRT is not in this build'}`);
  }
  const cache = resolveCacheDir(family.dir, family.manifest.name, options.cache);
  return ensureEngines({
    family,
    device,
    precision: options.precision ?? 'fp16',
    cacheDir: cache.dir,
    platform: platformFromNative(info),
    builder: binding.buildEngine,
    calibrationData: calibrationDataFor(family, cache.dir),
    rebuild: options.buildEngines ?? true,
    refused,
    ...(options.onEngineEvent ? { onEvent: options.onEngineEvent } : {}),
  });
}

/**
 * Profiled p50 latencies of the family on `device`, when a profile measured on this machine (same CPU model and,
 * for the CPU, the same thread count) exists in a cache folder; else undefined.
 */
export function profiledLatencies(family: LoadedManifest, device: Device, threads: number | undefined, cache?: string): number[] | undefined {
  let hostCpu: string | undefined; // this machine's CPU model, read once the first profile is found
  for (const dir of existingCacheDirs(family.dir, family.manifest.name, cache)) {
    let profile: LatencyProfile;
    try {
      profile = readProfile(profilePath(dir, device));
    } catch {
      continue; // none here, or unreadable: measure at load instead
    }
    const sameHost = profile.host.cpuModel === (hostCpu ??= cpuModel());
    const sameThreads = device !== 'cpu' || profile.method.threads === threads;
    if (profile.family !== family.manifest.name || !sameHost || !sameThreads) continue;
    try {
      return profileLatencies(profile, family.manifest.subnets.map((s) => s.id));
    } catch {
      continue; // the profile is of an older version of the family
    }
  }
  return undefined;
}
