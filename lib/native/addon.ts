/**
 * Loads the addon and declares its types once. Every other module talks to native code through
 * {@link NativeBinding}; nothing else calls `require` on the .node file.
 */
import type { BackendName } from '../devices/devices';
import type { Image } from '../image/image';
import { findAddon, type LoadedAddon, loadFirst } from './binary-selection';

export interface NativeTensorInfo {
  name: string;
  shape: number[];
}

export interface NativeRunResult {
  subnet: number;
  /** Steady-clock time around the backend's run call, ms. */
  latencyMs: number;
  /** Accelerator time (CUDA events) where the backend measures it. */
  deviceMs?: number;
  /** Native preprocessing time for image input, ms (0 for float input). */
  preprocessMs: number;
}

/** undefined/null: run on the shared input as written; Float32Array: copied into the shared input; image: preprocessed. */
export type NativeInput = Float32Array | Image | undefined | null;

export interface NativeFamily {
  /** The one shared input buffer (sized for the largest sub-network input), float32. */
  readonly inputBuffer: ArrayBuffer;
  /** The one shared output buffer, float32. */
  readonly outputBuffer: ArrayBuffer;
  /** false when the runtime refused external buffers and the views are synchronized copies. */
  readonly externalBuffers: boolean;
  readonly closed: boolean;
  /**
   * Per sub-network tensors, the median latency of its warm-up runs at load (ms), and the accelerator memory its
   * runs need for intermediate tensors (TensorRT; 0 for ONNX Runtime).
   */
  subnetInfo(): { input: NativeTensorInfo; output: NativeTensorInfo; warmupMs: number; activationBytes?: number }[];
  /** Accelerator memory the family holds besides its engines (older addons lack it). */
  deviceMemory?(): NativeDeviceMemory;
  run(subnet: number, input?: NativeInput): Promise<NativeRunResult>;
  runSync(subnet: number, input?: NativeInput): NativeRunResult;
  close(): void;
  /** Waits for the run in progress, rejects queued ones with E_CLOSED (unrun) and stops the run thread (process exit). */
  shutdown(): void;
}

/** What a family holds in accelerator memory besides its engines' weights. */
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

export interface NativeLoadOptions {
  models: string[];
  /** Bytes to skip at the start of each model file: the TS-owned engine-file header (lib/engines/engine-file.ts). Default 0. */
  modelOffsets?: number[];
  /** The addon knows backends, not device names (lib/devices/devices.ts maps a device to its backend). */
  backend: BackendName;
  /** TensorRT: -1 = the GPU, n = DLA core n. Ignored by onnxruntime. */
  dlaCore: number;
  /** ONNX Runtime library to dlopen; required for onnxruntime. */
  ortLibrary?: string;
  threads?: number;
  warmupRuns?: number;
  channels: number;
  format: 'gray' | 'rgb' | 'bgr';
  mean: number[];
  std: number[];
  externalBuffers?: boolean;
  /**
   * A DLA core's family: the DLA loadables of each model (from its engine file). The addon reserves their sum on
   * `dlaCore` for the whole process before loading, and the family holds it until it is closed or collected; when
   * the core then holds more than `dlaLoadableLimit`, the load fails (E_MODEL_LOAD) with `dlaResident`, what the
   * core holds, set on the error (another load took the loadables after {@link NativeBinding.dlaResidency}).
   */
  dlaLoadables?: number[];
  dlaLoadableLimit?: number;
}

/** What the addon is asked to load on a device, but the model files and the DLA reservation. */
export type NativeLoadBase = Omit<NativeLoadOptions, 'models' | 'modelOffsets' | 'dlaLoadables' | 'dlaLoadableLimit'>;

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
 * Whether TensorRT, its ONNX parser and the CUDA runtime can be loaded here and are versions this binary accepts
 * (only in builds with TensorRT). Touches no GPU.
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

/** TensorRT and the CUDA device it would use (only in builds with TensorRT; throws when tensorrtProbe() is not available). */
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
  /** CUDA headers the addon was compiled against, "11.8" (older addons lack it). */
  cudaHeaders?: string;
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

/** One engine to build. The plan comes back in memory; lib/engines/ensure-engines.ts writes the engine file. */
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
  loadFamily(options: NativeLoadOptions): Promise<NativeFamily>;
  backends(): BackendName[];
  runtimeVersion(ortLibrary: string): string;
  /** DLA loadables the families resident in this process (every JS realm and worker_thread) hold on DLA core `core`. */
  dlaResidency(core: number): number;
  /**
   * Only in builds with TensorRT: loads TensorRT, its parser and the CUDA runtime once and says whether they can
   * run here; never throws. The loader runs it in a child process to pick a TensorRT build of the platform package.
   */
  tensorrtProbe?(): NativeTensorRtProbe;
  /** Only in builds with TensorRT. */
  tensorrtInfo?(): NativeTensorRtInfo;
  /** Only in builds with TensorRT: builds one engine off the event loop. */
  buildEngine?(options: NativeBuildEngineOptions, onProgress?: (event: NativeBuildProgress) => void): Promise<NativeBuildResult>;
}

let loaded: LoadedAddon<NativeBinding> | undefined;

/** The addon for this platform (see {@link findAddon} for the order). */
export function getBinding(): NativeBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= loadFirst<NativeBinding>(findAddon(), require);
  return loaded.binding;
}

/** Which addon file this process runs, where it came from, and where else was looked (for `info`). */
export function loadedAddon(): Omit<LoadedAddon<NativeBinding>, 'binding'> {
  getBinding();
  const { file, origin, looked } = loaded!;
  return { file, origin, looked };
}
