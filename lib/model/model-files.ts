/**
 * What a family needs on a device before it can be loaded: the files to load (ONNX for the CPU, built engines
 * for TensorRT devices) and, where `build-engines`/`profile` measured them on this machine, the latencies.
 */
import type { Device, TrtDevice } from '../devices/devices';
import type { TensorRtStatus } from '../backends/tensorrt-status';
import type { DlaBudgetMode } from '../engines/dla-budget';
import { type EnsuredEngine, ensureEngines, type EnsureEvent } from '../engines/ensure-engines';
import { existingCacheDirs, resolveCacheDir } from '../engines/cache-folder';
import { calibrationDataFor } from '../engines/calibration';
import { platformFromNative } from '../engines/platform';
import type { Precision } from '../engines/fingerprint';
import type { LoadedManifest } from '../family/manifest';
import { buildNativeEngine, getBinding, type NativeModelFile } from '../native/addon';
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

/** The CPU's model files: the family's ONNX models, every sub-network. */
export function onnxModelFiles(family: LoadedManifest): NativeModelFile[] {
  return family.modelPaths.map((path, subnet) => ({ subnet, path, offset: 0, dlaLoadables: 0 }));
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
  const info = trt.info!; // loadFamily asserted the device available: TensorRT's info, a CUDA device and the builder are there
  const cache = resolveCacheDir(family.dir, family.manifest.name, options.cache);
  return ensureEngines({
    family,
    device,
    precision: options.precision ?? 'fp16',
    cacheDir: cache.dir,
    platform: platformFromNative(info),
    builder: (request, onProgress) => buildNativeEngine(binding, request, onProgress),
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
