/**
 * Summary statistics of a run, simulated or measured (the contention benchmark produces the same records from
 * real frames): deadlines met inside and outside the reaction window after each change, and how fast deadlines
 * and accuracy recover.
 */
import { type ManagerStats, RunStats } from '../manager/stats';
import type { CandidateSet, FrameRecord } from '../manager/types';
import type { ChangeKind } from './traces';

export interface Recovery {
  readonly frame: number;
  readonly kind: ChangeKind;
  /** Frames until 5 consecutive frames meet the deadline (null: not within the segment). */
  readonly deadlineRecoveryFrames: number | null;
  /** Frames until the accuracy run reaches the reference's (oracle's) typical accuracy for the
   * segment less `accuracyTolerance` (null: never within the segment, or no reference). */
  readonly accuracyRecoveryFrames: number | null;
}

export interface Summary extends ManagerStats {
  readonly policy: string;
  /** Deadline-met rate outside the reaction window (reactionFrames after each change). */
  readonly deadlineMetRateOutsideReaction: number;
  readonly framesOutsideReaction: number;
  readonly reactionFrames: number;
  readonly recoveries: readonly Recovery[];
  /** Mean recovery over changes of each kind (nulls excluded; NaN when none). */
  readonly meanDeadlineRecoveryAfterStart: number;
  readonly meanAccuracyRecoveryAfterEnd: number;
}

export interface SummaryOptions {
  readonly policy?: string;
  readonly changes?: readonly { readonly frame: number; readonly kind: ChangeKind }[];
  /** Default 3. */
  readonly reactionFrames?: number;
  /** Per-frame accuracy of a reference (the oracle) for accuracy recovery. */
  readonly referenceAccuracy?: ArrayLike<number>;
  /** Default 1.0 point. */
  readonly accuracyTolerance?: number;
  /** Consecutive met frames that count as recovered. Default 5. */
  readonly recoveredAfter?: number;
}

/** Summary statistics of a run (simulated or measured) over the same schedule of changes. */
export function summarize(set: CandidateSet, records: readonly FrameRecord[], o: SummaryOptions = {}): Summary {
  const reaction = o.reactionFrames ?? 3;
  const K = o.recoveredAfter ?? 5;
  const tol = o.accuracyTolerance ?? 1.0;
  const changes = [...(o.changes ?? [])].sort((a, b) => a.frame - b.frame);
  const stats = new RunStats(set);
  const inReaction = new Uint8Array(records.length);
  for (const ch of changes) {
    for (let t = Math.max(0, ch.frame); t < Math.min(records.length, ch.frame + reaction); t++) inReaction[t] = 1;
  }
  let outN = 0;
  let outMet = 0;
  records.forEach((r, t) => {
    stats.add(r.candidate, r.latencyMs, r.targetMs, r.reason === 'probe', r.conflict !== null);
    if (!inReaction[t]) {
      outN++;
      if (r.met) outMet++;
    }
  });
  const recoveries: Recovery[] = changes.map((ch, i) => {
    const end = Math.min(records.length, changes[i + 1]?.frame ?? records.length);
    let deadline: number | null = null;
    let run = 0;
    for (let t = Math.max(0, ch.frame); t < end; t++) {
      run = records[t]!.met ? run + 1 : 0;
      if (run >= K) {
        deadline = t - K + 1 - ch.frame;
        break;
      }
    }
    let accuracy: number | null = null;
    const ref = o.referenceAccuracy;
    if (ref && end > ch.frame) {
      // the reference's typical (median) accuracy over the second half of the segment
      const half: number[] = [];
      for (let t = Math.floor((ch.frame + end) / 2); t < end; t++) half.push(ref[t]!);
      half.sort((a, b) => a - b);
      const typical = half[half.length >> 1];
      if (typical !== undefined) {
        for (let t = Math.max(0, ch.frame); t < end; t++) {
          if (records[t]!.accuracy >= typical - tol) {
            accuracy = t - ch.frame;
            break;
          }
        }
      }
    }
    return { frame: ch.frame, kind: ch.kind, deadlineRecoveryFrames: deadline, accuracyRecoveryFrames: accuracy };
  });
  const mean = (xs: (number | null)[]): number => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  };
  return {
    ...stats.snapshot(),
    policy: o.policy ?? '',
    deadlineMetRateOutsideReaction: outN ? outMet / outN : NaN,
    framesOutsideReaction: outN,
    reactionFrames: reaction,
    recoveries,
    meanDeadlineRecoveryAfterStart: mean(recoveries.filter((r) => r.kind === 'start').map((r) => r.deadlineRecoveryFrames)),
    meanAccuracyRecoveryAfterEnd: mean(recoveries.filter((r) => r.kind === 'end').map((r) => r.accuracyRecoveryFrames)),
  };
}
