/**
 * What a family needs on a device before it can be loaded: the files to load (ONNX for the CPU, built engines
 * for TensorRT devices) and, where `build-engines`/`profile` measured them on this machine, the latencies.
 */
import { type Device, isTrtDevice } from './devices';
import { ensureEngines, type EnsureEvent } from '../engines/ensure-engines';
import { existingCacheDirs, resolveCacheDir } from '../engines/cache-folder';
import { platformFromNative } from '../engines/platform';
import type { Precision } from '../engines/fingerprint';
import { BackendUnavailableError } from '../errors';
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
}

/** What the addon loads for each sub-network: the files, and where in each the model starts. */
export type ModelFiles = Pick<NativeLoadOptions, 'models' | 'modelOffsets'>;

/** The files to load for each sub-network on `device`: the ONNX models, or TensorRT engines (built if needed). */
export async function modelsForDevice(family: LoadedManifest, device: Device, options: DeviceModelOptions = {}): Promise<ModelFiles> {
  if (!isTrtDevice(device)) return { models: family.modelPaths };
  const binding = getBinding();
  const info = binding.tensorrtInfo?.();
  if (!info?.cuda || !binding.buildEngine) {
    throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `device '${device}' needs TensorRT and a CUDA device: ${info?.cudaError ?? 'TensorRT is not in this build'}`);
  }
  const cache = resolveCacheDir(family.dir, family.manifest.name, options.cache);
  const engines = await ensureEngines({
    family,
    device,
    precision: options.precision ?? 'fp16',
    cacheDir: cache.dir,
    platform: platformFromNative(info),
    builder: binding.buildEngine,
    rebuild: options.buildEngines ?? true,
    ...(options.onEngineEvent ? { onEvent: options.onEngineEvent } : {}),
  });
  return { models: engines.map((e) => e.enginePath), modelOffsets: engines.map((e) => e.planOffset) };
}

/**
 * Profiled p50 latencies of the family on `device`, when a profile measured on this machine (same CPU model and,
 * for the CPU, the same thread count) exists in a cache folder; else undefined.
 */
export function profiledLatencies(family: LoadedManifest, device: Device, threads: number | undefined, cache?: string): number[] | undefined {
  for (const dir of existingCacheDirs(family.dir, family.manifest.name, cache)) {
    let profile: LatencyProfile;
    try {
      profile = readProfile(profilePath(dir, device));
    } catch {
      continue; // none here, or unreadable: measure at load instead
    }
    const sameHost = profile.host.cpuModel === cpuModel();
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
