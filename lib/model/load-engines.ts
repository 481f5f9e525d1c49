/**
 * Loading a family on a TensorRT device: its engines from the engine cache (built when missing or stale), on a DLA
 * core within the core's loadable budget, and loaded once more after a rebuild when TensorRT refuses a plan that
 * the cache took as fresh (another TensorRT build, driver or DLA compiler than the engine file's header can tell).
 */
import type { TrtDevice } from '../devices/devices';
import { loadEnginesOnDevice } from '../engines/dla-load';
import { type DeviceModelOptions, deviceEngines } from './model-files';
import type { TensorRtStatus } from '../backends/tensorrt-status';
import type { DlaBudgetDecision } from '../engines/dla-budget';
import { type EnsuredEngine, loadRebuildingRefused } from '../engines/ensure-engines';
import type { LoadedManifest } from '../family/manifest';
import { getBinding, type NativeLoadBase, type NativeModel } from '../native/addon';

/** A family loaded on a device. */
export interface LoadedOnDevice {
  native: NativeModel;
  /** The sub-networks loaded (indices into the manifest): all, unless the DLA budget trimmed the family. */
  subnets: number[];
  /** The model file each loaded sub-network came from (ONNX, or its engine file), in the order of `subnets`. */
  files: string[];
  /** Time spent building engines during this load, ms (0 when every engine came from the cache). */
  engineBuildMs: number;
  dlaBudget?: DlaBudgetDecision;
}

/** Loads the family's engines on `device` (`trt`: TensorRT's status, asked once by the caller). */
export async function loadEngines(family: LoadedManifest, device: TrtDevice, options: DeviceModelOptions, trt: TensorRtStatus, base: NativeLoadBase): Promise<LoadedOnDevice> {
  let engineBuildMs = 0;
  const { loaded } = await loadRebuildingRefused(
    async (refused) => {
      const engines = await deviceEngines(family, device, options, trt, refused);
      engineBuildMs += engines.reduce((sum, e) => sum + (e.action === 'built' ? (e.report?.buildMs ?? 0) : 0), 0);
      return engines;
    },
    (engines) => loadOnDevice(device, engines, options, base),
  );
  return { ...loaded, engineBuildMs };
}

async function loadOnDevice(device: TrtDevice, engines: readonly EnsuredEngine[], options: DeviceModelOptions, base: NativeLoadBase): Promise<Omit<LoadedOnDevice, 'engineBuildMs'>> {
  const { native, kept, decision } = await loadEnginesOnDevice(getBinding(), device, engines, { action: 'load the family', mode: options.dlaBudget, base });
  return { native, subnets: kept, files: kept.map((i) => engines[i]!.enginePath), ...(decision ? { dlaBudget: decision } : {}) };
}
