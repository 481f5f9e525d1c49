import { newSelection, selectBest } from '../manager/select';
import type { CandidateSet, ConflictKind, Decision, NormalizedConstraints, Policy } from '../manager/types';

/** True (or recorded) latency of candidate k at frame t, ms. */
export type LatencyOf = (candidate: number, frame: number) => number;

export interface OracleOptions {
  /** Safety margin of the oracle: fits when latency <= target * (1 - margin). Default 0 (clairvoyant). */
  readonly margin?: number;
}

export interface OracleSchedule {
  /** candidate per frame */
  readonly candidates: Int32Array;
  /** latency the oracle expected per frame (from latencyOf), ms */
  readonly latencyMs: Float64Array;
  readonly conflicts: readonly (ConflictKind | null)[];
}

/**
 * Offline oracle: for every frame, knowing that frame's latency of every candidate, the best
 * candidate for the constraints in force (objective 'accuracy': the most accurate meeting the
 * target, else the fastest; 'latency': the fastest at or above the floor, else the most accurate).
 * `constraintsAt(frame)` gives the constraints in force at each frame.
 */
export function oracleSchedule(
  set: CandidateSet,
  constraintsAt: (frame: number) => NormalizedConstraints,
  frames: number,
  latencyOf: LatencyOf,
  options: OracleOptions = {},
): OracleSchedule {
  const margin = options.margin ?? 0;
  const candidates = new Int32Array(frames);
  const latencyMs = new Float64Array(frames);
  const conflicts: (ConflictKind | null)[] = new Array<ConflictKind | null>(frames).fill(null);
  // The manager's own selection over the frame's true latencies: each one as a correction of its profile, every
  // device at slowdown 1, so the oracle's rules (objective, floor, conflicts, ties) are the policies' rules.
  const lat = new Float64Array(set.candidates.length);
  const trueOverProfile = new Float64Array(set.candidates.length);
  const slowdown = new Float64Array(set.devices.length).fill(1);
  const thresholdMs = new Float64Array(set.devices.length);
  const selection = newSelection();
  for (let t = 0; t < frames; t++) {
    const c = constraintsAt(t);
    thresholdMs.fill(c.targetMs * (1 - margin));
    for (let k = 0; k < lat.length; k++) {
      lat[k] = latencyOf(k, t);
      trueOverProfile[k] = lat[k]! / set.profiledMs[k]!;
    }
    selectBest(set, c, slowdown, trueOverProfile, thresholdMs, -1, selection);
    const best = selection.candidate;
    candidates[t] = best;
    latencyMs[t] = lat[best]!;
    conflicts[t] = selection.conflict;
  }
  return { candidates, latencyMs, conflicts };
}

export interface ReplayState {
  readonly set: CandidateSet;
  frame: number;
}

/** A policy that replays a per-frame schedule (the oracle's), so it runs through the same loop. */
export function replayPolicy(schedule: OracleSchedule, name = 'oracle'): Policy<ReplayState> {
  return {
    name,
    init: (set: CandidateSet) => ({ set, frame: 0 }),
    setConstraints() {
      /* the schedule already knows */
    },
    decide(s): Decision {
      const t = Math.min(s.frame, schedule.candidates.length - 1);
      const reason = s.frame === 0 ? 'initial' : 'schedule';
      s.frame++;
      const k = schedule.candidates[t]!;
      return { candidate: k, predictedMs: schedule.latencyMs[t]!, reason, conflict: schedule.conflicts[t] ?? null };
    },
  };
}
