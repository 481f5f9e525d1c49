/**
 * loadFamily: from a family folder (or manifest) to a {@link DynamicModel} with every sub-network resident on one
 * device.
 */
import { assertDeviceAvailable, tensorRtStatusFor } from '../backends/backends';
import { backendOf, type Device, dlaCoreOf, isTrtDevice } from '../devices/devices';
import { type DeviceModelOptions, profiledLatencies } from './model-files';
import { tensorRtStatus } from '../backends/tensorrt-status';
import { FamilyInvalidError, fromNative } from '../errors';
import { type FamilyManifest, type LoadedManifest, loadManifest } from '../family/manifest';
import { getBinding, type NativeLoadBase } from '../native/addon';
import { resolveOrtLibrary } from '../native/ort-library';
import { DynamicModel } from './dynamic-model';
import { checkLoadOptions } from './input-checks';
import { type LoadedOnDevice, loadEngines } from './load-engines';

export interface LoadOptions extends DeviceModelOptions {
  /** Default 'cpu'. */
  device?: Device;
  /** ONNX Runtime intra-op threads, shared by every family in the process. Default: the pool's current size, else all cores. */
  threads?: number;
  /** Runs per sub-network at load, so the first inference after a switch is already fast. Default 5. */
  warmupRuns?: number;
  /** Expose the shared buffers as copies rather than external memory (what runtimes without external buffers get). Default: env DYNAMIC_OFA_NO_EXTERNAL_BUFFERS. */
  copyBuffers?: boolean;
  /**
   * `infer()` runs a sub-network whose latency (`SubnetInfo.latencyMs`) is at most this many ms on the calling
   * thread, when nothing is queued ahead of it; longer ones run on the family's own thread. A run handed to that
   * thread costs a wake-up of the event loop when it ends, which on a sub-millisecond sub-network is a large
   * share of what the caller waits for; blocking the loop for less than a timer tick costs less. Either way the
   * promise settles from the event loop, so a loop of `await model.infer()` lets timers and I/O run between
   * inferences. 0: never inline; Infinity: always (when idle). Default 1 (a timer tick). `InferOptions.inline` decides per call.
   */
  inlineBelowMs?: number;
}

/**
 * Loads a family: every sub-network becomes resident on `device`, bound to one shared input and output buffer
 * and warmed up. `source` is a family folder, a family.json path, or `{ manifest, dir }`.
 */
export async function loadFamily(source: string | { manifest: unknown; dir: string }, options: LoadOptions = {}): Promise<DynamicModel> {
  const device = options.device ?? 'cpu';
  const trt = tensorRtStatusFor(device); // asked once per load: the first tensorrtInfo() initializes CUDA
  assertDeviceAvailable(device, trt);
  const { warmupRuns, inlineBelowMs } = checkLoadOptions(options);
  const loaded = loadManifest(source);
  const base = nativeLoadBase(loaded.manifest, device, options, warmupRuns);
  const { native, subnets, dlaBudget } = isTrtDevice(device)
    ? await loadEngines(loaded, device, options, trt ?? tensorRtStatus(getBinding()), base) // (`trt` is set for every TensorRT device)
    : await loadOnnx(loaded, base);
  // The DLA budget may have trimmed the family: the model then has the sub-networks that fit, in family order.
  const trimmed = subnets.length < loaded.manifest.subnets.length;
  const family = trimmed
    ? { ...loaded, manifest: { ...loaded.manifest, subnets: subnets.map((i) => loaded.manifest.subnets[i]!) }, modelPaths: subnets.map((i) => loaded.modelPaths[i]!) }
    : loaded;
  const { manifest, dir } = family;
  if (trimmed && dlaBudget?.message) process.emitWarning(`family '${manifest.name}' on ${device}: ${dlaBudget.message}`, { code: 'DYNAMIC_OFA_DLA_TRIMMED' });
  // The manifest's resolutions must be what the models really take (preprocessing resizes to the model's).
  const info = native.subnetInfo();
  const mismatched = manifest.subnets.flatMap((s, i) => {
    const [, , height, width] = info[i]!.input.shape;
    return s.resolution !== undefined && (s.resolution !== height || s.resolution !== width)
      ? [{ path: `/subnets/${i}/resolution`, message: `is ${s.resolution}; ${s.model} takes ${height}x${width}` }]
      : [];
  });
  if (mismatched.length > 0) {
    native.close();
    throw new FamilyInvalidError(family.file, mismatched);
  }
  const profiled = profiledLatencies(family, device, options.threads, options.cache);
  const latencies = profiled ?? info.map((s) => s.warmupMs);
  return new DynamicModel(native, manifest, dir, device, latencies, profiled ? 'profile' : 'warmup', inlineBelowMs, info);
}

/** What the addon is asked to load on `device`, but the model files. */
function nativeLoadBase(manifest: FamilyManifest, device: Device, options: LoadOptions, warmupRuns: number): NativeLoadBase {
  const backend = backendOf(device);
  const copyBuffers = options.copyBuffers ?? process.env.DYNAMIC_OFA_NO_EXTERNAL_BUFFERS === '1';
  return {
    backend,
    dlaCore: dlaCoreOf(device),
    ...(backend === 'onnxruntime-cpu' ? { ortLibrary: resolveOrtLibrary() } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    warmupRuns,
    channels: manifest.input.channels,
    format: manifest.input.format,
    mean: manifest.input.mean,
    std: manifest.input.std,
    externalBuffers: !copyBuffers,
  };
}

/** The CPU: the family's ONNX models, every sub-network. */
async function loadOnnx(family: LoadedManifest, base: NativeLoadBase): Promise<LoadedOnDevice> {
  try {
    return { native: await getBinding().loadFamily({ ...base, models: family.modelPaths }), subnets: family.modelPaths.map((_, i) => i) };
  } catch (error) {
    throw fromNative(error);
  }
}
