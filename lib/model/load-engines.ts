/**
 * Loading a family on a TensorRT device: its engines from the engine cache (built when missing or stale), on a DLA
 * core within the core's loadable budget, and loaded once more after a rebuild when TensorRT refuses a plan that
 * the cache took as fresh (another TensorRT build, driver or DLA compiler than the engine file's header can tell).
 */
import { type DeviceModelOptions, deviceEngines, engineModelFiles, withinDlaBudget } from '../devices/model-files';
import { dlaCoreOf, type TrtDevice } from '../devices/devices';
import { recordDlaResidency, residentDlaLoadables } from '../devices/dla-residency';
import type { TensorRtStatus } from '../devices/tensorrt-status';
import type { DlaBudgetDecision } from '../engines/dla-budget';
import type { EnsuredEngine } from '../engines/ensure-engines';
import { fromNative } from '../errors';
import type { LoadedManifest } from '../family/manifest';
import { getBinding, type NativeFamily, type NativeLoadOptions } from '../native/addon';

/** What the addon is asked to load, but the model files. */
export type NativeLoadBase = Omit<NativeLoadOptions, 'models' | 'modelOffsets'>;

/** A family loaded on a device. */
export interface LoadedOnDevice {
  native: NativeFamily;
  /** The sub-networks loaded (indices into the manifest): all, unless the DLA budget trimmed the family. */
  subnets: number[];
  dlaBudget?: DlaBudgetDecision;
}

/** Loads the family's engines on `device` (`trt`: TensorRT's status, asked once by the caller). */
export async function loadEngines(family: LoadedManifest, device: TrtDevice, options: DeviceModelOptions, trt: TensorRtStatus, base: NativeLoadBase): Promise<LoadedOnDevice> {
  let refused: string[] = [];
  for (;;) {
    const engines = await deviceEngines(family, device, options, trt, refused);
    try {
      return await loadOnDevice(device, engines, options, base);
    } catch (error) {
      const stale = refused.length === 0 ? refusedCachedEngines(error, engines) : [];
      if (stale.length === 0) throw fromNative(error);
      refused = stale;
    }
  }
}

/**
 * After TensorRT refused the plan of an engine this load took from the cache: every engine it took from the cache
 * (what made TensorRT refuse one, such as another build or driver, holds for all of them; one rebuild round
 * instead of a failed load per engine). None when it refused something else, such as an engine just built.
 */
function refusedCachedEngines(error: unknown, engines: readonly EnsuredEngine[]): string[] {
  const rejected = (error as { rejectedModel?: unknown } | null)?.rejectedModel;
  if (engines.find((e) => e.enginePath === rejected)?.action !== 'cached') return [];
  return engines.filter((e) => e.action === 'cached').map((e) => e.subnet);
}

async function loadOnDevice(device: TrtDevice, engines: readonly EnsuredEngine[], options: DeviceModelOptions, base: NativeLoadBase): Promise<LoadedOnDevice> {
  const all = engines.map((_, i) => i);
  if (device === 'gpu') return { native: await getBinding().loadFamily({ ...base, ...engineModelFiles(engines, all) }), subnets: all };
  const core = dlaCoreOf(device);
  const dlaBudget = withinDlaBudget(device, engines, { action: 'load the family', mode: options.dlaBudget, resident: residentDlaLoadables(core) });
  const native = await getBinding().loadFamily({ ...base, ...engineModelFiles(engines, dlaBudget.keep) });
  recordDlaResidency(core, native, dlaBudget.loadables);
  return { native, subnets: dlaBudget.keep, dlaBudget };
}
