/**
 * Types of the runtime manager. The model types are structural and minimal: any object with a
 * device name, a sub-network table and an `infer(input, { subnet })` returning the native latency
 * can be driven (the library's DynamicModel satisfies them; tests use fakes).
 */

/** One sub-network of a family as the manager sees it. */
export interface ManagedSubnet {
  /** Index passed back to `infer(input, { subnet })`. */
  readonly index: number;
  readonly id: string;
  /** Top-1 accuracy, %. */
  readonly accuracy: number;
  /** Profiled latency on this model's device, ms (measured here, or the manifest's reference). */
  readonly latencyMs: number;
}

export interface ManagedInferResult {
  readonly subnet: number;
  /** Native latency of this inference, ms. */
  readonly latencyMs: number;
}

/**
 * A device's contention signals over the time since its previous sample (lib/sensing takes them; docs/api-guide.md,
 * "Sensing contention"). Policies compare them with their own recent baseline, never as absolute values.
 */
export interface ContentionSample {
  /**
   * Others' use of the device, as a share of its capacity (0..1): on the CPU, other processes' CPU time over all
   * cores' time; on a GPU or DLA, the driver's load figure. NaN: no signal.
   */
  readonly load: number;
  /** Share of the time in which runnable tasks waited for a CPU (Linux PSI `some`), 0..1. NaN: no signal. */
  readonly pressure: number;
  /**
   * Tasks that would wait for a core if this model's inference started now (CPU: other runnable tasks plus its
   * threads, beyond the cores), a count at the moment of the sample, not an average. Absent or NaN: no signal.
   */
  readonly waiting?: number;
}

/** What the runtime manager drives: a model (a `DynamicModel`, or anything shaped like one). */
export interface ManagedModel<I, R extends ManagedInferResult = ManagedInferResult> {
  readonly device: string;
  readonly subnets: readonly ManagedSubnet[];
  infer(input: I, options?: { subnet?: number }): Promise<R>;
  /** Runs a sub-network once with its result thrown away (DynamicModel.warm); RuntimeManager.warmUpcoming calls it. */
  warm?(subnet: number): Promise<{ readonly warmed: boolean }>;
  /**
   * The device's contention signals since the last call (null: nothing new, e.g. skipped to bound the sampling
   * cost). The manager calls it before each decision unless `sensing: false`; the I/O is the model's, not the
   * manager's.
   */
  contention?(): ContentionSample | null;
}

export type Objective = 'accuracy' | 'latency';

/** What the application asks for. Give at most one of `latencyTargetMs` and `fps`. */
export interface Constraints {
  /** Latency target per inference, ms (> 0, finite). */
  readonly latencyTargetMs?: number;
  /** Frame-rate target; equivalent to latencyTargetMs = 1000 / fps. */
  readonly fps?: number;
  /** Minimum top-1 accuracy, % (0..100). Default 0. */
  readonly accuracyFloor?: number;
  /**
   * 'accuracy' (default): the most accurate sub-network predicted to meet the latency target.
   * 'latency': the fastest sub-network at or above the accuracy floor.
   */
  readonly objective?: Objective;
  /** Restrict the choice to these devices (names as the models report them). Default: all. */
  readonly devices?: readonly string[];
}

/** Validated constraints, as the policies read them. */
export interface NormalizedConstraints {
  /** ms; Infinity when no latency target was given. */
  readonly targetMs: number;
  readonly accuracyFloor: number;
  readonly objective: Objective;
  /** allowed[d] for every device index of the candidate set. */
  readonly allowed: readonly boolean[];
}

/** One (device, sub-network) pair the manager can run. */
export interface Candidate {
  /** Position in CandidateSet.candidates. */
  readonly index: number;
  readonly deviceIndex: number;
  readonly device: string;
  /** Sub-network index on that device's model. */
  readonly subnet: number;
  readonly id: string;
  readonly accuracy: number;
  readonly profiledMs: number;
}

/**
 * Every candidate with precomputed orderings and flat typed arrays, so that the hot path of a
 * decision reads numbers only and allocates nothing.
 */
export interface CandidateSet {
  readonly devices: readonly string[];
  readonly candidates: readonly Candidate[];
  /** accuracy[i], profiledMs[i], deviceOf[i] for candidate i. */
  readonly accuracy: Float64Array;
  readonly profiledMs: Float64Array;
  readonly deviceOf: Int32Array;
  /** Candidate indices, most accurate first (ties: faster first). */
  readonly byAccuracyDesc: Int32Array;
  /** Per device: candidate indices, fastest (profiled) first. */
  readonly byDeviceFastest: readonly Int32Array[];
  /** Highest accuracy of the whole set. */
  readonly maxAccuracy: number;
}

/** The measured outcome of the frame the last decision chose. */
export interface Observation {
  readonly candidate: number;
  /** Measured native latency, ms. */
  readonly latencyMs: number;
  /**
   * Contention signals per device index, sampled after that frame, just before this decision (so they cover the
   * frame and the gap after it); absent or null: no signal.
   */
  readonly signals?: readonly (ContentionSample | null)[];
}

export type DecisionReason =
  /** first decision, from the profile alone */
  | 'initial'
  /** nothing to change */
  | 'hold'
  /** a more accurate candidate is predicted to fit, waiting for sustained slack */
  | 'hold-hysteresis'
  /** the current candidate no longer fits (violation or predicted violation): jump down */
  | 'step-down'
  /** sustained slack: jump up */
  | 'step-up'
  /** the constraints changed: jump straight to the best candidate for them */
  | 'constraints-changed'
  /** one frame on an unused device to notice that it was freed */
  | 'probe'
  /** a non-adaptive policy's schedule (static, oracle replay) */
  | 'schedule';

/**
 * Constraints that cannot all be met now. The decision still names what runs:
 * - 'accuracy-floor-unreachable': no allowed sub-network reaches the floor (runs the best effort
 *   for the objective).
 * - 'latency-target-unreachable': no allowed sub-network is predicted to meet the target (runs the
 *   fastest).
 * - 'floor-and-target-incompatible': the floor and the target can each be met, not together
 *   (objective 'accuracy' keeps the target, 'latency' keeps the floor).
 */
export type ConflictKind =
  | 'accuracy-floor-unreachable'
  | 'latency-target-unreachable'
  | 'floor-and-target-incompatible';

/** What a policy returns for the next frame. */
export interface Decision {
  readonly candidate: number;
  /** Predicted latency of that candidate under the current estimate, ms. */
  readonly predictedMs: number;
  readonly reason: DecisionReason;
  readonly conflict: ConflictKind | null;
  /**
   * The candidate the policy will move up to at the next frame if that frame leaves the same slack (the last frame
   * of an up-move's hold), so a paced application can warm it in its idle time. Absent otherwise.
   */
  readonly upcoming?: number;
}

/**
 * A decision policy. Deterministic, no timers, no I/O: `decide(state, last)` reads the previous
 * frame's observation and returns the next decision; the only thing it changes is the state it
 * created in `init` (mutated in place so the per-frame path allocates nothing but the decision).
 */
export interface Policy<S = unknown> {
  readonly name: string;
  init(set: CandidateSet, constraints: NormalizedConstraints): S;
  setConstraints(state: S, constraints: NormalizedConstraints): void;
  decide(state: S, last: Observation | null): Decision;
}

/** One frame as run: what the manager emits as its `frame` event, and what simulations and benchmarks record. */
export interface FrameRecord {
  readonly frame: number;
  readonly candidate: number;
  readonly device: string;
  readonly subnet: number;
  readonly id: string;
  readonly accuracy: number;
  readonly latencyMs: number;
  readonly predictedMs: number;
  readonly targetMs: number;
  readonly met: boolean;
  readonly reason: DecisionReason;
  readonly conflict: ConflictKind | null;
  /** measured / profiled latency of what ran */
  readonly slowdown: number;
  /** The contention signals of its device sampled just before this frame's decision (absent: none). */
  readonly signals?: ContentionSample | null;
}
