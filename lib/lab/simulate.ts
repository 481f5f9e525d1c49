/**
 * Pure simulation of a policy over a synthetic slowdown trace, and the summary statistics shared
 * with the real contention benchmark (which produces the same FrameRecord from measured frames).
 */
import { buildCandidates, candidateLabel, type DeviceFamily } from '../manager/candidates';
import { normalizeConstraints } from '../manager/constraints';
import { ManagerError } from '../errors';
import { oracleSchedule, replayPolicy, type OracleSchedule } from './oracle';
import { RunStats, type ManagerStats } from '../manager/stats';
import type { CandidateSet, Constraints, FrameRecord, NormalizedConstraints, Policy } from '../manager/types';

// ---------------------------------------------------------------------------------------------
// Traces

/** Contention on one device: the slowdown factor rises to `factor` at startFrame (linearly over
 * rampFrames), holds, and falls back to 1 by endFrame (over the last rampFrames). Overlapping
 * segments multiply. */
export interface ContentionSegment {
  readonly device?: number;
  readonly startFrame: number;
  readonly endFrame: number;
  readonly factor: number;
  readonly rampFrames?: number;
  /**
   * Time-shared contention, as a CPU scheduler gives it when there are more runnable threads than cores: the
   * slowdown flips between `factor` (sharing a core) and 1 (a core of its own) in spells of `minFrames` to
   * `maxFrames` frames, starting slow. `excursion` ([probability, extra factor]) makes some slow frames slower
   * still (measured here: 2.0x spells with frames at 2.5-2.9x).
   */
  readonly flip?: { readonly minFrames: number; readonly maxFrames: number; readonly excursion?: readonly [number, number] };
}

export interface SpikeSpec {
  /** Probability per frame and device. */
  readonly probability: number;
  /** Spike factor range [min, max]. Default [1.5, 3]. */
  readonly factor?: readonly [number, number];
}

export interface TraceSpec {
  readonly frames: number;
  readonly devices?: number;
  readonly segments?: readonly ContentionSegment[];
  /** Per-frame multiplicative lognormal noise (sigma of ln). Default 0.03. */
  readonly noiseSigma?: number;
  readonly spikes?: SpikeSpec;
  readonly seed?: number;
}

export type ChangeKind = 'start' | 'end' | 'constraints';

export interface ContentionChange {
  readonly frame: number;
  readonly kind: ChangeKind;
  readonly device: number;
}

export interface SlowdownTrace {
  readonly frames: number;
  readonly devices: number;
  /** base[d][t]: the contention slowdown of device d at frame t (no noise) */
  readonly base: readonly Float64Array[];
  /** noise[d][t]: per-frame multiplicative noise (spikes included) */
  readonly noise: readonly Float64Array[];
  /** frames where contention starts (rises) or ends (falls) */
  readonly changes: readonly ContentionChange[];
}

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export function makeTrace(spec: TraceSpec): SlowdownTrace {
  const frames = spec.frames;
  const D = spec.devices ?? 1;
  if (!Number.isInteger(frames) || frames <= 0) throw new ManagerError('E_OPTIONS_INVALID', `frames must be a positive integer, got ${frames}.`, 'frames');
  const r = rng(spec.seed ?? 1);
  const sigma = spec.noiseSigma ?? 0.03;
  const base = Array.from({ length: D }, () => new Float64Array(frames).fill(1));
  const noise = Array.from({ length: D }, () => new Float64Array(frames).fill(1));
  const changes: ContentionChange[] = [];
  for (const s of spec.segments ?? []) {
    const d = s.device ?? 0;
    const row = base[d];
    if (!row) throw new ManagerError('E_DEVICE_UNKNOWN', `segment device ${d} is not in the trace (${D} devices).`, 'device');
    const ramp = s.rampFrames ?? 0;
    const flip = s.flip;
    if (flip && !(Number.isInteger(flip.minFrames) && flip.minFrames >= 1 && Number.isInteger(flip.maxFrames) && flip.maxFrames >= flip.minFrames)) {
      throw new ManagerError('E_OPTIONS_INVALID', `flip spells must be integers with 1 <= minFrames <= maxFrames, got ${flip.minFrames}..${flip.maxFrames}.`, 'flip');
    }
    let slowSpell = true;
    let spellLeft = 0;
    for (let t = Math.max(0, s.startFrame); t < Math.min(frames, s.endFrame); t++) {
      let f = s.factor;
      if (flip) {
        if (spellLeft === 0) {
          if (t > s.startFrame) slowSpell = !slowSpell;
          spellLeft = flip.minFrames + Math.floor(r() * (flip.maxFrames - flip.minFrames + 1));
        }
        spellLeft--;
        if (!slowSpell) f = 1;
        else if (flip.excursion && r() < flip.excursion[0]) f *= flip.excursion[1];
      }
      if (ramp > 0) {
        const up = Math.min(1, (t - s.startFrame + 1) / ramp);
        const down = Math.min(1, (s.endFrame - t) / ramp);
        f = 1 + (s.factor - 1) * Math.min(up, down);
      }
      row[t] = row[t]! * f;
    }
    const rising = s.factor >= 1;
    changes.push({ frame: s.startFrame, kind: rising ? 'start' : 'end', device: d });
    if (s.endFrame < frames) changes.push({ frame: s.endFrame - ramp, kind: rising ? 'end' : 'start', device: d });
  }
  for (let d = 0; d < D; d++) {
    const row = noise[d]!;
    for (let t = 0; t < frames; t++) {
      let n = sigma > 0 ? Math.exp(sigma * gaussian(r)) : 1;
      if (spec.spikes && r() < spec.spikes.probability) {
        const [lo, hi] = spec.spikes.factor ?? [1.5, 3];
        n *= lo + (hi - lo) * r();
      }
      row[t] = n;
    }
  }
  changes.sort((a, b) => a.frame - b.frame);
  return { frames, devices: D, base, noise, changes };
}

// ---------------------------------------------------------------------------------------------
// Records and summaries

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

// ---------------------------------------------------------------------------------------------
// Running a policy offline

export interface ConstraintChange {
  readonly frame: number;
  readonly constraints: Constraints;
}

/** Constraints in force per frame, validated once. */
export function constraintSchedule(
  set: CandidateSet,
  initial: Constraints,
  changes: readonly ConstraintChange[] = [],
): (frame: number) => NormalizedConstraints {
  const steps = [{ frame: -Infinity, c: normalizeConstraints(initial, set) }].concat(
    [...changes].sort((a, b) => a.frame - b.frame).map((ch) => ({ frame: ch.frame, c: normalizeConstraints(ch.constraints, set) })),
  );
  return (frame: number) => {
    let c = steps[0]!.c;
    for (const s of steps) if (s.frame <= frame) c = s.c;
    return c;
  };
}

/**
 * Runs a policy frame by frame against a latency function (true latency of candidate k at
 * frame t) and returns the records. Synchronous and pure.
 */
export function runPolicy<S>(
  set: CandidateSet,
  policy: Policy<S>,
  frames: number,
  latencyOf: (candidate: number, frame: number) => number,
  constraintsAt: (frame: number) => NormalizedConstraints,
): FrameRecord[] {
  let c = constraintsAt(0);
  const state = policy.init(set, c);
  const records: FrameRecord[] = [];
  let last: { candidate: number; latencyMs: number } | null = null;
  for (let t = 0; t < frames; t++) {
    const ct = constraintsAt(t);
    if (ct !== c) {
      c = ct;
      policy.setConstraints(state, c);
    }
    const dec = policy.decide(state, last);
    const k = dec.candidate;
    const cand = set.candidates[k];
    if (!cand) throw new ManagerError('E_OPTIONS_INVALID', `policy '${policy.name}' chose candidate ${k}, not in the set.`, 'policy');
    const lat = latencyOf(k, t);
    records.push({
      frame: t,
      candidate: k,
      device: cand.device,
      subnet: cand.subnet,
      id: cand.id,
      accuracy: cand.accuracy,
      latencyMs: lat,
      predictedMs: dec.predictedMs,
      targetMs: c.targetMs,
      met: lat <= c.targetMs,
      reason: dec.reason,
      conflict: dec.conflict,
      slowdown: lat / cand.profiledMs,
    });
    last = { candidate: k, latencyMs: lat };
  }
  return records;
}

export interface SimulationInput {
  /** Device families (device d of the trace = families[d]) or a prepared candidate set. */
  readonly families?: readonly DeviceFamily[];
  readonly set?: CandidateSet;
  readonly trace: SlowdownTrace;
  readonly constraints: Constraints;
  readonly constraintChanges?: readonly ConstraintChange[];
  /** True latency / profiled latency per candidate (a profile that is off). Default all 1. */
  readonly profileError?: ArrayLike<number>;
  readonly reactionFrames?: number;
}

export interface SimulationResult {
  readonly records: FrameRecord[];
  readonly summary: Summary;
}

function prepare(input: SimulationInput): {
  set: CandidateSet;
  latencyOf: (k: number, t: number) => number;
  constraintsAt: (t: number) => NormalizedConstraints;
  changes: { frame: number; kind: ChangeKind }[];
} {
  const set = input.set ?? buildCandidates(input.families ?? []);
  const tr = input.trace;
  if (tr.devices < set.devices.length) {
    throw new ManagerError('E_DEVICE_UNKNOWN', `the trace has ${tr.devices} device(s), the family ${set.devices.length}.`, 'trace');
  }
  const err = input.profileError;
  const latencyOf = (k: number, t: number): number => {
    const d = set.deviceOf[k]!;
    return set.profiledMs[k]! * (err ? err[k]! : 1) * tr.base[d]![t]! * tr.noise[d]![t]!;
  };
  const constraintsAt = constraintSchedule(set, input.constraints, input.constraintChanges);
  const changes = [
    ...tr.changes.map((c) => ({ frame: c.frame, kind: c.kind })),
    ...(input.constraintChanges ?? []).map((c) => ({ frame: c.frame, kind: 'constraints' as const })),
  ].sort((a, b) => a.frame - b.frame);
  return { set, latencyOf, constraintsAt, changes };
}

/** The clairvoyant oracle of a simulation input: per frame, the best candidate given that frame's true latencies. */
export function simulationOracle(input: SimulationInput, margin = 0): OracleSchedule {
  const p = prepare(input);
  return oracleSchedule(p.set, p.constraintsAt, input.trace.frames, p.latencyOf, { margin });
}

/** Runs one policy over the trace. `reference` (per-frame accuracy) feeds accuracy recovery. */
export function simulate<S>(input: SimulationInput, policy: Policy<S>, reference?: ArrayLike<number>): SimulationResult {
  const p = prepare(input);
  const records = runPolicy(p.set, policy, input.trace.frames, p.latencyOf, p.constraintsAt);
  const summary = summarize(p.set, records, {
    policy: policy.name,
    changes: p.changes,
    reactionFrames: input.reactionFrames ?? 3,
    ...(reference ? { referenceAccuracy: reference } : {}),
  });
  return { records, summary };
}

/**
 * Runs several policies and the offline oracle on the same trace; every summary's accuracy
 * recovery is measured against the oracle. Keys: policy names, plus 'oracle'.
 */
export function compare(input: SimulationInput, policies: readonly Policy<unknown>[]): Map<string, SimulationResult> {
  const p = prepare(input);
  const schedule = oracleSchedule(p.set, p.constraintsAt, input.trace.frames, p.latencyOf);
  const refAcc = Float64Array.from(schedule.candidates, (k) => p.set.accuracy[k]!);
  const out = new Map<string, SimulationResult>();
  for (const pol of [...policies, replayPolicy(schedule) as Policy<unknown>]) {
    out.set(pol.name, simulate({ ...input, set: p.set }, pol, refAcc));
  }
  return out;
}

/** Frames per candidate label, for quick inspection. */
export function framesPerLevel(set: CandidateSet, records: readonly FrameRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const label = candidateLabel(set.candidates[r.candidate]!);
    out[label] = (out[label] ?? 0) + 1;
  }
  return out;
}
