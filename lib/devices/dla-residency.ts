/**
 * DLA loadables this process holds on each DLA core: the families loaded there and not yet closed. The loadable
 * budget (engines/dla-budget.ts) counts them before another family is loaded onto the same core.
 */
import type { NativeFamily } from '../native/addon';

interface Resident {
  family: WeakRef<NativeFamily>;
  loadables: number;
}

const residents = new Map<number, Resident[]>();

/** Loadables held on DLA core `core` by families that are still open. */
export function residentDlaLoadables(core: number): number {
  const open = (residents.get(core) ?? []).filter((r) => {
    const family = r.family.deref();
    return family !== undefined && !family.closed;
  });
  residents.set(core, open);
  return open.reduce((sum, r) => sum + r.loadables, 0);
}

/** Records a family just loaded onto DLA core `core`; it stops counting once closed (or collected). */
export function recordDlaResidency(core: number, family: NativeFamily, loadables: number): void {
  residentDlaLoadables(core);
  residents.get(core)!.push({ family: new WeakRef(family), loadables });
}
