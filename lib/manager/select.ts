import type { CandidateSet, ConflictKind, NormalizedConstraints } from './types';

/** Mutable result of selectBest; one per policy state, reused every frame. */
export interface Selection {
  candidate: number;
  predictedMs: number;
  conflict: ConflictKind | null;
}

export function newSelection(): Selection {
  return { candidate: -1, predictedMs: NaN, conflict: null };
}

/** Predicted latency of candidate k on device d: profile x learned correction x the device's slowdown. */
function predictLatency(prof: ArrayLike<number>, corr: ArrayLike<number> | undefined | null, est: ArrayLike<number>, k: number, d: number): number {
  return prof[k]! * (corr ? corr[k]! : 1) * est[d]!;
}

/**
 * The best candidate for the constraints given per-device slowdown estimates `est` (predicted
 * latency = profiled * est[device]) and per-device latency thresholds `thr` (ms, the target less
 * the safety margin). Ties in the objective prefer `preferDevice`, then the lower prediction.
 * Allocation-free: writes `out`.
 *
 * Objective 'accuracy': the most accurate candidate predicted under its threshold; none -> the
 * fastest predicted, conflict 'latency-target-unreachable'; below the floor -> conflict.
 * Objective 'latency': the fastest predicted at or above the floor; none -> the most accurate,
 * conflict 'accuracy-floor-unreachable'; over its threshold -> conflict.
 */
export function selectBest(
  set: CandidateSet,
  c: NormalizedConstraints,
  est: Float64Array,
  thr: Float64Array,
  preferDevice: number,
  out: Selection,
  corr: Float64Array | null = null,
): void {
  const order = set.byAccuracyDesc;
  const acc = set.accuracy;
  const prof = set.profiledMs;
  const dev = set.deviceOf;
  const allowed = c.allowed;
  const n = order.length;
  let best = -1;
  let bestPred = Infinity;
  let bestAcc = -Infinity;
  let maxAllowedAcc = -Infinity;
  let anyFits = false;
  let conflict: ConflictKind | null = null;

  if (c.objective === 'accuracy') {
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const d = dev[k]!;
      if (!allowed[d]) continue;
      const a = acc[k]!;
      if (maxAllowedAcc === -Infinity) maxAllowedAcc = a;
      if (best >= 0 && a < bestAcc) break;
      const p = predictLatency(prof, corr, est, k, d);
      if (p <= thr[d]!) {
        if (best < 0 || betterTie(d, p, dev[best]!, bestPred, preferDevice)) {
          best = k;
          bestPred = p;
          bestAcc = a;
        }
      }
    }
    if (best < 0) {
      // Nothing fits: the fastest predicted.
      for (let i = 0; i < n; i++) {
        const k = order[i]!;
        const d = dev[k]!;
        if (!allowed[d]) continue;
        const p = predictLatency(prof, corr, est, k, d);
        if (best < 0 || p < bestPred || (p === bestPred && d === preferDevice && dev[best]! !== preferDevice)) {
          best = k;
          bestPred = p;
        }
      }
      conflict = 'latency-target-unreachable';
    } else if (bestAcc < c.accuracyFloor) {
      conflict = c.accuracyFloor > maxAllowedAcc ? 'accuracy-floor-unreachable' : 'floor-and-target-incompatible';
    }
  } else {
    const floor = c.accuracyFloor;
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const d = dev[k]!;
      if (!allowed[d]) continue;
      const a = acc[k]!;
      if (maxAllowedAcc === -Infinity) maxAllowedAcc = a;
      const p = predictLatency(prof, corr, est, k, d);
      if (!anyFits && p <= thr[d]!) anyFits = true;
      if (a < floor) continue;
      // order is accuracy-descending, so on equal prediction the earlier (more accurate) stays
      if (best < 0 || p < bestPred || (p === bestPred && a === bestAcc && d === preferDevice && dev[best]! !== preferDevice)) {
        best = k;
        bestPred = p;
        bestAcc = a;
      }
    }
    if (best < 0) {
      conflict = 'accuracy-floor-unreachable';
      for (let i = 0; i < n; i++) {
        const k = order[i]!;
        const d = dev[k]!;
        if (!allowed[d]) continue;
        const a = acc[k]!;
        if (best >= 0 && a < bestAcc) break;
        const p = predictLatency(prof, corr, est, k, d);
        if (best < 0 || betterTie(d, p, dev[best]!, bestPred, preferDevice)) {
          best = k;
          bestPred = p;
          bestAcc = a;
        }
      }
    }
    if (conflict === null && bestPred > thr[dev[best]!]!) {
      conflict = anyFits ? 'floor-and-target-incompatible' : 'latency-target-unreachable';
    }
  }
  out.candidate = best;
  out.predictedMs = bestPred;
  out.conflict = conflict;
}

/** Equal accuracy on two devices: the device in use keeps it unless the other is predicted
 * LATERAL_GAIN times faster or better. */
export const LATERAL_GAIN = 0.8;

function betterTie(d: number, p: number, bestDev: number, bestPred: number, prefer: number): boolean {
  if (d === prefer && bestDev !== prefer) return !(bestPred <= p * LATERAL_GAIN);
  if (bestDev === prefer && d !== prefer) return p <= bestPred * LATERAL_GAIN;
  return p < bestPred;
}

/** Whether candidate k is predicted to fit: allowed device, under its threshold, and (objective
 * 'latency') at or above the floor. */
export function fits(
  set: CandidateSet,
  c: NormalizedConstraints,
  est: Float64Array,
  thr: Float64Array,
  k: number,
  corr: Float64Array | null = null,
): boolean {
  const d = set.deviceOf[k]!;
  if (!c.allowed[d]) return false;
  if (c.objective === 'latency' && set.accuracy[k]! < c.accuracyFloor) return false;
  return set.profiledMs[k]! * (corr ? corr[k]! : 1) * est[d]! <= thr[d]!;
}
