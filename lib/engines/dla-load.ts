/**
 * Loading engines onto a DLA core within its loadable budget. The addon counts the loadables that the resident
 * models of the whole process hold on each core (every JS realm and worker_thread) and reserves a model's in
 * one step with that check, before deserializing. Here the budget decides what to load from that process-wide
 * count, and the addon is called in the same synchronous stretch, so no other load of this realm comes in
 * between; a load in another thread can, and then the budget decides once more from the new count.
 */
import { type DlaBudgetDecision, type DlaBudgetMode, decideDlaBudget } from './dla-budget';
import type { EnsuredEngine } from './ensure-engines';
import { ModelLoadError } from '../errors';
import { loadNativeModel, type NativeBinding, type NativeLoadBase, type NativeModel, type NativeModelFile } from '../native/addon';
import { type Device, dlaCoreOf, type TrtDevice } from '../devices/devices';

/**
 * Applies the DLA loadable budget to a DLA device's engines, given the loadables this process already holds on its
 * core (`resident`, default none): throws (`cannot <action> on <device>`) when nothing fits, else what to load.
 */
export function withinDlaBudget(
  device: Device,
  engines: readonly EnsuredEngine[],
  options: { action: string; mode?: DlaBudgetMode; resident?: number },
): DlaBudgetDecision {
  const decision = decideDlaBudget({
    core: dlaCoreOf(device), resident: options.resident, ...(options.mode ? { mode: options.mode } : {}),
    engines: engines.map((e) => ({ subnet: e.subnet, dlaLoadables: e.placement?.dlaLoadables })),
  });
  if (decision.keep.length === 0) throw new ModelLoadError('E_MODEL_LOAD', `cannot ${options.action} on ${device}: ${decision.message}`);
  return decision;
}

/** The engine files of the kept sub-networks (indices into `engines`): where each plan starts, its DLA loadables. */
export function engineModelFiles(engines: readonly EnsuredEngine[], kept: readonly number[]): NativeModelFile[] {
  return kept.map((subnet) => {
    const engine = engines[subnet]!;
    return { subnet, path: engine.enginePath, offset: engine.planOffset, dlaLoadables: engine.placement?.dlaLoadables ?? 0 };
  });
}

export interface DlaLoad {
  native: NativeModel;
  decision: DlaBudgetDecision;
}

/**
 * Loads what of `engines` fits on `device`'s core (`mode` as {@link decideDlaBudget}); throws the budget's typed
 * error (`cannot <action> on <device>: ...`) when nothing fits, or when another load took the loadables twice.
 */
export async function loadWithinDlaBudget(
  binding: NativeBinding,
  device: TrtDevice,
  engines: readonly EnsuredEngine[],
  options: { action: string; mode?: DlaBudgetMode; base: NativeLoadBase },
): Promise<DlaLoad> {
  const core = dlaCoreOf(device);
  for (let attempt = 1; ; attempt++) {
    const decision = withinDlaBudget(device, engines, { action: options.action, mode: options.mode, resident: binding.dlaResidency(core) });
    const loading = loadNativeModel(binding, { ...options.base, models: engineModelFiles(engines, decision.keep), dlaLoadableLimit: decision.limit });
    try {
      return { native: await loading, decision };
    } catch (error) {
      const resident = residentWhenLost(error);
      if (resident === undefined) throw error;
      if (attempt > 1) throw lostTwice(device, engines, options, resident);
    }
  }
}

/**
 * Loads a family's engines on a TensorRT device: all of them on the GPU; on a DLA core what fits its loadable
 * budget ({@link loadWithinDlaBudget}), with the budget's decision. `kept`: the sub-networks loaded (indices).
 */
export async function loadEnginesOnDevice(
  binding: NativeBinding,
  device: TrtDevice,
  engines: readonly EnsuredEngine[],
  options: { action: string; mode?: DlaBudgetMode; base: NativeLoadBase },
): Promise<{ native: NativeModel; kept: number[]; decision?: DlaBudgetDecision }> {
  if (device === 'gpu') {
    const all = engines.map((_, i) => i);
    return { native: await loadNativeModel(binding, { ...options.base, models: engineModelFiles(engines, all), dlaLoadableLimit: 0 }), kept: all };
  }
  const { native, decision } = await loadWithinDlaBudget(binding, device, engines, options);
  return { native, kept: decision.keep, decision };
}

/** What the core held when the addon refused the reservation, or undefined for any other load error. */
function residentWhenLost(error: unknown): number | undefined {
  const resident = (error as { dlaResident?: unknown } | null)?.dlaResident;
  return typeof resident === 'number' ? resident : undefined;
}

/**
 * The error for a load that lost its reservation to other loads twice: the budget's own error for what the core
 * held then, when nothing would have fitted (withinDlaBudget throws it); else that other loads kept taking the
 * loadables.
 */
function lostTwice(device: TrtDevice, engines: readonly EnsuredEngine[], options: { action: string; mode?: DlaBudgetMode }, resident: number): ModelLoadError {
  withinDlaBudget(device, engines, { action: options.action, mode: options.mode, resident });
  return new ModelLoadError('E_MODEL_LOAD', `cannot ${options.action} on ${device}: other loads on DLA core ${dlaCoreOf(device)} took its ` +
    `loadables twice while this one was decided (the core holds ${resident} now); try again`);
}
