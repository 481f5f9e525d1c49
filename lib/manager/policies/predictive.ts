/**
 * The default policy of the runtime manager: predicts every (device, sub-network) latency under each device's
 * estimated slowdown and decides from the predictions (the estimator is in predictive-estimator.ts, the
 * options in predictive-options.ts).
 */
import { fits, LATERAL_GAIN, selectBest } from '../select';
import type { CandidateSet, ConflictKind, Decision, DecisionReason, NormalizedConstraints, Observation, Policy } from '../types';
import { initialState, observe, type PredictiveState } from './predictive-estimator';
import { type PredictiveOptions, resolvePredictiveOptions } from './predictive-options';

function thresholds(s: PredictiveState): void {
  const t = s.c.targetMs;
  for (let d = 0; d < s.D; d++) {
    const m = s.marginEff[d]!;
    s.thrDown[d] = t * (1 - m);
    s.thrUp[d] = t * (1 - m - s.o.upExtra);
  }
}

function decision(
  s: PredictiveState,
  k: number,
  reason: DecisionReason,
  conflict: ConflictKind | null,
): Decision {
  const d = s.set.deviceOf[k]!;
  return { candidate: k, predictedMs: s.set.profiledMs[k]! * s.corr[k]! * s.est[d]!, reason, conflict };
}

function improves(s: PredictiveState, k: number, cur: number): boolean {
  const set = s.set;
  const pk = set.profiledMs[k]! * s.corr[k]! * s.est[set.deviceOf[k]!]!;
  const pc = set.profiledMs[cur]! * s.corr[cur]! * s.est[set.deviceOf[cur]!]!;
  if (s.c.objective === 'accuracy') {
    const ak = set.accuracy[k]!;
    const ac = set.accuracy[cur]!;
    return ak > ac || (ak === ac && pk <= pc * LATERAL_GAIN);
  }
  return pk < pc * (1 - s.o.upExtra);
}

function switchTo(s: PredictiveState, k: number): void {
  const set = s.set;
  const prev = s.cur;
  s.cur = k;
  s.slack = 0;
  if (prev !== k) s.sinceSwitch = 0;
  if (prev >= 0) {
    const pd = set.deviceOf[prev]!;
    const nd = set.deviceOf[k]!;
    if (pd !== nd) {
      // leaving a device: probe it again later; the new device is in use, its back-off resets
      s.nextProbe[pd] = s.frame + s.probeEvery[pd]!;
      s.probeEvery[nd] = s.o.probeEvery;
    }
  }
}

/**
 * The default policy.
 * - Estimate: each device's slowdown = observed / profiled latency of what ran; the estimate is
 *   the median of the last `estimateSamples` samples since the last level shift. A shift is
 *   declared when `changeSamples` consecutive samples deviate the same way by more than
 *   `changeSigmas` sigmas (then only those samples are kept, so a step in contention is followed
 *   within 2 frames while a lone spike changes nothing). Two consecutive violations of the target
 *   force the estimate up to what they imply.
 * - Volatile devices: after a shift up, for `volatileFrames` frames (renewed while the slow mode keeps coming
 *   back, ended early by a fast spell twice as long as any seen), the estimate is at least the second largest
 *   recent sample: contention that flips between a fast and a slow mode faster than the estimate can follow
 *   is planned for at the slow mode.
 * - Margin: target * (1 - m) with m = max(margin, 1 - exp(-z * sigma)), sigma being a winsorised
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
export function predictivePolicy(options: PredictiveOptions = {}): Policy<PredictiveState> {
  const o = resolvePredictiveOptions(options);
  return {
    name: 'predictive',
    init: (set: CandidateSet, c: NormalizedConstraints): PredictiveState => initialState(set, c, o),
    setConstraints(s: PredictiveState, c: NormalizedConstraints): void {
      s.c = c;
      s.constraintsChanged = true;
    },
    decide(s: PredictiveState, last: Observation | null): Decision {
      if (last !== null) observe(s, last);
      const set = s.set;
      const c = s.c;
      const frame = s.frame++;
      thresholds(s);
      const cur = s.cur;
      const curDev = cur >= 0 ? set.deviceOf[cur]! : -1;
      selectBest(set, c, s.est, s.thrDown, curDev, s.sel, s.corr);
      const sel = s.sel;

      if (cur < 0 || s.constraintsChanged) {
        const reason: DecisionReason = cur < 0 ? 'initial' : 'constraints-changed';
        s.constraintsChanged = false;
        s.upHold = o.upHold;
        s.upPending = false;
        switchTo(s, sel.candidate);
        return decision(s, sel.candidate, reason, sel.conflict);
      }

      // Probe an unused device when its turn has come.
      if (s.D > 1) {
        for (let d = 0; d < s.D; d++) {
          if (d === curDev || !c.allowed[d] || frame < s.nextProbe[d]!) continue;
          const every = Math.min(s.probeEvery[d]! * 2, o.maxProbeEvery);
          s.probeEvery[d] = every;
          s.nextProbe[d] = frame + every;
          const fastest = set.byDeviceFastest[d]!;
          if (fastest.length === 0) continue;
          return decision(s, fastest[0]!, 'probe', sel.conflict);
        }
      }

      const best = sel.candidate;
      if (best === cur) {
        s.slack = 0;
        if (s.upPending && frame - s.lastUpFrame > 4 * s.upHold) {
          s.upPending = false;
          s.upHold = Math.max(o.upHold, s.upHold >> 1);
        }
        return decision(s, cur, 'hold', sel.conflict);
      }

      if (!fits(set, c, s.est, s.thrDown, cur, s.corr)) {
        // The current candidate no longer fits: jump down at once.
        if (s.upPending && frame - s.lastUpFrame <= 4 * s.upHold) s.upHold = Math.min(s.upHold * 2, o.maxUpHold);
        s.upPending = false;
        switchTo(s, best);
        return decision(s, best, 'step-down', sel.conflict);
      }

      // Something better is predicted: move only after sustained slack, judged conservatively.
      selectBest(set, c, s.est, s.thrUp, curDev, s.selUp, s.corr);
      const up = s.selUp.candidate;
      if (up !== cur && improves(s, up, cur) && fits(set, c, s.est, s.thrUp, up, s.corr)) {
        s.slack++;
        if (s.slack > s.upHold) {
          s.lastUpFrame = frame;
          s.upPending = true;
          switchTo(s, up);
          return decision(s, up, 'step-up', sel.conflict);
        }
        const held = decision(s, cur, 'hold-hysteresis', sel.conflict);
        return s.slack === s.upHold ? { ...held, upcoming: up } : held;
      }
      s.slack = 0;
      return decision(s, cur, 'hold', sel.conflict);
    },
  };
}
