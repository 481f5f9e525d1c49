/**
 * Loading a family on the CPU: by default with shared weights (every distinct weight held once: the family's
 * pre-optimized models from the engine cache, made when missing or stale), else, or when that cannot be done for a
 * reason outside the user's control (a read-only cache, ONNX Runtime refusing), from the ONNX files as they are,
 * saying why with a DYNAMIC_OFA_WEIGHT_SHARING_OFF warning. docs/memory.md.
 */
import { resolveCacheDir } from '../engines/cache-folder';
import { ensureOptimizedModels, type OptimizedModel } from '../engines/optimized-onnx';
import { DynamicOfaError, fromNative } from '../errors';
import type { LoadedManifest } from '../family/manifest';
import { getBinding, loadNativeModel, type NativeLoadBase, type NativeModel, type NativeModelFile } from '../native/addon';
import { cpuIsa, cpuModel } from '../util/host';
import type { WeightSharing } from './dynamic-model';
import type { LoadedOnDevice } from './load-engines';
import { onnxModelFiles } from './model-files';

export const WEIGHT_SHARING_WARNING = 'DYNAMIC_OFA_WEIGHT_SHARING_OFF';

export interface CpuLoadOptions {
  /** Share weights (default true). */
  shareWeights?: boolean;
  /** Engine cache folder, as for TensorRT engines. */
  cache?: string;
}

/** Loads the family's ONNX models on the CPU; `base` is nativeLoadBase's. */
export async function loadOnCpu(family: LoadedManifest, base: NativeLoadBase, options: CpuLoadOptions): Promise<LoadedOnDevice & { weightSharing: WeightSharing }> {
  const files = family.modelPaths;
  const subnets = files.map((_, i) => i);
  const plain = async (reason: string, optimizeMs = 0): Promise<LoadedOnDevice & { weightSharing: WeightSharing }> => {
    const native = await loadNativeModel(getBinding(), { ...base, shareWeights: false, models: onnxModelFiles(family), dlaLoadableLimit: 0 });
    return { native, subnets, files, engineBuildMs: 0, weightSharing: { enabled: false, reason, weightBytes: 0, heldWeightBytes: 0, optimizeMs } };
  };
  if (options.shareWeights === false) return plain('turned off');
  if (base.ortSessionDefaults) return plain('ONNX Runtime\'s default session options asked for');

  let native: NativeModel | undefined;
  let failure: unknown;
  let optimizeMs = 0;
  // A shared load that fails with E_MODEL_LOAD (a cached file damaged after its record was written, ONNX Runtime
  // refusing it) makes the optimized models once more and tries again before falling back.
  for (const force of [false, true]) {
    let models: NativeModelFile[];
    const started = performance.now();
    try {
      const optimized = await optimizedModels(family, base, options.cache, force);
      if (optimized.some((m) => m.action === 'made')) optimizeMs += performance.now() - started;
      models = optimized.map((m, subnet) => ({ subnet, path: m.path, offset: 0, dlaLoadables: 0, contentHash: m.contentHash }));
    } catch (error) {
      failure = error;
      break; // the cache cannot be written, or ONNX Runtime cannot optimize: making them again would not help
    }
    try {
      native = await loadNativeModel(getBinding(), { ...base, shareWeights: true, models, dlaLoadableLimit: 0 });
      break;
    } catch (error) {
      failure = fromNative(error);
      if ((failure as DynamicOfaError).code !== 'E_MODEL_LOAD') break;
    }
  }
  if (native === undefined) {
    // The ONNX files as they are: a family that is broken itself (a model that contradicts family.json, a file ONNX
    // Runtime cannot read) fails here with the error that names its own files; one that loads says why it shares nothing.
    const reason = `weights are not shared (${describe(failure)}); loaded from the ONNX files as they are`;
    const loaded = await plain(reason, optimizeMs);
    process.emitWarning(`family '${family.manifest.name}': ${reason}`, { code: WEIGHT_SHARING_WARNING });
    return loaded;
  }
  const info = native.subnetInfo();
  const weightBytes = info.reduce((sum, s) => sum + s.weightBytes, 0);
  const heldWeightBytes = info.reduce((sum, s) => sum + s.weightBytes - s.reusedWeightBytes, 0);
  return { native, subnets, files, engineBuildMs: 0, weightSharing: { enabled: true, weightBytes, heldWeightBytes, optimizeMs } };
}

async function optimizedModels(family: LoadedManifest, base: NativeLoadBase, cache: string | undefined, force: boolean): Promise<OptimizedModel[]> {
  const binding = getBinding();
  const cacheDir = resolveCacheDir(family.dir, family.manifest.name, cache).dir;
  const host = { ortVersion: binding.runtimeVersion(base.ortLibrary), cpuModel: cpuModel(), cpuIsa: cpuIsa() };
  return ensureOptimizedModels({ family, cacheDir, host, force, optimize: (onnx, output) => binding.optimizeModel(base.ortLibrary, base.threads, onnx, output) });
}

function describe(error: unknown): string {
  if (error instanceof DynamicOfaError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
