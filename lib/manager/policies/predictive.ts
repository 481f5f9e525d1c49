/**
 * The default policy of the runtime manager: predicts every (device, sub-network) latency under each device's
 * estimated slowdown and decides from the predictions (the estimator is in predictive-estimator.ts, the
 * options in predictive-options.ts).
 */
import { fits, LATERAL_GAIN, predictedLatencyMs, selectBest } from '../select';
import type { CandidateSet, ConflictKind, Decision, DecisionReason, NormalizedConstraints, Observation, Policy } from '../types';
import { initialState, observe, type PredictiveState } from './predictive-estimator';
import { type PredictiveOptions, resolvePredictiveOptions } from './predictive-options';
import { plannedSlowdown, readSignals, upHoldFrames } from './predictive-sensing';

/** Predicted latency of candidate k under the state's estimates, ms. */
function predicted(s: PredictiveState, k: number): number {
  return predictedLatencyMs(s.set, s.plan, s.correction, k);
}

function updateThresholds(s: PredictiveState): void {
  const targetMs = s.constraints.targetMs;
  for (let d = 0; d < s.deviceCount; d++) {
    s.plan[d] = plannedSlowdown(s.sensing, s.options, d, s.slowdown[d]!);
    const margin = s.effectiveMargin[d]!;
    s.thresholdMs[d] = targetMs * (1 - margin);
    s.upThresholdMs[d] = targetMs * (1 - margin - s.options.upExtraMargin);
  }
}

function decision(s: PredictiveState, k: number, reason: DecisionReason, conflict: ConflictKind | null): Decision {
  return { candidate: k, predictedMs: predicted(s, k), reason, conflict };
}

/** Whether moving from `current` to k is an improvement worth an up-move for the objective. */
function improves(s: PredictiveState, k: number, current: number): boolean {
  const set = s.set;
  const predictedK = predicted(s, k);
  const predictedCurrent = predicted(s, current);
  if (s.constraints.objective === 'accuracy') {
    const accuracyK = set.accuracy[k]!;
    const accuracyCurrent = set.accuracy[current]!;
    return accuracyK > accuracyCurrent || (accuracyK === accuracyCurrent && predictedK <= predictedCurrent * LATERAL_GAIN);
  }
  return predictedK < predictedCurrent * (1 - s.options.upExtraMargin);
}

function switchTo(s: PredictiveState, k: number): void {
  const set = s.set;
  const previous = s.current;
  s.current = k;
  s.slackFrames = 0;
  if (previous !== k) s.observationsSinceSwitch = 0;
  if (previous >= 0) {
    const left = set.deviceOf[previous]!;
    const entered = set.deviceOf[k]!;
    if (left !== entered) {
      // leaving a device: probe it again later; the new device is in use, its back-off resets
      s.nextProbeFrame[left] = s.frame + s.probeInterval[left]!;
      s.probeInterval[entered] = s.options.probeEveryFrames;
    }
  }
}

/**
 * The default policy.
 * - Estimate: each device's slowdown = observed / profiled latency of what ran; the estimate is
 *   the median of the last `estimateSamples` samples since the last level shift. A shift is
 *   declared when `changeSamples` consecutive samples deviate the same way by more than
 *   `changeSigmas` sigmas (then only those samples are kept, so a step in contention is followed
 *   within 2 frames while a lone spike changes nothing). `changeSamples` consecutive violations of the
 *   target force the estimate up to what they imply.
 * - Volatile devices: after a shift up, for `volatileFrames` frames (renewed while the slow mode keeps coming
 *   back, ended early by a fast spell twice as long as any seen), the estimate is at least the second largest
 *   recent sample: contention that flips between a fast and a slow mode faster than the estimate can follow
 *   is planned for at the slow mode.
 * - Margin: target * (1 - m) with m = max(margin, 1 - exp(-quantileZ * sigma)), sigma being a winsorised
 *   running estimate of the one-frame prediction error (so the margin covers the observed noise
 *   at the 99th percentile by default).
 * - Choice: predict every (device, subnet) latency under its device's estimate; jump straight to
 *   the best candidate for the objective that fits; step down at once when the current one no
 *   longer fits; step up only after `upHoldFrames` consecutive frames of slack with an extra
 *   `upExtraMargin` (the hold doubles after an up-move that had to be undone; the hold's last frame names the
 *   candidate as `upcoming`, to be warmed); when nothing fits
 *   run the fastest and report the conflict.
 * - Devices: an unused allowed device is probed (one frame of its fastest sub-network) every
 *   `probeEveryFrames` frames, the interval doubling while it stays unused, so a freed device is
 *   noticed.
 */
export function predictivePolicy(options: PredictiveOptions = {}): Policy {
  const resolved = resolvePredictiveOptions(options);
  return {
    name: 'predictive',
    init: (set: CandidateSet, constraints: NormalizedConstraints): PredictiveState => initialState(set, constraints, resolved),
    setConstraints(s: PredictiveState, constraints: NormalizedConstraints): void {
      s.constraints = constraints;
      s.constraintsChanged = true;
    },
    decide(s: PredictiveState, last: Observation | null): Decision {
      if (last !== null) {
        if (s.sensing !== null) readSignals(s.sensing, resolved, last.signals);
        observe(s, last);
      }
      const set = s.set;
      const constraints = s.constraints;
      const frame = s.frame++;
      updateThresholds(s);
      const current = s.current;
      const currentDevice = current >= 0 ? set.deviceOf[current]! : -1;
      const selection = s.selection;
      selectBest(set, constraints, s.plan, s.correction, s.thresholdMs, currentDevice, selection);

      if (current < 0 || s.constraintsChanged) {
        const reason: DecisionReason = current < 0 ? 'initial' : 'constraints-changed';
        s.constraintsChanged = false;
        s.upHoldFrames = resolved.upHoldFrames;
        s.upMovePending = false;
        switchTo(s, selection.candidate);
        return decision(s, selection.candidate, reason, selection.conflict);
      }

      // Probe an unused device when its turn has come.
      if (s.deviceCount > 1) {
        for (let d = 0; d < s.deviceCount; d++) {
          if (d === currentDevice || !constraints.allowed[d] || frame < s.nextProbeFrame[d]!) continue;
          const interval = Math.min(s.probeInterval[d]! * 2, resolved.maxProbeEveryFrames);
          s.probeInterval[d] = interval;
          s.nextProbeFrame[d] = frame + interval;
          const fastest = set.byDeviceFastest[d]!;
          if (fastest.length === 0) continue;
          return decision(s, fastest[0]!, 'probe', selection.conflict);
        }
      }

      const best = selection.candidate;
      if (best === current) {
        s.slackFrames = 0;
        if (s.upMovePending && frame - s.lastUpMoveFrame > 4 * s.upHoldFrames) {
          s.upMovePending = false;
          s.upHoldFrames = Math.max(resolved.upHoldFrames, s.upHoldFrames >> 1);
        }
        return decision(s, current, 'hold', selection.conflict);
      }

      if (!fits(set, constraints, s.plan, s.correction, s.thresholdMs, current)) {
        // The current candidate no longer fits: jump down at once.
        if (s.upMovePending && frame - s.lastUpMoveFrame <= 4 * s.upHoldFrames) s.upHoldFrames = Math.min(s.upHoldFrames * 2, resolved.maxUpHoldFrames);
        s.upMovePending = false;
        switchTo(s, best);
        return decision(s, best, 'step-down', selection.conflict);
      }

      // Something better is predicted: move only after sustained slack, judged conservatively.
      selectBest(set, constraints, s.plan, s.correction, s.upThresholdMs, currentDevice, s.upSelection);
      const up = s.upSelection.candidate;
      if (up !== current && improves(s, up, current) && fits(set, constraints, s.plan, s.correction, s.upThresholdMs, up)) {
        s.slackFrames++;
        // the signals fell back to idle: the slack is the contention gone, not noise, so wait less
        const hold = upHoldFrames(s.sensing, currentDevice, s.upHoldFrames, resolved.sensingUpHoldFrames);
        if (s.slackFrames > hold) {
          s.lastUpMoveFrame = frame;
          s.upMovePending = true;
          switchTo(s, up);
          return decision(s, up, 'step-up', selection.conflict);
        }
        const held = decision(s, current, 'hold-hysteresis', selection.conflict);
        return s.slackFrames === hold ? { ...held, upcoming: up } : held;
      }
      s.slackFrames = 0;
      return decision(s, current, 'hold', selection.conflict);
    },
  };
}
