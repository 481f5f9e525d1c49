/**
 * Pure simulation of a policy over a synthetic slowdown trace: the policy decides frame by frame, the trace says
 * what each frame's latency was, and the records are summarized like a measured run.
 */
import { buildCandidates, candidateLabel, type ModelSubnets } from '../manager/candidates';
import { normalizeConstraints } from '../manager/constraints';
import { ManagerError } from '../errors';
import type { CandidateSet, Constraints, ContentionSample, FrameRecord, NormalizedConstraints, Observation, Policy } from '../manager/types';
import { oracleSchedule, type OracleSchedule, replayPolicy } from './oracle';
import { summarize, type Summary } from './summary';
import type { ChangeKind, SlowdownTrace } from './traces';
import { checkSpec } from './spec-check';

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
  signalsAt?: (frame: number) => readonly (ContentionSample | null)[],
): FrameRecord[] {
  let c = constraintsAt(0);
  const state = policy.init(set, c);
  const records: FrameRecord[] = [];
  let last: Observation | null = null;
  for (let t = 0; t < frames; t++) {
    const ct = constraintsAt(t);
    if (ct !== c) {
      c = ct;
      policy.setConstraints(state, c);
    }
    const signals = signalsAt ? signalsAt(t) : undefined;
    if (last && signals) last = { ...last, signals };
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
      ...(signals ? { signals: signals[cand.deviceIndex] ?? null } : {}),
    });
    last = { candidate: k, latencyMs: lat };
  }
  return records;
}

export interface SimulationInput {
  /** The models, one per device (device d of the trace = models[d]), or a prepared candidate set. */
  readonly models?: readonly ModelSubnets[];
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
  signalsAt: ((t: number) => readonly (ContentionSample | null)[]) | undefined;
  changes: { frame: number; kind: ChangeKind }[];
} {
  checkSpec('simulation input', input);
  checkSpec('trace', input.trace);
  const set = input.set ?? buildCandidates(input.models ?? []);
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
  const sig = tr.signals;
  const signalsAt = sig
    ? (t: number) => sig.map((d): ContentionSample => (d.waiting ? { load: d.load[t]!, pressure: d.pressure[t]!, waiting: d.waiting[t]! } : { load: d.load[t]!, pressure: d.pressure[t]! }))
    : undefined;
  return { set, latencyOf, constraintsAt, changes, signalsAt };
}

/** The clairvoyant oracle of a simulation input: per frame, the best candidate given that frame's true latencies. */
export function simulationOracle(input: SimulationInput, margin = 0): OracleSchedule {
  const p = prepare(input);
  return oracleSchedule(p.set, p.constraintsAt, input.trace.frames, p.latencyOf, { margin });
}

/** Runs one policy over the trace. `reference` (per-frame accuracy) feeds accuracy recovery. */
export function simulate<S>(input: SimulationInput, policy: Policy<S>, reference?: ArrayLike<number>): SimulationResult {
  const p = prepare(input);
  const records = runPolicy(p.set, policy, input.trace.frames, p.latencyOf, p.constraintsAt, p.signalsAt);
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
