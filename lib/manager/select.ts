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

/** Profiled latency of candidate k times its learned correction (`correction` null: none), ms. */
export function correctedProfileMs(set: CandidateSet, correction: Float64Array | null, k: number): number {
  return correction ? set.profiledMs[k]! * correction[k]! : set.profiledMs[k]!;
}

/**
 * Predicted latency of candidate k, ms: profiled latency x its learned correction (`correction` null: none) x
 * the estimated slowdown of its device (1 = as profiled). The one place a policy's prediction is computed.
 */
export function predictedLatencyMs(set: CandidateSet, slowdown: Float64Array, correction: Float64Array | null, k: number): number {
  return correctedProfileMs(set, correction, k) * slowdown[set.deviceOf[k]!]!;
}

/**
 * The best candidate for the constraints, predicting latencies with predictedLatencyMs(set, slowdown,
 * correction, k); a candidate fits when its prediction is at most its device's `thresholdMs` (the target less
 * the safety margin). Ties in the objective prefer `preferDevice`, then the lower prediction.
 * Allocation-free: writes `out`.
 *
 * Objective 'accuracy': the most accurate candidate that fits; none -> the fastest predicted, conflict
 * 'latency-target-unreachable'; below the floor -> conflict.
 * Objective 'latency': the fastest predicted at or above the floor; none -> the most accurate,
 * conflict 'accuracy-floor-unreachable'; over its threshold -> conflict.
 */
export function selectBest(
  set: CandidateSet,
  constraints: NormalizedConstraints,
  slowdown: Float64Array,
  correction: Float64Array | null,
  thresholdMs: Float64Array,
  preferDevice: number,
  out: Selection,
): void {
  const order = set.byAccuracyDesc;
  const accuracy = set.accuracy;
  const deviceOf = set.deviceOf;
  const allowed = constraints.allowed;
  const n = order.length;
  let best = -1;
  let bestPredicted = Infinity;
  let bestAccuracy = -Infinity;
  let maxAllowedAccuracy = -Infinity;
  let anyFits = false;
  let conflict: ConflictKind | null = null;

  if (constraints.objective === 'accuracy') {
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const d = deviceOf[k]!;
      if (!allowed[d]) continue;
      const a = accuracy[k]!;
      if (maxAllowedAccuracy === -Infinity) maxAllowedAccuracy = a;
      if (best >= 0 && a < bestAccuracy) break;
      const p = predictedLatencyMs(set, slowdown, correction, k);
      if (p <= thresholdMs[d]!) {
        if (best < 0 || betterTie(d, p, deviceOf[best]!, bestPredicted, preferDevice)) {
          best = k;
          bestPredicted = p;
          bestAccuracy = a;
        }
      }
    }
    if (best < 0) {
      // Nothing fits: the fastest predicted.
      for (let i = 0; i < n; i++) {
        const k = order[i]!;
        const d = deviceOf[k]!;
        if (!allowed[d]) continue;
        const p = predictedLatencyMs(set, slowdown, correction, k);
        if (best < 0 || p < bestPredicted || (p === bestPredicted && d === preferDevice && deviceOf[best]! !== preferDevice)) {
          best = k;
          bestPredicted = p;
        }
      }
      conflict = 'latency-target-unreachable';
    } else if (bestAccuracy < constraints.accuracyFloor) {
      conflict = constraints.accuracyFloor > maxAllowedAccuracy ? 'accuracy-floor-unreachable' : 'floor-and-target-incompatible';
    }
  } else {
    const floor = constraints.accuracyFloor;
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const d = deviceOf[k]!;
      if (!allowed[d]) continue;
      const a = accuracy[k]!;
      if (maxAllowedAccuracy === -Infinity) maxAllowedAccuracy = a;
      const p = predictedLatencyMs(set, slowdown, correction, k);
      if (!anyFits && p <= thresholdMs[d]!) anyFits = true;
      if (a < floor) continue;
      // order is accuracy-descending, so on equal prediction the earlier (more accurate) stays
      if (best < 0 || p < bestPredicted || (p === bestPredicted && a === bestAccuracy && d === preferDevice && deviceOf[best]! !== preferDevice)) {
        best = k;
        bestPredicted = p;
        bestAccuracy = a;
      }
    }
    if (best < 0) {
      conflict = 'accuracy-floor-unreachable';
      for (let i = 0; i < n; i++) {
        const k = order[i]!;
        const d = deviceOf[k]!;
        if (!allowed[d]) continue;
        const a = accuracy[k]!;
        if (best >= 0 && a < bestAccuracy) break;
        const p = predictedLatencyMs(set, slowdown, correction, k);
        if (best < 0 || betterTie(d, p, deviceOf[best]!, bestPredicted, preferDevice)) {
          best = k;
          bestPredicted = p;
          bestAccuracy = a;
        }
      }
    }
    if (conflict === null && bestPredicted > thresholdMs[deviceOf[best]!]!) {
      conflict = anyFits ? 'floor-and-target-incompatible' : 'latency-target-unreachable';
    }
  }
  out.candidate = best;
  out.predictedMs = bestPredicted;
  out.conflict = conflict;
}

/** Equal accuracy on two devices: the device in use keeps it unless the other is predicted
 * LATERAL_GAIN times faster or better. */
export const LATERAL_GAIN = 0.8;

function betterTie(d: number, predicted: number, bestDevice: number, bestPredicted: number, preferDevice: number): boolean {
  if (d === preferDevice && bestDevice !== preferDevice) return !(bestPredicted <= predicted * LATERAL_GAIN);
  if (bestDevice === preferDevice && d !== preferDevice) return predicted <= bestPredicted * LATERAL_GAIN;
  return predicted < bestPredicted;
}

/** Whether candidate k is predicted to fit: allowed device, prediction at most its device's threshold, and
 * (objective 'latency') at or above the floor. */
export function fits(
  set: CandidateSet,
  constraints: NormalizedConstraints,
  slowdown: Float64Array,
  correction: Float64Array | null,
  thresholdMs: Float64Array,
  k: number,
): boolean {
  const d = set.deviceOf[k]!;
  if (!constraints.allowed[d]) return false;
  if (constraints.objective === 'latency' && set.accuracy[k]! < constraints.accuracyFloor) return false;
  return predictedLatencyMs(set, slowdown, correction, k) <= thresholdMs[d]!;
}
