/**
 * Runner pieces for the contention benchmark and the demo, on real (or fake) models: run a
 * policy under a contention schedule, record every frame, compute the offline oracle from the
 * recorded slowdown, summarise. Nothing here knows about processes or the addon: the caller's
 * `schedule` callback starts and stops the contention.
 */
import type { ChangeKind, SlowdownTrace } from './traces';
import { type ConstraintChange, constraintSchedule } from './simulate';
import { summarize, type Summary } from './summary';
import { oracleSchedule, type OracleSchedule } from './oracle';
import { type ManagedOutcome, RuntimeManager, type RuntimeManagerOptions } from '../manager/runtime-manager';
import type { CandidateSet, Constraints, ContentionSample, FrameRecord, ManagedInferResult, ManagedModel, NormalizedConstraints } from '../manager/types';
import { checkSpec } from './spec-check';

export interface ScenarioRun<I, R extends ManagedInferResult> {
  readonly models: ManagedModel<I, R> | readonly ManagedModel<I, R>[];
  readonly constraints: Constraints;
  readonly options?: RuntimeManagerOptions;
  readonly frames: number;
  /** The input of frame t. */
  readonly input: (frame: number) => I | Promise<I>;
  /**
   * Called before frame t; start or stop contention here. Return 'start' / 'end' when contention
   * changes at this frame (it marks the reaction window and the recovery measurement), or a
   * Constraints object to change the constraints from this frame on.
   */
  readonly schedule?: (frame: number) => void | ChangeKind | Constraints | Promise<void | ChangeKind | Constraints>;
  /** Called after every frame (progress display, accuracy against labels...). */
  readonly onFrame?: (record: FrameRecord, outcome: ManagedOutcome<R>) => void | Promise<void>;
  /** Default 3. */
  readonly reactionFrames?: number;
}

export interface ScenarioResult {
  readonly policy: string;
  readonly set: CandidateSet;
  readonly records: FrameRecord[];
  readonly changes: { frame: number; kind: ChangeKind }[];
  readonly constraintChanges: ConstraintChange[];
  readonly summary: Summary;
  /** Whole run wall time, ms (inference plus everything around it). */
  readonly wallMs: number;
}

/** Runs one policy through the schedule on real models. */
export async function runScenario<I, R extends ManagedInferResult>(run: ScenarioRun<I, R>): Promise<ScenarioResult> {
  checkSpec('scenario run', run);
  const manager = new RuntimeManager<I, R>(run.models, run.constraints, run.options);
  const records: FrameRecord[] = [];
  const changes: { frame: number; kind: ChangeKind }[] = [];
  const constraintChanges: ConstraintChange[] = [];
  let rec: FrameRecord | null = null;
  manager.on('frame', (r) => {
    rec = r;
  });
  const t0 = performance.now();
  for (let t = 0; t < run.frames; t++) {
    const ch = run.schedule ? await run.schedule(t) : undefined;
    if (ch === 'start' || ch === 'end' || ch === 'constraints') {
      changes.push({ frame: t, kind: ch });
    } else if (ch && typeof ch === 'object') {
      manager.setConstraints(ch);
      changes.push({ frame: t, kind: 'constraints' });
      constraintChanges.push({ frame: t, constraints: ch });
    }
    const input = await run.input(t);
    rec = null;
    const outcome = await manager.infer(input);
    const r = rec as FrameRecord | null;
    if (!r) throw new Error('internal: no frame record');
    records.push(r);
    if (run.onFrame) await run.onFrame(r, outcome);
  }
  const wallMs = performance.now() - t0;
  const summary = summarize(manager.candidates, records, {
    policy: manager.policy.name,
    changes,
    reactionFrames: run.reactionFrames ?? 3,
  });
  return { policy: manager.policy.name, set: manager.candidates, records, changes, constraintChanges, summary, wallMs };
}

/**
 * Per-frame slowdown per device recovered from records (measured / profiled of what ran); a
 * device not run at a frame carries its last value (1 before any).
 */
export function recordedSlowdown(set: CandidateSet, records: readonly FrameRecord[]): Float64Array[] {
  const out = set.devices.map(() => new Float64Array(records.length));
  const last = set.devices.map(() => 1);
  records.forEach((r, t) => {
    const d = set.deviceOf[r.candidate]!;
    if (Number.isFinite(r.slowdown) && r.slowdown > 0) last[d] = r.slowdown;
    for (let j = 0; j < out.length; j++) out[j]![t] = last[j]!;
  });
  return out;
}

/**
 * A recorded run as a trace to replay policies on (`simulate`, `compare`): its per-frame slowdowns
 * (`recordedSlowdown`) and the contention signals sampled before each frame (NaN where none were: a
 * skipped sample, or another device's frame). Two policies replayed on one run's trace meet the same
 * contention, which two live runs, each with its own noise, never do; a deterministic policy replayed on
 * its own run decides as it did live.
 */
export function traceFromRecords(set: CandidateSet, records: readonly FrameRecord[]): SlowdownTrace {
  const n = records.length;
  const signal = (d: number, pick: (s: ContentionSample) => number | undefined): Float64Array =>
    Float64Array.from(records, (r) => (r.signals && set.deviceOf[r.candidate] === d ? (pick(r.signals) ?? NaN) : NaN));
  return {
    frames: n,
    devices: set.devices.length,
    base: recordedSlowdown(set, records),
    noise: set.devices.map(() => new Float64Array(n).fill(1)),
    changes: [],
    signals: set.devices.map((_, d) => ({ load: signal(d, (s) => s.load), pressure: signal(d, (s) => s.pressure), waiting: signal(d, (s) => s.waiting) })),
  };
}

/**
 * The offline oracle of a recorded run: per frame, the best candidate given that frame's recorded
 * slowdown (all candidates of a device assumed slowed alike). Pool several runs' records of the
 * same schedule by passing the one whose slowdown you trust, or a per-frame median of them.
 */
export function oracleFromRecords(
  set: CandidateSet,
  records: readonly FrameRecord[],
  initial: Constraints,
  constraintChanges: readonly ConstraintChange[] = [],
  margin = 0,
): { schedule: OracleSchedule; records: FrameRecord[] } {
  const slow = recordedSlowdown(set, records);
  const constraintsAt: (t: number) => NormalizedConstraints = constraintSchedule(set, initial, constraintChanges);
  const latencyOf = (k: number, t: number): number => set.profiledMs[k]! * slow[set.deviceOf[k]!]![t]!;
  const schedule = oracleSchedule(set, constraintsAt, records.length, latencyOf, { margin });
  const out: FrameRecord[] = records.map((r, t) => {
    const k = schedule.candidates[t]!;
    const c = set.candidates[k]!;
    const lat = schedule.latencyMs[t]!;
    const target = constraintsAt(t).targetMs;
    return {
      frame: t,
      candidate: k,
      device: c.device,
      subnet: c.subnet,
      id: c.id,
      accuracy: c.accuracy,
      latencyMs: lat,
      predictedMs: lat,
      targetMs: target,
      met: lat <= target,
      reason: t === 0 ? 'initial' : 'schedule',
      conflict: schedule.conflicts[t] ?? null,
      slowdown: r.slowdown,
    };
  });
  return { schedule, records: out };
}
