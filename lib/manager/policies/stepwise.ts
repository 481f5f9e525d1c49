import { ManagerError } from '../../errors';
import { describeValue, isOptionsObject } from '../../util/describe-value';
import type { CandidateSet, ConflictKind, Decision, NormalizedConstraints, Policy } from '../types';

/**
 * The reference demo's policy (DynamicOFA runtime_demo: run.sh + imagenet_eval_helper.validate),
 * re-implemented on resident sub-networks. Per segment (frames since the last switch, i from 0):
 * - for i > skipFrames, a sample below the outlier cut-off is recorded; if
 *   sum(last `window` records) / window > target, go down one level (the divisor is always
 *   `window`, so early means are underestimated, as in the reference);
 * - for upFromFrame < i <= upUntilFrame the sample is counted; once more than `window` are counted
 *   and the current level's accuracy is below trunc(accuracyFloor) (the reference's int()), go up
 *   one level. The latency check comes first. There is no step-up for latency slack.
 * Levels are the candidates of one device ordered by accuracy. At either end the reference loop
 * stops; here the level stays and the decision reports the conflict.
 */
export interface StepwiseOptions {
  /** Moving-mean length. Default 20. */
  readonly window?: number;
  /** Samples with i <= skipFrames are not recorded (warm-up). Default 20. */
  readonly skipFrames?: number;
  /** Samples with i > upFromFrame count toward the up rule. Default 50. */
  readonly upFromFrame?: number;
  /** ...and i <= upUntilFrame. Default 1000. */
  readonly upUntilFrame?: number;
  /** Samples at or above this are outliers, as a multiple of the target (reference: 90 ms at 60 ms). Default 1.5. */
  readonly outlierFactor?: number;
  /** Device to run on (default: the first allowed). */
  readonly device?: number;
  /** Initial level index (0 = least accurate); default: the most accurate predicted to meet the target from the profile. */
  readonly initialLevel?: number;
}

export interface StepwiseState {
  readonly set: CandidateSet;
  constraints: NormalizedConstraints;
  /** candidate indices of the device, least accurate first */
  levels: Int32Array;
  level: number;
  /** frames since the last switch (the reference's i) */
  segmentFrame: number;
  /** ring of the last `window` recorded latencies, ms */
  readonly recorded: Float64Array;
  recordedCount: number;
  /** samples counted toward the up rule */
  upCount: number;
  started: boolean;
  conflict: ConflictKind | null;
}

function levelsOf(set: CandidateSet, constraints: NormalizedConstraints, device: number | undefined): Int32Array {
  let d = device ?? constraints.allowed.findIndex((a) => a);
  if (device === undefined && d < 0) d = 0;
  const ks: number[] = [];
  for (const cand of set.candidates) if (cand.deviceIndex === d) ks.push(cand.index);
  ks.sort((a, b) => set.accuracy[a]! - set.accuracy[b]! || set.profiledMs[a]! - set.profiledMs[b]!);
  return Int32Array.from(ks);
}

function profileLevel(set: CandidateSet, constraints: NormalizedConstraints, levels: Int32Array): number {
  for (let l = levels.length - 1; l >= 0; l--) if (set.profiledMs[levels[l]!]! <= constraints.targetMs) return l;
  return 0;
}

export function stepwisePolicy(options: StepwiseOptions = {}): Policy<StepwiseState> {
  if (!isOptionsObject(options)) throw new ManagerError('E_OPTIONS_INVALID', `stepwise options must be an object or omitted; got ${describeValue(options)}.`, 'stepwise');
  const window = options.window ?? 20;
  const skipFrames = options.skipFrames ?? 20;
  const upFromFrame = options.upFromFrame ?? 50;
  const upUntilFrame = options.upUntilFrame ?? 1000;
  const outlierFactor = options.outlierFactor ?? 1.5;
  for (const [name, v] of [['window', window], ['skipFrames', skipFrames], ['upFromFrame', upFromFrame], ['upUntilFrame', upUntilFrame]] as const) {
    if (!Number.isInteger(v) || v < 0 || (name === 'window' && v < 1)) {
      throw new ManagerError('E_OPTIONS_INVALID', `stepwise option ${name} must be a non-negative integer, got ${String(v)}.`, name);
    }
  }
  if (!(outlierFactor > 1)) {
    throw new ManagerError('E_OPTIONS_INVALID', `stepwise outlierFactor must be > 1, got ${String(outlierFactor)}.`, 'outlierFactor');
  }

  function reset(s: StepwiseState): void {
    s.segmentFrame = 0;
    s.recordedCount = 0;
    s.upCount = 0;
  }
  function conflictAt(s: StepwiseState): ConflictKind | null {
    const k = s.levels[s.level]!;
    const floor = Math.trunc(s.constraints.accuracyFloor);
    const top = s.set.accuracy[s.levels[s.levels.length - 1]!]!;
    if (floor > top) return 'accuracy-floor-unreachable';
    return s.conflict ?? (s.set.accuracy[k]! < floor ? 'floor-and-target-incompatible' : null);
  }
  function out(s: StepwiseState, reason: Decision['reason']): Decision {
    const k = s.levels[s.level]!;
    return { candidate: k, predictedMs: s.set.profiledMs[k]!, reason, conflict: conflictAt(s) };
  }
  return {
    name: 'stepwise',
    init(set, constraints) {
      const levels = levelsOf(set, constraints, options.device);
      if (levels.length === 0) throw new ManagerError('E_DEVICE_UNKNOWN', `stepwise: device ${String(options.device)} has no sub-network.`, 'device');
      const init = options.initialLevel ?? profileLevel(set, constraints, levels);
      if (!Number.isInteger(init) || init < 0 || init >= levels.length) {
        throw new ManagerError('E_OPTIONS_INVALID', `stepwise initialLevel must be in [0, ${levels.length - 1}], got ${String(init)}.`, 'initialLevel');
      }
      return { set, constraints, levels, level: init, segmentFrame: 0, recorded: new Float64Array(window), recordedCount: 0, upCount: 0, started: false, conflict: null };
    },
    setConstraints(s, constraints) {
      s.constraints = constraints;
      s.conflict = null;
    },
    decide(s, last) {
      if (!s.started) {
        s.started = true;
        return out(s, 'initial');
      }
      if (last === null || last.candidate !== s.levels[s.level]) return out(s, 'hold');
      const i = s.segmentFrame++;
      const targetMs = s.constraints.targetMs;
      const latencyMs = last.latencyMs;
      if (i > skipFrames) {
        if (latencyMs < outlierFactor * targetMs) {
          s.recorded[s.recordedCount % window] = latencyMs;
          s.recordedCount++;
        }
        if (s.recordedCount > 0) {
          let sum = 0;
          const n = Math.min(s.recordedCount, window);
          for (let j = 0; j < n; j++) sum += s.recorded[j]!;
          if (sum / window > targetMs) {
            if (s.level > 0) {
              s.level--;
              s.conflict = null;
              reset(s);
              return out(s, 'step-down');
            }
            s.conflict = 'latency-target-unreachable';
            reset(s);
            return out(s, 'hold');
          }
        }
      }
      if (i > upFromFrame && i <= upUntilFrame) {
        s.upCount++;
        const k = s.levels[s.level]!;
        if (s.upCount > window && s.set.accuracy[k]! < Math.trunc(s.constraints.accuracyFloor)) {
          reset(s);
          if (s.level < s.levels.length - 1) {
            s.level++;
            s.conflict = null;
            return out(s, 'step-up');
          }
          return out(s, 'hold');
        }
      }
      return out(s, 'hold');
    },
  };
}
