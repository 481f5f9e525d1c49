/**
 * Loads the addon and declares its types once. Every other module talks to native code through
 * {@link NativeBinding}; nothing else calls `require` on the .node file. The addon is called with plain positional
 * values that lib/ has checked (lib/model/input-checks.ts); it asserts only what its memory safety needs, and every
 * error it throws or rejects with is made by {@link makeError} (registered once, in {@link getBinding}).
 */
import type { BackendName } from '../devices/devices';
import { type ErrorCode, makeError } from '../errors';
import type { PixelFormat } from '../image/image';
import { findAddon, type LoadedAddon, loadFirst } from './binary-selection';

export interface NativeTensorInfo {
  name: string;
  shape: number[];
}

/**
 * What a run reads besides the shared input, as positional values: floats copied into the shared input, or an
 * 8-bit image's bytes with its width, height, format and row stride in bytes (preprocessed natively); both null:
 * the shared input as written.
 */
export type NativeInput = readonly [floats: Float32Array | null, image: Uint8Array | null, width: number, height: number, format: PixelFormat, stride: number];

/** {@link NativeInput} of a run on the shared input as written. */
export const SHARED_INPUT: NativeInput = Object.freeze([null, null, 0, 0, 'gray', 0] as const);

/**
 * Where the last run's timings are in {@link NativeModel.timings}: steady-clock time around the backend's run call;
 * accelerator time (CUDA events) where the backend measures it, else -1; native preprocessing time of an image (0 for
 * floats). All ms.
 */
export const TIMING = Object.freeze({ latencyMs: 0, deviceMs: 1, preprocessMs: 2 });

/** A family loaded on one device: a model (the JS class "NativeModel"; `DynamicModel` is its public face). */
export interface NativeModel {
  /** The one shared input buffer (sized for the largest sub-network input), float32. */
  readonly inputBuffer: ArrayBuffer;
  /** The one shared output buffer, float32. */
  readonly outputBuffer: ArrayBuffer;
  /** false when the runtime refused external buffers and the views are synchronized copies. */
  readonly externalBuffers: boolean;
  readonly closed: boolean;
  /** The last successful run's timings, indexed by {@link TIMING}; read when the run has settled. */
  readonly timings: Float64Array;
  /** Each sub-network's tensors, warm-up latency and memory. */
  subnetInfo(): NativeSubnetInfo[];
  /** Accelerator memory the model holds besides its engines. */
  deviceMemory(): NativeDeviceMemory;
  /** Runs sub-network `subnet` on the model's run thread; one run at a time (lib/ queues them). */
  run(subnet: number, ...input: NativeInput): Promise<void>;
  /** The same on the calling thread. */
  runSync(subnet: number, ...input: NativeInput): void;
  close(): void;
  /**
   * For process exit: waits for the run in progress, rejects one still waiting with E_CLOSED (unrun), stops the run
   * thread and releases the sessions, as close() does but with a run in flight.
   */
  shutdown(): void;
}

/** One loaded sub-network as the addon describes it. */
export interface NativeSubnetInfo {
  input: NativeTensorInfo;
  output: NativeTensorInfo;
  /** The median latency of its warm-up runs at load, ms. */
  warmupMs: number;
  /** Accelerator memory its runs need for intermediate tensors (TensorRT; 0 for ONNX Runtime). */
  activationBytes: number;
  /** What the process's C heap grew by while its engine loaded, and during its first run (binding/core/model.h). */
  loadHeapBytes: number;
  firstRunHeapBytes: number;
  /** With shareWeights: its model's weights (initializers) in bytes, and those an earlier sub-network already held; else 0. */
  weightBytes: number;
  reusedWeightBytes: number;
}

/** What a model holds in accelerator memory besides its engines' weights. */
export interface NativeDeviceMemory {
  /** One block of activation memory shared by every sub-network's context (TensorRT), sized for the largest. */
  sharedActivationBytes: number;
  /** The shared input and output buffers. */
  inputBytes: number;
  outputBytes: number;
  /** The shared buffers are mapped host memory the accelerator reads in place (zero-copy). */
  mappedBuffers: boolean;
  /** Engines whose runs replay a captured CUDA graph. */
  cudaGraphs: number;
}

/** One sub-network's model file as the addon loads it. */
export interface NativeModelFile {
  /** Its index in family.json's subnets. */
  subnet: number;
  path: string;
  /** Bytes to skip at the start of the file: the TS-owned engine-file header (lib/engines/engine-file.ts); 0 for ONNX. */
  offset: number;
  /** DLA loadables its engine holds (from the engine file; 0 off the DLA cores). */
  dlaLoadables: number;
  /**
   * The content hash the file must have (what {@link NativeBinding.optimizeModel} reported when it wrote it), checked
   * where the addon reads the file whole (shareWeights); absent: not checked.
   */
  contentHash?: string;
}

/** A model file {@link NativeBinding.optimizeModel} wrote: its size and content hash (the addon's 64-bit hash, hex). */
export interface NativeOptimizedModel {
  bytes: number;
  contentHash: string;
}

/** What a model is loaded with, but its files: the device, and the family's input and resolutions. */
export interface NativeLoadBase {
  /** The addon knows backends, not device names (lib/devices/devices.ts maps a device to its backend). */
  backend: BackendName;
  /** TensorRT: -1 = the GPU, n = DLA core n. Ignored by onnxruntime. */
  dlaCore: number;
  /** ONNX Runtime library to dlopen ('' for tensorrt). */
  ortLibrary: string;
  /** ONNX Runtime's intra-op threads; 0: the pool's current size, else all cores. */
  threads: number;
  /**
   * ONNX Runtime: give each session its own arena and its weights arena chunks, as ONNX Runtime does by default,
   * instead of one arena shared by every session in the process (docs/memory.md). false but for the bench's comparison.
   */
  ortSessionDefaults: boolean;
  /**
   * ONNX Runtime: the model files are pre-optimized for this CPU ({@link NativeBinding.optimizeModel}): loaded without
   * optimizing again, each distinct weight held once for the whole model (docs/memory.md).
   */
  shareWeights: boolean;
  warmupRuns: number;
  /** Each family sub-network's input resolution as family.json declares it, 0 where it declares none (by index). */
  resolutions: readonly number[];
  channels: number;
  format: 'gray' | 'rgb' | 'bgr';
  mean: readonly number[];
  std: readonly number[];
  externalBuffers: boolean;
}

export interface NativeLoadOptions extends NativeLoadBase {
  models: readonly NativeModelFile[];
  /**
   * A load on a DLA core (`dlaCore` >= 0) reserves its models' loadables there for the whole process before loading,
   * and the model holds them until it is closed or collected; when the core would then hold more than this, the load
   * fails (E_MODEL_LOAD) with `dlaResident`, what the core holds, set on the error (another load took the loadables
   * after {@link NativeBinding.dlaResidency}). 0 off the DLA cores.
   */
  dlaLoadableLimit: number;
}

/**
 * Loads a model: the one call of the addon's loadModel, with plain positional values. Checked against family.json
 * natively (layout, channels, resolution, output shape) before any warm-up: a mismatch rejects with E_FAMILY_INVALID
 * and `manifestPath`, the family.json field it contradicts.
 */
export function loadNativeModel(binding: NativeBinding, options: NativeLoadOptions): Promise<NativeModel> {
  const { models } = options;
  return binding.loadModel(
    models.map((m) => m.path), models.map((m) => m.offset), models.map((m) => m.contentHash ?? ''), models.map((m) => m.subnet), models.map((m) => options.resolutions[m.subnet] ?? 0),
    models.map((m) => m.dlaLoadables),
    options.backend, options.dlaCore, options.dlaLoadableLimit, options.ortLibrary, options.threads, options.ortSessionDefaults,
    options.shareWeights, options.warmupRuns,
    options.channels, options.format, options.mean, options.std,
    options.externalBuffers,
  );
}

/** One library a TensorRT build loads at run time, as tensorrtProbe() found it. */
export interface NativeTensorRtLibrary {
  role: string;
  /** The file asked for: libnvinfer.so.8, libcudart.so.11.0, libnvonnxparser.so.8. */
  name: string;
  loaded: boolean;
  path?: string;
  version?: string;
  /** Why it was not loaded or not accepted, with what to install. */
  error?: string;
}

/**
 * Whether TensorRT, its ONNX parser and the CUDA runtime can be loaded here and are versions this binary accepts.
 * Touches no GPU.
 */
export interface NativeTensorRtProbe {
  /** TensorRT and the CUDA runtime are loaded and accepted: engines can run. */
  available: boolean;
  reason?: string;
  /** The ONNX parser too: engines can be built. */
  canBuild: boolean;
  buildReason?: string;
  /** The loaded TensorRT, "8.5.2". */
  version?: string;
  /** Which build of it: "26" (TensorRT 10's getInferLibBuildVersion), or "libnvinfer of N bytes" (8.x has no build number). */
  build?: string;
  /** The loaded CUDA runtime, "11.4". */
  cudaRuntime?: string;
  /** The headers this binary was compiled against. */
  compiled: { tensorrt: string; cuda: string };
  libraries: NativeTensorRtLibrary[];
}

/** TensorRT and the CUDA device it would use (throws when tensorrtProbe() is not available). */
export interface NativeTensorRtInfo {
  /** Loaded library, "8.5.2". */
  version: string;
  /** NV_TENSORRT_VERSION encoding of the loaded library (8502, 100300). */
  encoded: number;
  /**
   * Which build of that x.y.z the library is: plans and timing caches are reusable only by the same build. "26"
   * from TensorRT 10's getInferLibBuildVersion(); 8.x exports no build number, so "libnvinfer of N bytes" (the
   * library file's size stands for its build); "unknown" when neither can be read.
   */
  build: string;
  /** Headers the addon was compiled against, "8.5.2.2". */
  compiledVersion: string;
  compiledEncoded: number;
  /** CUDA headers the addon was compiled against, "11.8". */
  cudaHeaders: string;
  dlaCores: number;
  /** Why this TensorRT release has no DLA (10.8 to 11.3), when that is the case. */
  dlaNote?: string;
  cuda?: {
    ordinal: number;
    name: string;
    /** "7.2" (Xavier), "8.7" (Orin). */
    computeCapability: string;
    multiProcessors: number;
    integrated: boolean;
    canMapHostMemory: boolean;
    totalMemory: number;
    runtimeVersion: number;
    driverVersion: number;
    /** How inference waits without spinning a core: "device flags", or "events only (...)". */
    blockingSync?: string;
  };
  /** Why no CUDA device is usable. */
  cudaError?: string;
}

/**
 * One engine to build, as lib/engines/ensure-engines.ts checked it (precision, fp32 off the DLA cores, the DLA core
 * present, the workspace). The plan comes back in memory; ensure-engines.ts writes the engine file.
 */
export interface NativeBuildEngineOptions {
  onnx: string;
  /** -1 = the GPU, n = DLA core n. */
  dlaCore: number;
  precision: 'fp16' | 'int8' | 'fp32';
  /** DLA: let layers DLA cannot run fall back to the GPU. */
  gpuFallback: boolean;
  workspaceBytes: number;
  /** Loaded when present, merged and saved after the build. */
  timingCache?: string;
  /** int8: read when present (then no data is needed), written after calibrating. */
  calibrationCache?: string;
  /** float32 NCHW samples of the sub-network's input size, back to back (int8 without a calibration cache). */
  calibrationData?: string;
}

export interface NativeBuildProgress {
  stage: 'parse' | 'configure' | 'calibrate' | 'build' | 'serialize' | 'inspect' | 'done';
  /** [0, 1], or -1 when unknown. */
  fraction: number;
  message: string;
}

/** What the native builder reports about one build. */
export interface NativeBuildReport {
  tensorrtVersion: string;
  tensorrtEncoded: number;
  /** The build of the library that built the plan: "26" (TensorRT 10), or "libnvinfer of N bytes" (8.x has no build number). */
  tensorrtBuild: string;
  buildMs: number;
  layers: number;
  /** DLA builds, before the build: network layers DLA accepts (canRunOnDLA). */
  dlaLayers: number;
  /** DLA builds, before the build: network layers it does not accept (they run on the GPU). */
  gpuFallbackLayers: number;
  fallbackLayerNames: string[];
  /** The built engine's inspector JSON (engine-placement.ts reads the DLA loadables from it). */
  engineInformation?: string;
  /** The builder's own placement lines ("[DlaLayer] ...", "[GpuLayer] ..."), where it logs them. */
  placementLog?: string[];
  /** Activation memory a context of the built engine needs. */
  activationBytes?: number;
  /** Why the built engine could not be inspected here. */
  inspectionError?: string;
  planBytes: number;
  timingCacheLoaded: boolean;
  timingCacheSaved: boolean;
  calibrationCacheWritten: boolean;
  warnings: string[];
}

export interface NativeBuildResult {
  /** The serialized TensorRT plan. */
  plan: ArrayBuffer;
  report: NativeBuildReport;
}

export interface NativeBinding {
  /** Makes every error the addon throws or rejects with from then on (registered by {@link getBinding}). */
  useErrors(make: (code: ErrorCode, message: string) => Error): void;
  /** Called by {@link loadNativeModel} only. */
  loadModel(
    models: string[], modelOffsets: number[], modelContentHashes: string[], subnets: number[], resolutions: number[], dlaLoadables: number[],
    backend: BackendName, dlaCore: number, dlaLoadableLimit: number, ortLibrary: string, threads: number, ortSessionDefaults: boolean,
    shareWeights: boolean, warmupRuns: number,
    channels: number, format: NativeLoadBase['format'], mean: readonly number[], std: readonly number[],
    externalBuffers: boolean,
  ): Promise<NativeModel>;
  /**
   * Writes `onnxPath` as ONNX Runtime optimizes it for this CPU to `outputPath` (E_MODEL_LOAD when it refuses);
   * `threads` as for a load. lib/engines/optimized-onnx.ts decides where and when.
   */
  optimizeModel(ortLibrary: string, threads: number, onnxPath: string, outputPath: string): Promise<NativeOptimizedModel>;
  backends(): BackendName[];
  runtimeVersion(ortLibrary: string): string;
  /** DLA loadables the models resident in this process (every JS realm and worker_thread) hold on DLA core `core`. */
  dlaResidency(core: number): number;
  /** The process's C heap as glibc counts it: in use, and freed but kept by the allocator (`available` false elsewhere). */
  heapStats(): { available: boolean; inUseBytes: number; freeBytes: number };
  // The TensorRT functions are absent from builds without TensorRT (the CPU build); nothing else is optional.
  /**
   * Loads TensorRT, its parser and the CUDA runtime once and says whether they can run here; never throws. The
   * loader runs it in a child process to pick a TensorRT build of the platform package.
   */
  tensorrtProbe?(): NativeTensorRtProbe;
  tensorrtInfo?(): NativeTensorRtInfo;
  /** Called by {@link buildNativeEngine} only. '' for a path: none. */
  buildEngine?(
    onnx: string, dlaCore: number, precision: NativeBuildEngineOptions['precision'], gpuFallback: boolean, workspaceBytes: number,
    timingCache: string, calibrationCache: string, calibrationData: string,
    onProgress: ((event: NativeBuildProgress) => void) | null,
  ): Promise<NativeBuildResult>;
}

/**
 * Builds one engine off the event loop: the one call of the addon's buildEngine, with plain positional values
 * (TensorRT builds only; lib/ asks tensorRtStatus() first). Progress events reach `onProgress` in order.
 */
export function buildNativeEngine(
  binding: NativeBinding,
  options: NativeBuildEngineOptions,
  onProgress?: (event: NativeBuildProgress) => void,
): Promise<NativeBuildResult> {
  return binding.buildEngine!(
    options.onnx, options.dlaCore, options.precision, options.gpuFallback, options.workspaceBytes,
    options.timingCache ?? '', options.calibrationCache ?? '', options.calibrationData ?? '',
    onProgress ?? null,
  );
}

let loaded: LoadedAddon<NativeBinding> | undefined;

/** The addon for this platform (see {@link findAddon} for the order). */
export function getBinding(): NativeBinding {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = loadFirst<NativeBinding>(findAddon(), require);
    loaded.binding.useErrors(makeError);
  }
  return loaded.binding;
}

/** Which addon file this process runs, where it came from, and where else was looked (for `info`). */
export function loadedAddon(): Omit<LoadedAddon<NativeBinding>, 'binding'> {
  getBinding();
  const { file, origin, looked } = loaded!;
  return { file, origin, looked };
}
