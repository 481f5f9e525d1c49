/**
 * loadFamily: from a family folder (or manifest) to a {@link DynamicModel} with every sub-network resident on one
 * device. In steps: defaults and checks (input-checks.ts), the manifest, what to load on the device (ONNX models, or
 * engines from the engine cache), then one native load that also checks the models against the manifest.
 */
import * as fs from 'node:fs';

import { assertDeviceAvailable, tensorRtStatusFor } from '../backends/backends';
import { backendOf, type Device, dlaCoreOf, isTrtDevice } from '../devices/devices';
import { type DeviceModelOptions, profiledLatencies } from './model-files';
import { tensorRtStatus } from '../backends/tensorrt-status';
import { DynamicOfaError, FamilyInvalidError, fromNative } from '../errors';
import { type FamilyManifest, loadManifest } from '../family/manifest';
import { getBinding, type NativeLoadBase } from '../native/addon';
import { resolveOrtLibrary } from '../native/ort-library';
import { DynamicModel, type SubnetMemory, type WeightSharing } from './dynamic-model';
import { checkLoadOptions } from './input-checks';
import { type LoadedOnDevice, loadEngines } from './load-engines';
import { loadOnCpu } from './load-cpu';

export interface LoadOptions extends DeviceModelOptions {
  /** Default 'cpu'. */
  device?: Device;
  /** ONNX Runtime intra-op threads, shared by every model in the process. Default: the pool's current size, else all cores. */
  threads?: number;
  /** Runs per sub-network at load, so the first inference after a switch is already fast. Default 5. */
  warmupRuns?: number;
  /** Expose the shared buffers as copies rather than external memory (what runtimes without external buffers get). Default: env DYNAMIC_OFA_NO_EXTERNAL_BUFFERS. */
  copyBuffers?: boolean;
  /**
   * `infer()` runs a sub-network whose latency (`SubnetInfo.latencyMs`) is at most this many ms on the calling
   * thread, when nothing is queued ahead of it; longer ones run on the model's own thread. A run handed to that
   * thread costs a wake-up of the event loop when it ends, which on a sub-millisecond sub-network is a large
   * share of what the caller waits for; blocking the loop for less than a timer tick (Node's timers have 1 ms
   * resolution) costs less. The latency compared is the profiled one, or the median of the warm-up runs at load
   * (cold caches: they read high). Either way the promise settles from the event loop, so a loop of
   * `await model.infer()` lets timers and I/O run between inferences. A request made while others are queued waits
   * its turn on the model's thread, so requests keep their order. 0: never inline; Infinity: always (when idle).
   * Default 1 (a timer tick). `InferOptions.inline` decides per call; `InferenceResult.inline` says where it ran.
   */
  inlineBelowMs?: number;
  /**
   * CPU: hold each distinct weight of the family once (default true). The sub-networks load from models that ONNX
   * Runtime optimized for this CPU once and that are cached in the engine cache folder (`cache`); where that cannot
   * be done (a read-only cache, ONNX Runtime refusing) the family loads from its ONNX files as before, with a
   * DYNAMIC_OFA_WEIGHT_SHARING_OFF warning. `DynamicModel.weightSharing` says which. docs/memory.md.
   */
  shareWeights?: boolean;
  /** @internal ONNX Runtime's own memory settings, an arena per session (the bench's comparison; NativeLoadBase). */
  ortSessionDefaults?: boolean;
}

/**
 * Loads a family: every sub-network becomes resident on `device`, bound to one shared input and output buffer
 * and warmed up. `source` is a family folder, a family.json path, or `{ manifest, dir }`.
 */
export async function loadFamily(source: string | { manifest: unknown; dir: string }, options: LoadOptions = {}): Promise<DynamicModel> {
  const started = performance.now();
  const { warmupRuns, inlineBelowMs } = checkLoadOptions(options);
  const device = options.device ?? 'cpu';
  const trt = tensorRtStatusFor(device); // asked once per load: the first tensorrtInfo() initializes CUDA
  assertDeviceAvailable(device, trt);
  const loaded = loadManifest(source);
  const base = nativeLoadBase(loaded.manifest, device, { ...options, warmupRuns });
  let onDevice: LoadedOnDevice & { weightSharing?: WeightSharing };
  try {
    onDevice = isTrtDevice(device)
      ? await loadEngines(loaded, device, options, trt ?? tensorRtStatus(getBinding()), base) // (`trt` is set for every TensorRT device)
      : await loadOnCpu(loaded, base, options);
  } catch (error) {
    throw loadError(error, loaded.file);
  }
  const { native, subnets, files, engineBuildMs, dlaBudget } = onDevice;
  // The DLA budget may have trimmed the family: the model then has the sub-networks that fit, in family order.
  const trimmed = subnets.length < loaded.manifest.subnets.length;
  const family = trimmed
    ? { ...loaded, manifest: { ...loaded.manifest, subnets: subnets.map((i) => loaded.manifest.subnets[i]!) }, modelPaths: subnets.map((i) => loaded.modelPaths[i]!) }
    : loaded;
  const { manifest, dir } = family;
  if (trimmed && dlaBudget?.message) process.emitWarning(`family '${manifest.name}' on ${device}: ${dlaBudget.message}`, { code: 'DYNAMIC_OFA_DLA_TRIMMED' });
  const info = native.subnetInfo();
  const profiled = profiledLatencies(family, device, options.threads, options.cache);
  const latencies = profiled ?? info.map((s) => s.warmupMs);
  const memory = info.map((s, i): SubnetMemory => ({
    modelFileBytes: fs.statSync(files[i]!).size, loadHeapBytes: s.loadHeapBytes, firstRunHeapBytes: s.firstRunHeapBytes,
    weightBytes: s.weightBytes, reusedWeightBytes: s.reusedWeightBytes,
  }));
  const weightSharing = onDevice.weightSharing ?? { enabled: false, reason: 'not on the CPU', weightBytes: 0, heldWeightBytes: 0, optimizeMs: 0 };
  const loadTime = { totalMs: performance.now() - started, engineBuildMs, optimizeMs: weightSharing.optimizeMs };
  return new DynamicModel(native, manifest, dir, device, { latencies, latencySource: profiled ? 'profile' : 'warmup', memory, loadTime, weightSharing, threads: base.threads }, inlineBelowMs, info);
}

/**
 * What the addon is asked to load the family on `device` with, but the model files: the one place these values are
 * made (loadFamily, and build-engines' profiling load).
 */
export function nativeLoadBase(
  manifest: FamilyManifest,
  device: Device,
  options: { threads?: number; warmupRuns: number; copyBuffers?: boolean; ortSessionDefaults?: boolean },
): NativeLoadBase {
  const backend = backendOf(device);
  return {
    backend,
    dlaCore: dlaCoreOf(device),
    ortLibrary: backend === 'onnxruntime-cpu' ? resolveOrtLibrary() : '',
    threads: options.threads ?? 0,
    ortSessionDefaults: options.ortSessionDefaults ?? false,
    shareWeights: false, // decided per load (load-cpu.ts)
    warmupRuns: options.warmupRuns,
    resolutions: manifest.subnets.map((s) => s.resolution ?? 0),
    channels: manifest.input.channels,
    format: manifest.input.format,
    mean: manifest.input.mean,
    std: manifest.input.std,
    externalBuffers: !(options.copyBuffers ?? process.env.DYNAMIC_OFA_NO_EXTERNAL_BUFFERS === '1'),
  };
}

/**
 * What a failed load rejects with: a model that contradicts family.json (found by the native load: layout, channels,
 * resolution, output shape) as family.json's error; the addon's errors as it made them; anything untyped (a file
 * system error of the engine cache) as E_INTERNAL.
 */
function loadError(error: unknown, file: string): DynamicOfaError {
  const path = (error as { manifestPath?: unknown } | null)?.manifestPath;
  if (error instanceof DynamicOfaError && error.code === 'E_FAMILY_INVALID' && typeof path === 'string') {
    return new FamilyInvalidError(file, [{ path, message: error.message }], { cause: error });
  }
  return fromNative(error);
}
