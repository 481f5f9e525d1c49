/**
 * Loads the addon and declares its types once. Every other module talks to native code through
 * {@link NativeBinding}; nothing else calls `require` on the .node file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { RuntimeLoadError } from './errors';

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

export interface NativeFrame {
  data: Uint8Array;
  width: number;
  height: number;
  format: 'gray' | 'rgb' | 'bgr' | 'rgba' | 'bgra';
  stride?: number;
}

/** undefined/null: run on the shared input as written; Float32Array: copied into the shared input; frame: preprocessed. */
export type NativeInput = Float32Array | NativeFrame | undefined | null;

export interface NativeFamily {
  /** The one shared input buffer (sized for the largest sub-network input), float32. */
  readonly inputBuffer: ArrayBuffer;
  /** The one shared output buffer, float32. */
  readonly outputBuffer: ArrayBuffer;
  /** false when the runtime refused external buffers and the views are synchronized copies. */
  readonly externalBuffers: boolean;
  readonly closed: boolean;
  /** Per sub-network tensors and the median latency of its warm-up runs at load (ms). */
  subnetInfo(): { input: NativeTensorInfo; output: NativeTensorInfo; warmupMs: number }[];
  run(subnet: number, input?: NativeInput): Promise<NativeRunResult>;
  runSync(subnet: number, input?: NativeInput): NativeRunResult;
  close(): void;
  /** Waits for the run in progress, drops queued ones and stops the run thread (process exit). */
  shutdown(): void;
}

/** Which backend runs a family: the addon knows backends, not device names (lib/backends.ts maps devices). */
export type NativeBackend = 'onnxruntime' | 'tensorrt';

export interface NativeLoadOptions {
  models: string[];
  /** Bytes to skip at the start of each model file: the TS-owned engine-file header (lib/engine-cache.ts). Default 0. */
  modelOffsets?: number[];
  backend: NativeBackend;
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
}

/** TensorRT and the CUDA device it would use (only in builds with TensorRT). */
export interface NativeTensorRtInfo {
  /** Loaded library, "8.5.2". */
  version: string;
  /** NV_TENSORRT_VERSION encoding of the loaded library (8502, 100300). */
  encoded: number;
  /** Headers the addon was compiled against, "8.5.2.2". */
  compiledVersion: string;
  compiledEncoded: number;
  dlaCores: number;
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
  };
  /** Why no CUDA device is usable. */
  cudaError?: string;
}

/** One engine to build. The plan comes back in memory; lib/engine-cache.ts writes the engine file. */
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
  stage: 'parse' | 'configure' | 'calibrate' | 'build' | 'serialize' | 'done';
  /** [0, 1], or -1 when unknown. */
  fraction: number;
  message: string;
}

/** What the native builder reports about one build. */
export interface NativeBuildReport {
  tensorrtVersion: string;
  tensorrtEncoded: number;
  buildMs: number;
  layers: number;
  dlaLayers: number;
  gpuFallbackLayers: number;
  fallbackLayerNames: string[];
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
  backends(): string[];
  runtimeVersion(ortLibrary: string): string;
  /** Only in builds with TensorRT. */
  tensorrtInfo?(): NativeTensorRtInfo;
  /** Only in builds with TensorRT: builds one engine off the event loop. */
  buildEngine?(options: NativeBuildEngineOptions, onProgress?: (event: NativeBuildProgress) => void): Promise<NativeBuildResult>;
}

export const packageRoot = path.resolve(__dirname, '..');

let binding: NativeBinding | undefined;

/**
 * Which addon binary to load. TensorRT builds (prebuilds/<platform>-<arch>-tensorrt<N>/, one per JetPack's
 * TensorRT major) link libnvinfer: each is first loaded in a child process, so a machine without that TensorRT
 * cannot crash this one, and the first that loads and has the backend wins. Otherwise node-gyp-build's order:
 * a local build (build/Release), then prebuilds/<platform>-<arch>/ (the CPU build).
 * DYNAMIC_OFA_BINARY forces a file; DYNAMIC_OFA_FORCE_CPU=1 skips the TensorRT builds.
 */
export function selectBinaryPath(root: string = packageRoot, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DYNAMIC_OFA_BINARY) return path.resolve(env.DYNAMIC_OFA_BINARY);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
  const hasLocalBuild = fs.existsSync(path.join(root, 'build', 'Release')) && fs.readdirSync(path.join(root, 'build', 'Release')).some((f) => f.endsWith('.node'));
  if (!hasLocalBuild && env.DYNAMIC_OFA_FORCE_CPU !== '1') {
    for (const candidate of tensorRtPrebuilds(root)) {
      if (loadsWithTensorRt(candidate)) return candidate;
    }
  }
  return nodeGypBuild.path(root);
}

/** TensorRT prebuilds for this platform, newest TensorRT first. */
export function tensorRtPrebuilds(root: string): string[] {
  const prebuilds = path.join(root, 'prebuilds');
  if (!fs.existsSync(prebuilds)) return [];
  const prefix = `${process.platform}-${process.arch}-tensorrt`;
  return fs
    .readdirSync(prebuilds)
    .filter((d) => d.startsWith(prefix))
    .sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)))
    .flatMap((d) => fs.readdirSync(path.join(prebuilds, d)).filter((f) => f.endsWith('.node')).map((f) => path.join(prebuilds, d, f)));
}

function loadsWithTensorRt(file: string): boolean {
  const probe = `const b = require(${JSON.stringify(file)}); process.exit(b.backends().includes('tensorrt') ? 0 : 3);`;
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 30000 }).status === 0;
}

/** The addon for this platform (see {@link selectBinaryPath}). */
export function getBinding(): NativeBinding {
  if (binding) return binding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binding = require(selectBinaryPath()) as NativeBinding;
  } catch (error) {
    throw new RuntimeLoadError(
      'E_RUNTIME_LOAD',
      `the dynamic-ofa native addon could not be loaded for ${process.platform}-${process.arch} (Node ${process.version}): ` +
        `${(error as Error).message}\nPossible solutions:\n` +
        '  - rebuild it from source: npm rebuild dynamic-ofa --build-from-source (needs cmake and a C++17 compiler)\n' +
        '  - check that no other copy of the package shadows this one',
      { cause: error },
    );
  }
  return binding;
}

/**
 * The ONNX Runtime shared library the addon dlopens: DYNAMIC_OFA_ORT_LIBRARY, else the copy shipped inside
 * the onnxruntime-node package for this platform.
 */
export function resolveOrtLibrary(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.DYNAMIC_OFA_ORT_LIBRARY;
  if (override) return path.resolve(override);
  let ortPackage: string;
  try {
    ortPackage = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch (error) {
    throw new RuntimeLoadError(
      'E_RUNTIME_LOAD',
      'the onnxruntime-node package is not installed; install it or set DYNAMIC_OFA_ORT_LIBRARY to a libonnxruntime.so.1',
      { cause: error },
    );
  }
  const bin = path.join(ortPackage, 'bin');
  const napiDirs = fs.existsSync(bin) ? fs.readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse() : [];
  const libraryName = process.platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1';
  for (const dir of napiDirs) {
    const candidate = path.join(bin, dir, process.platform, process.arch, libraryName);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new RuntimeLoadError(
    'E_RUNTIME_LOAD',
    `onnxruntime-node at ${ortPackage} ships no ${libraryName} for ${process.platform}-${process.arch}; ` +
      'set DYNAMIC_OFA_ORT_LIBRARY to an ONNX Runtime shared library (>= 1.17)',
  );
}
