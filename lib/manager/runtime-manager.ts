import { EventEmitter } from 'node:events';
import { buildCandidates } from './candidates';
import { normalizeConstraints } from './constraints';
import { ManagerError } from '../errors';
import { describeValue, isOptionsObject } from '../util/describe-value';
import { predictivePolicy } from './policies/predictive';
import type { PredictiveOptions } from './policies/predictive-options';
import { staticPolicy } from './policies/static';
import { type StepwiseOptions, stepwisePolicy } from './policies/stepwise';
import { type ManagerStats, RunStats } from './stats';
import type { Candidate, CandidateSet, ConflictKind, ContentionSample, Constraints, DecisionReason, FrameRecord, ManagedInferResult, ManagedModel, NormalizedConstraints, Observation, Policy } from './types';

export type PolicyName = 'predictive' | 'stepwise' | 'static-most-accurate' | 'static-fastest';

export interface RuntimeManagerOptions extends PredictiveOptions {
  /** Default 'predictive'. A Policy object plugs in a custom policy. */
  readonly policy?: PolicyName | Policy<unknown>;
  /** Options of the 'stepwise' policy. */
  readonly stepwise?: StepwiseOptions;
  /** Measure the time of every decision (two clock reads per frame); reported by stats().decisionMeanUs. */
  readonly timeDecisions?: boolean;
}

/** A candidate as events and decisions name it. */
export interface CandidateRef {
  readonly candidate: number;
  readonly device: string;
  readonly subnet: number;
  readonly id: string;
  readonly accuracy: number;
}

export interface ManagerDecision extends CandidateRef {
  /** Frame number since the manager was created. */
  readonly frame: number;
  readonly predictedMs: number;
  /** Native latency measured for this frame. */
  readonly measuredMs: number;
  readonly targetMs: number;
  readonly met: boolean;
  readonly reason: DecisionReason;
  readonly conflict: ConflictKind | null;
  /** The candidate the policy moves up to at the next frame if the slack lasts: warm it with warmUpcoming(). */
  readonly upcoming: CandidateRef | null;
}

/** What warmUpcoming() did. */
export interface WarmedCandidate extends CandidateRef {
  /** False when the model skipped the warm-up (an inference was requested before it started). */
  readonly warmed: boolean;
}

export interface ManagedOutcome<R> {
  readonly result: R;
  readonly decision: ManagerDecision;
}

export interface SwitchEvent {
  readonly frame: number;
  readonly from: CandidateRef | null;
  readonly to: CandidateRef;
  readonly reason: DecisionReason;
}

export interface ViolationEvent {
  readonly frame: number;
  readonly measuredMs: number;
  readonly targetMs: number;
  readonly decision: ManagerDecision;
}

export interface ConflictEvent {
  readonly frame: number;
  /** null: the constraints can all be met again */
  readonly conflict: ConflictKind | null;
  readonly decision: ManagerDecision;
}

export interface RuntimeManagerEvents {
  switch: SwitchEvent;
  violation: ViolationEvent;
  conflict: ConflictEvent;
  /** Every frame, as a record (only built when someone listens). */
  frame: FrameRecord;
}

export interface RuntimeManagerStats extends ManagerStats {
  readonly policy: string;
  /** Mean cost of a decision, microseconds (NaN unless options.timeDecisions). */
  readonly decisionMeanUs: number;
}

export function resolvePolicy(options: RuntimeManagerOptions = {}): Policy<unknown> {
  const p = options.policy ?? 'predictive';
  if (typeof p === 'object' && p !== null && typeof p.decide === 'function' && typeof p.init === 'function') return p;
  switch (p) {
    case 'predictive':
      return predictivePolicy(options) as Policy<unknown>;
    case 'stepwise':
      return stepwisePolicy(options.stepwise) as Policy<unknown>;
    case 'static-most-accurate':
      return staticPolicy('most-accurate') as Policy<unknown>;
    case 'static-fastest':
      return staticPolicy('fastest') as Policy<unknown>;
    default:
      throw new ManagerError(
        'E_OPTIONS_INVALID',
        `Unknown policy '${String(p)}'; use 'predictive', 'stepwise', 'static-most-accurate', 'static-fastest' or a Policy object.`,
        'policy',
      );
  }
}

function ref(c: Candidate): CandidateRef {
  return { candidate: c.index, device: c.device, subnet: c.subnet, id: c.id, accuracy: c.accuracy };
}

/**
 * Chooses, for every inference, the sub-network (and device) that meets the constraints under the
 * resources available now, runs it, and feeds the measured native latency back to the policy.
 * Inferences are serialised: each decision sees the previous frame's latency.
 */
export class RuntimeManager<I, R extends ManagedInferResult = ManagedInferResult> extends EventEmitter {
  readonly models: readonly ManagedModel<I, R>[];
  readonly candidates: CandidateSet;
  readonly policy: Policy<unknown>;
  private readonly state: unknown;
  /** the constraints in force, validated and as given */
  private normalized: NormalizedConstraints;
  private given: Constraints;
  private pending: Observation | null = null;
  private last: Candidate | null = null;
  private upcoming: Candidate | null = null;
  private lastConflict: ConflictKind | null = null;
  private frameNo = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly runStats: RunStats;
  private readonly timeDecisions: boolean;
  private decisionNs = 0;
  private decisions = 0;
  /** whether signals are sampled before each decision: `sensing` not false and a model has contention() */
  readonly sensing: boolean;

  constructor(model: ManagedModel<I, R> | readonly ManagedModel<I, R>[], constraints: Constraints, options: RuntimeManagerOptions = {}) {
    super();
    if (!isOptionsObject(options)) throw new ManagerError('E_OPTIONS_INVALID', `RuntimeManager options must be an object or omitted; got ${describeValue(options)}.`, 'options');
    const models: readonly ManagedModel<I, R>[] = Array.isArray(model) ? model : [model as ManagedModel<I, R>];
    for (const [i, m] of models.entries()) {
      if (!m || typeof m.infer !== 'function') {
        throw new ManagerError('E_OPTIONS_INVALID', `models[${i}] is not a model (no infer()).`, `models[${i}]`);
      }
    }
    this.models = models;
    this.candidates = buildCandidates(models);
    this.normalized = normalizeConstraints(constraints, this.candidates);
    this.given = { ...constraints };
    this.policy = resolvePolicy(options);
    this.state = this.policy.init(this.candidates, this.normalized);
    this.runStats = new RunStats(this.candidates);
    this.timeDecisions = options.timeDecisions ?? false;
    this.sensing = options.sensing !== false && models.some((m) => typeof m.contention === 'function');
  }

  /** The constraints in force, as given. */
  get constraints(): Constraints {
    return this.given;
  }

  /** The constraints in force, validated. */
  get normalizedConstraints(): NormalizedConstraints {
    return this.normalized;
  }

  /** The candidate of the last frame, or null before the first. */
  get current(): CandidateRef | null {
    return this.last ? ref(this.last) : null;
  }

  /**
   * Replaces the constraints from the next inference on. Invalid constraints throw a
   * ManagerError (E_CONSTRAINTS_INVALID, E_DEVICE_UNKNOWN) and leave the old ones in force.
   */
  setConstraints(constraints: Constraints): void {
    const normalized = normalizeConstraints(constraints, this.candidates);
    this.normalized = normalized;
    this.given = { ...constraints };
    this.policy.setConstraints(this.state, normalized);
  }

  /** Runs one inference on the candidate the policy chooses. */
  infer(input: I): Promise<ManagedOutcome<R>> {
    const run = this.tail.then(() => this.step(input));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async step(input: I): Promise<ManagedOutcome<R>> {
    const frame = this.frameNo++;
    let last: Observation | null = this.pending;
    this.pending = null;
    // The contention signals since the last frame, sampled in the gap before this one (the models do the I/O).
    let signals: (ContentionSample | null)[] | null = null;
    if (this.sensing) {
      signals = this.models.map((m) => (m.contention ? m.contention() : null));
      if (last) last = { ...last, signals };
    }
    let t0 = 0n;
    if (this.timeDecisions) t0 = process.hrtime.bigint();
    const dec = this.policy.decide(this.state, last);
    if (this.timeDecisions) {
      this.decisionNs += Number(process.hrtime.bigint() - t0);
      this.decisions++;
    }
    const cand = this.candidates.candidates[dec.candidate];
    if (!cand) {
      throw new ManagerError('E_OPTIONS_INVALID', `Policy '${this.policy.name}' chose candidate ${dec.candidate}, which does not exist.`, 'policy');
    }
    const target = this.normalized.targetMs;
    this.upcoming = dec.upcoming === undefined ? null : (this.candidates.candidates[dec.upcoming] ?? null);
    if (this.last !== cand) {
      const ev: SwitchEvent = { frame, from: this.last ? ref(this.last) : null, to: ref(cand), reason: dec.reason };
      this.last = cand;
      this.emit('switch', ev);
    }
    const model = this.models[cand.deviceIndex]!;
    const result = await model.infer(input, { subnet: cand.subnet });
    const measured = result.latencyMs;
    if (Number.isFinite(measured) && measured >= 0) this.pending = { candidate: cand.index, latencyMs: measured };
    const met = measured <= target;
    this.runStats.add(cand.index, measured, target, dec.reason === 'probe', dec.conflict !== null);
    const decision: ManagerDecision = {
      frame,
      candidate: cand.index,
      device: cand.device,
      subnet: cand.subnet,
      id: cand.id,
      accuracy: cand.accuracy,
      predictedMs: dec.predictedMs,
      measuredMs: measured,
      targetMs: target,
      met,
      reason: dec.reason,
      conflict: dec.conflict,
      upcoming: this.upcoming ? ref(this.upcoming) : null,
    };
    if (dec.conflict !== this.lastConflict) {
      this.lastConflict = dec.conflict;
      this.emit('conflict', { frame, conflict: dec.conflict, decision } satisfies ConflictEvent);
    }
    if (!met) this.emit('violation', { frame, measuredMs: measured, targetMs: target, decision } satisfies ViolationEvent);
    if (this.listenerCount('frame') > 0) {
      const { measuredMs, upcoming, ...same } = decision;
      const rec: FrameRecord = { ...same, latencyMs: measuredMs, slowdown: measuredMs / cand.profiledMs, ...(signals ? { signals: signals[cand.deviceIndex] ?? null } : {}) };
      this.emit('frame', rec);
    }
    return { result, decision };
  }

  /**
   * Warms the candidate the last decision named `upcoming` through its model's warm(), so the frame that moves
   * up to it runs at steady speed: call it in a paced loop's idle time, after the frame. The decision itself stays
   * the policy's (warming changes nothing it reads). Resolves null when nothing is upcoming or the model has no
   * warm().
   */
  async warmUpcoming(): Promise<WarmedCandidate | null> {
    const cand = this.upcoming;
    const model = cand ? this.models[cand.deviceIndex] : undefined;
    if (!cand || typeof model?.warm !== 'function') return null;
    const { warmed } = await model.warm(cand.subnet);
    return { ...ref(cand), warmed };
  }

  /** Totals since creation (or the last resetStats()). */
  stats(): RuntimeManagerStats {
    return {
      ...this.runStats.snapshot(),
      policy: this.policy.name,
      decisionMeanUs: this.decisions ? this.decisionNs / this.decisions / 1000 : NaN,
    };
  }

  resetStats(): void {
    this.runStats.reset();
    this.decisionNs = 0;
    this.decisions = 0;
  }
}

export interface RuntimeManager<I, R extends ManagedInferResult> {
  on<E extends keyof RuntimeManagerEvents>(event: E, listener: (e: RuntimeManagerEvents[E]) => void): this;
  once<E extends keyof RuntimeManagerEvents>(event: E, listener: (e: RuntimeManagerEvents[E]) => void): this;
  off<E extends keyof RuntimeManagerEvents>(event: E, listener: (e: RuntimeManagerEvents[E]) => void): this;
  emit<E extends keyof RuntimeManagerEvents>(event: E, payload: RuntimeManagerEvents[E]): boolean;
}
