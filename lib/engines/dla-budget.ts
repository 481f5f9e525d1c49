/**
 * The DLA loadable budget: "due to hardware and software memory limitations, only 16 DLA loadables can be loaded
 * concurrently per core" (TensorRT's "DLA Supported Layers and Restrictions"). Every GPU fallback island splits an
 * engine into more loadables, so a resident family of MobileNetV3 sub-networks (h-swish, hard-sigmoid and global
 * pooling stay on the GPU) can need more than one core holds. Decided here, before loading, from the loadables each
 * engine recorded at build time; what this process already holds on the core counts too (other processes' cannot
 * be seen).
 */
import { InvalidArgumentError } from '../errors';

export const DLA_LOADABLES_PER_CORE = 16;

/** 'refuse' (default): the whole family or nothing. 'trim': load the sub-networks that fit, drop the rest. */
export type DlaBudgetMode = 'refuse' | 'trim';

export interface DlaBudgetEngine {
  subnet: string;
  /** undefined: not recorded (an engine whose placement could not be inspected at build time). */
  dlaLoadables: number | undefined;
}

export interface DlaBudgetDecision {
  /** Load these (indices into the engines given, in their order). */
  keep: number[];
  dropped: string[];
  /** Loadables of the kept engines. */
  loadables: number;
  /** What the core then holds in this process, the family included. */
  total: number;
  limit: number;
  /** Engines whose count was not recorded (assumed to fit; said in `message`). */
  unknown: string[];
  /** Set when the family does not fit whole: what was refused or dropped, and what to do. */
  message?: string;
}

/** The DLA budget modes (`LoadOptions.dlaBudget`). */
export const DLA_BUDGET_MODES: readonly DlaBudgetMode[] = ['refuse', 'trim'];

/** Checks `LoadOptions.dlaBudget`: one of DLA_BUDGET_MODES, or omitted. */
export function checkDlaBudgetMode(mode: unknown): DlaBudgetMode | undefined {
  if (mode === undefined || DLA_BUDGET_MODES.includes(mode as DlaBudgetMode)) return mode as DlaBudgetMode | undefined;
  throw new InvalidArgumentError('E_INVALID_ARGUMENT', `dlaBudget must be one of ${DLA_BUDGET_MODES.join(', ')}; got ${JSON.stringify(mode)}`);
}

/**
 * Decides what of a family fits on DLA core `core`, given `resident` loadables this process already holds there.
 * Trimming keeps as many sub-networks as fit, taking those with the fewest loadables first (family order breaks
 * ties), so the family keeps the widest choice of levels.
 */
export function decideDlaBudget(options: {
  core: number;
  engines: readonly DlaBudgetEngine[];
  resident?: number;
  mode?: DlaBudgetMode;
  limit?: number;
}): DlaBudgetDecision {
  const limit = options.limit ?? DLA_LOADABLES_PER_CORE;
  const resident = options.resident ?? 0;
  const mode = options.mode ?? 'refuse';
  const count = (i: number): number => options.engines[i]!.dlaLoadables ?? 0;
  const all = options.engines.map((_, i) => i);
  const unknown = options.engines.filter((e) => e.dlaLoadables === undefined).map((e) => e.subnet);
  const needed = all.reduce((sum, i) => sum + count(i), 0);
  const decision: DlaBudgetDecision = { keep: all, dropped: [], loadables: needed, total: resident + needed, limit, unknown };
  const perSubnet = options.engines.map((e) => `${e.subnet} ${e.dlaLoadables ?? '?'}`).join(', ');
  const where = `DLA core ${options.core} holds at most ${limit} DLA loadables` + (resident > 0 ? ` and this process already has ${resident} there` : '');
  if (resident + needed <= limit) return decision;
  if (mode === 'refuse') {
    decision.keep = [];
    decision.dropped = options.engines.map((e) => e.subnet);
    decision.message =
      `the family needs ${needed} DLA loadables (${perSubnet}); ${where}. Each layer that falls back to the GPU splits an engine into ` +
      'more loadables. Load it with dlaBudget: \'trim\' to keep the sub-networks that fit, use fewer sub-networks, or use device gpu';
    return decision;
  }
  const byCost = [...all].sort((a, b) => count(a) - count(b) || a - b);
  const keep = new Set<number>();
  let used = resident;
  for (const i of byCost) {
    if (used + count(i) > limit) continue;
    keep.add(i);
    used += count(i);
  }
  decision.keep = all.filter((i) => keep.has(i));
  decision.dropped = all.filter((i) => !keep.has(i)).map((i) => options.engines[i]!.subnet);
  decision.loadables = used - resident;
  decision.total = used;
  decision.message = decision.keep.length === 0
    ? `no sub-network fits: ${where}; the family needs ${needed} (${perSubnet})`
    : `trimmed to fit: ${where}; dropped ${decision.dropped.join(', ')} (the family needs ${needed}: ${perSubnet})`;
  return decision;
}
