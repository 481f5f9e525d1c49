import { candidateLabel } from './candidates';
import type { CandidateSet } from './types';

export interface LevelStats {
  /** `${device}:${id}` */
  readonly label: string;
  readonly candidate: number;
  readonly device: string;
  readonly subnet: number;
  readonly accuracy: number;
  readonly frames: number;
  /** Sum of measured latencies on it, ms. */
  readonly timeMs: number;
}

export interface ManagerStats {
  readonly frames: number;
  /** Frames whose measured latency met the target in force (all, when there is no target). */
  readonly deadlineMet: number;
  readonly deadlineMetRate: number;
  readonly violations: number;
  /** Mean top-1 accuracy of the sub-networks that ran, %. */
  readonly meanAccuracy: number;
  /**
   * Accuracy with a late frame counted as wrong (mean of the accuracy of frames that met the target, 0 for
   * the others), %: what a real-time consumer that drops late results gets.
   */
  readonly onTimeAccuracy: number;
  readonly meanLatencyMs: number;
  /** Changes of the candidate run from one frame to the next (probes count as two). */
  readonly switches: number;
  readonly probes: number;
  /** Frames whose decision reported a constraint conflict. */
  readonly conflictFrames: number;
  /** Per candidate that ran at least once, in candidate order. */
  readonly levels: readonly LevelStats[];
}

/** Running totals; O(1) per frame, no allocation per frame. */
export class RunStats {
  private readonly frames: Float64Array;
  private readonly timeMs: Float64Array;
  private n = 0;
  private met = 0;
  private accSum = 0;
  private onTimeAccSum = 0;
  private latSum = 0;
  private switches = 0;
  private probes = 0;
  private conflictFrames = 0;
  private last = -1;

  constructor(private readonly set: CandidateSet) {
    this.frames = new Float64Array(set.candidates.length);
    this.timeMs = new Float64Array(set.candidates.length);
  }

  add(candidate: number, latencyMs: number, targetMs: number, probe: boolean, conflict: boolean): boolean {
    const ok = latencyMs <= targetMs;
    this.n++;
    const accuracy = this.set.accuracy[candidate]!;
    if (ok) {
      this.met++;
      this.onTimeAccSum += accuracy;
    }
    this.accSum += accuracy;
    this.latSum += latencyMs;
    this.frames[candidate]! += 1;
    this.timeMs[candidate]! += latencyMs;
    if (this.last >= 0 && this.last !== candidate) this.switches++;
    this.last = candidate;
    if (probe) this.probes++;
    if (conflict) this.conflictFrames++;
    return ok;
  }

  reset(): void {
    this.frames.fill(0);
    this.timeMs.fill(0);
    this.n = this.met = this.accSum = this.onTimeAccSum = this.latSum = this.switches = this.probes = this.conflictFrames = 0;
    this.last = -1;
  }

  snapshot(): ManagerStats {
    const levels: LevelStats[] = [];
    for (const c of this.set.candidates) {
      const f = this.frames[c.index]!;
      if (f === 0) continue;
      levels.push({
        label: candidateLabel(c),
        candidate: c.index,
        device: c.device,
        subnet: c.subnet,
        accuracy: c.accuracy,
        frames: f,
        timeMs: this.timeMs[c.index]!,
      });
    }
    const n = this.n;
    return {
      frames: n,
      deadlineMet: this.met,
      deadlineMetRate: n ? this.met / n : NaN,
      violations: n - this.met,
      meanAccuracy: n ? this.accSum / n : NaN,
      onTimeAccuracy: n ? this.onTimeAccSum / n : NaN,
      meanLatencyMs: n ? this.latSum / n : NaN,
      switches: this.switches,
      probes: this.probes,
      conflictFrames: this.conflictFrames,
      levels,
    };
  }
}
