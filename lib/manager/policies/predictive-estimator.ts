/**
 * The predictive policy's state and estimator: from the latency measured for the last frame to each device's
 * current slowdown (observed / profiled latency), the noise margin, level shifts, volatile (time-shared)
 * contention, and per-candidate corrections of a profile that is off. Allocation-free per frame.
 */
import { correctedProfileMs, newSelection, type Selection } from '../select';
import type { CandidateSet, NormalizedConstraints, Observation } from '../types';
import type { ResolvedPredictiveOptions } from './predictive-options';
import { contendedFloor, freshRise, initialSensing, learnContendedNoise, learnOnset, type SensingState, signalsAgree } from './predictive-sensing';

/** Per-device arrays have one entry per device; rings hold `window` (or `volatileFrames`) entries per device. */
export interface PredictiveState {
  readonly set: CandidateSet;
  constraints: NormalizedConstraints;
  readonly options: ResolvedPredictiveOptions;
  readonly deviceCount: number;
  /** ring of slowdown samples (observed / corrected profile) per device */
  readonly slowdownSamples: Float64Array;
  /** ring of one-frame prediction errors ln(observed slowdown / typical slowdown) per device */
  readonly predictionErrors: Float64Array;
  /** samples in each device's ring since the last level shift */
  readonly sampleCount: Int32Array;
  /** prediction errors recorded per device (the ring holds the last `window`) */
  readonly errorCount: Int32Array;
  /** slot of each device's ring the next sample is written to */
  readonly nextSampleSlot: Int32Array;
  /** slowdown estimate per device (1 = as profiled) */
  readonly slowdown: Float64Array;
  /** slowdown per device that decisions plan with: the estimate, or more at the onset of a sensed rise */
  readonly plan: Float64Array;
  /** the contention signals' state (null: sensing off) */
  readonly sensing: SensingState | null;
  /** typical slowdown per device: the median since the last level shift (what errors are measured against) */
  readonly typicalSlowdown: Float64Array;
  /** ring of the last `volatileFrames` slowdown samples per device, never reset by a shift */
  readonly recentSlowdowns: Float64Array;
  readonly nextRecentSlot: Int32Array;
  readonly recentCount: Int32Array;
  /** frame of each device's last level shift up (or renewal of its volatile state) */
  readonly lastShiftUpFrame: Float64Array;
  /** frame the device's current fast spell started (-Infinity: none) */
  readonly fastSpellStart: Float64Array;
  /** longest fast spell seen in the device's current volatile episode, frames */
  readonly longestFastSpell: Float64Array;
  /** robust sigma of the one-frame prediction error per device */
  readonly errorSigma: Float64Array;
  /** per-candidate correction of the profile (1 = as profiled) */
  readonly correction: Float64Array;
  /** how many corrections differ from 1 */
  activeCorrections: number;
  /** running mean of |prediction error| per device */
  readonly meanAbsError: Float64Array;
  /** safety margin per device: `margin`, widened to cover the observed noise */
  readonly effectiveMargin: Float64Array;
  /** per device: a candidate fits when its prediction is at most this, ms */
  readonly thresholdMs: Float64Array;
  /** per device: an up-move's candidate must be predicted at most this, ms (thresholdMs less upExtraMargin) */
  readonly upThresholdMs: Float64Array;
  /** frame of each device's last observation */
  readonly lastObservedFrame: Float64Array;
  /** frame at which each unused device is probed next */
  readonly nextProbeFrame: Float64Array;
  /** current probe interval per device, frames (doubles while the device stays unused) */
  readonly probeInterval: Float64Array;
  /** work space of the median */
  readonly medianScratch: Float64Array;
  /** the best candidate under `thresholdMs`, this frame */
  readonly selection: Selection;
  /** the best candidate under `upThresholdMs`, this frame */
  readonly upSelection: Selection;
  /** frames decided so far */
  frame: number;
  /** candidate in use (probes excepted), -1 before the first decision */
  current: number;
  /** consecutive frames an up-move was predicted to fit */
  slackFrames: number;
  /** frames of slack an up-move waits for now (doubles after an undone up-move, up to maxUpHoldFrames) */
  upHoldFrames: number;
  lastUpMoveFrame: number;
  /** an up-move was made and has not yet proven itself */
  upMovePending: boolean;
  constraintsChanged: boolean;
  /** consecutive frames over the target */
  consecutiveViolations: number;
  /** observations of `current` since the last switch */
  observationsSinceSwitch: number;
}

/** A sample this much above the typical slowdown renews a volatile device. */
const VOLATILE_EXCURSION = 1.15;
/** A fast spell this many times longer than any seen in the episode (and at least QUIET_MIN frames) ends it. */
const QUIET_FACTOR = 2.0;
const QUIET_MIN = 12;

/** Whether device d is volatile at frame t: within volatileFrames of its last renewal, and not quiet for longer
 * than any fast spell of this episode. */
function isVolatile(s: PredictiveState, d: number, t: number): boolean {
  const volatileFrames = s.options.volatileFrames;
  if (volatileFrames === 0 || t - s.lastShiftUpFrame[d]! > volatileFrames) return false;
  const since = s.fastSpellStart[d]!;
  return !(since > -Infinity && t - since > Math.max(QUIET_MIN, QUIET_FACTOR * s.longestFastSpell[d]!));
}

/** The slow mode is back (a shift up, or an excursion while volatile): renew, and remember the fast spell. */
function renewVolatile(s: PredictiveState, d: number, t: number, fresh: boolean): void {
  if (fresh) s.longestFastSpell[d] = 0;
  else if (s.fastSpellStart[d]! > -Infinity) s.longestFastSpell[d] = Math.max(s.longestFastSpell[d]!, t - s.fastSpellStart[d]!);
  s.fastSpellStart[d] = -Infinity;
  s.lastShiftUpFrame[d] = t;
}

/** A fresh state: every device as profiled, nothing observed yet. */
export function initialState(set: CandidateSet, constraints: NormalizedConstraints, options: ResolvedPredictiveOptions): PredictiveState {
  const deviceCount = set.devices.length;
  const window = options.window;
  return {
    set,
    constraints,
    options,
    deviceCount,
    slowdownSamples: new Float64Array(deviceCount * window),
    predictionErrors: new Float64Array(deviceCount * window),
    sampleCount: new Int32Array(deviceCount),
    errorCount: new Int32Array(deviceCount),
    nextSampleSlot: new Int32Array(deviceCount),
    slowdown: new Float64Array(deviceCount).fill(1),
    plan: new Float64Array(deviceCount).fill(1),
    sensing: initialSensing(deviceCount, options),
    typicalSlowdown: new Float64Array(deviceCount).fill(1),
    recentSlowdowns: new Float64Array(deviceCount * options.volatileFrames),
    nextRecentSlot: new Int32Array(deviceCount),
    recentCount: new Int32Array(deviceCount),
    lastShiftUpFrame: new Float64Array(deviceCount).fill(-Infinity),
    fastSpellStart: new Float64Array(deviceCount).fill(-Infinity),
    longestFastSpell: new Float64Array(deviceCount),
    errorSigma: new Float64Array(deviceCount).fill(options.initialSigma),
    meanAbsError: new Float64Array(deviceCount),
    correction: new Float64Array(set.candidates.length).fill(1),
    activeCorrections: 0,
    effectiveMargin: new Float64Array(deviceCount).fill(options.margin),
    thresholdMs: new Float64Array(deviceCount),
    upThresholdMs: new Float64Array(deviceCount),
    lastObservedFrame: new Float64Array(deviceCount).fill(-Infinity),
    nextProbeFrame: new Float64Array(deviceCount).fill(options.probeEveryFrames),
    probeInterval: new Float64Array(deviceCount).fill(options.probeEveryFrames),
    medianScratch: new Float64Array(window),
    selection: newSelection(),
    upSelection: newSelection(),
    frame: 0,
    current: -1,
    slackFrames: 0,
    upHoldFrames: options.upHoldFrames,
    lastUpMoveFrame: -Infinity,
    upMovePending: false,
    constraintsChanged: false,
    consecutiveViolations: 0,
    observationsSinceSwitch: 0,
  };
}

/** Median of the last n samples of the ring at ring[base .. base + size); `nextSlot` is the next write slot;
 * scratch is overwritten. */
function medianLast(ring: Float64Array, base: number, size: number, nextSlot: number, n: number, scratch: Float64Array): number {
  for (let i = 0; i < n; i++) {
    let j = nextSlot - 1 - i;
    if (j < 0) j += size;
    const v = ring[base + j]!;
    // insertion sort into scratch[0..i]
    let m = i - 1;
    while (m >= 0 && scratch[m]! > v) {
      scratch[m + 1] = scratch[m]!;
      m--;
    }
    scratch[m + 1] = v;
  }
  const h = n >> 1;
  return n & 1 ? scratch[h]! : 0.5 * (scratch[h - 1]! + scratch[h]!);
}

/** Takes the measured latency of the last frame into its device's estimate. */
export function observe(s: PredictiveState, observation: Observation): void {
  const set = s.set;
  const k = observation.candidate;
  if (!(k >= 0 && k < set.candidates.length)) return;
  const options = s.options;
  if (s.activeCorrections > 0) decayCorrections(s);
  // the switch's warm-up, not the device (unless a rise of contention awaits its first frame)
  if (k === s.current && s.observationsSinceSwitch++ < options.switchTransientFrames && !freshRise(s.sensing, set.deviceOf[k]!)) return;
  const sample = observation.latencyMs / correctedProfileMs(set, s.correction, k);
  if (!(sample > 0 && Number.isFinite(sample))) return;
  const d = set.deviceOf[k]!;
  const window = options.window;
  const base = d * window;
  const observedFrame = s.frame - 1;
  if (observedFrame - s.lastObservedFrame[d]! > window) {
    // stale (a probe after a long absence): forget the old samples, keep the error statistics
    s.sampleCount[d] = 0;
    s.recentCount[d] = 0;
  }
  s.lastObservedFrame[d] = observedFrame;
  const previousCount = s.sampleCount[d]!;
  const volatileFrames = options.volatileFrames;
  const volatile = isVolatile(s, d, observedFrame);
  // one-frame prediction error ln(observed / predicted): the noise the margin must cover
  const errorsBefore = s.errorCount[d]!;
  const error = previousCount > 0 ? Math.log(sample / s.typicalSlowdown[d]!) : NaN;
  if (previousCount > 0) {
    s.predictionErrors[base + (errorsBefore % window)] = error;
    s.errorCount[d] = errorsBefore + 1;
  }
  let sigma = s.errorSigma[d]!;
  // A volatile device is planned at its slow mode, not with the noise margin: the gap between its modes is
  // kept out of the noise estimate, so the margin is right again as soon as the device calms down.
  if (previousCount > 0 && !volatile) {
    // winsorised running mean of |error| (clipped at 3 sigma, so spikes and shifts barely move
    // it); E|e| = 0.798 sigma for normal errors
    const n = s.errorCount[d]!;
    const rate = n < options.sigmaFrames ? 1 / n : 1 / options.sigmaFrames;
    let absError = Math.abs(error);
    const clip = 3 * sigma;
    if (absError > clip) absError = clip;
    s.meanAbsError[d] = s.meanAbsError[d]! + rate * (absError - s.meanAbsError[d]!);
    if (n >= 8) {
      sigma = s.meanAbsError[d]! / 0.798;
      if (sigma < options.minSigma) sigma = options.minSigma;
      s.errorSigma[d] = sigma;
    }
  }

  if (volatileFrames > 0) {
    const slot = s.nextRecentSlot[d]!;
    s.recentSlowdowns[d * volatileFrames + slot] = sample;
    s.nextRecentSlot[d] = slot + 1 === volatileFrames ? 0 : slot + 1;
    if (s.recentCount[d]! < volatileFrames) s.recentCount[d]!++;
  }

  learnOnset(s.sensing, d, sample);
  if (previousCount > 0) learnContendedNoise(s.sensing, d, error);
  const slot = s.nextSampleSlot[d]!;
  s.slowdownSamples[base + slot] = sample;
  const nextSlot = slot + 1 === window ? 0 : slot + 1;
  s.nextSampleSlot[d] = nextSlot;
  let keep = previousCount + 1 > window ? window : previousCount + 1;

  // Level shift: the last `changeSamples` errors all beyond changeSigmas * sigma, same side.
  const changeSamples = options.changeSamples;
  let shifted = false;
  if (previousCount >= changeSamples && s.errorCount[d]! >= changeSamples) {
    const limit = options.changeSigmas * sigma;
    let above = 0;
    let below = 0;
    const errors = s.errorCount[d]!;
    for (let i = 1; i <= changeSamples; i++) {
      const e = s.predictionErrors[base + ((errors - i) % window)]!;
      if (e > limit) above++;
      else if (e < -limit) below++;
    }
    const shiftUp = above === changeSamples;
    const shiftDown = below === changeSamples;
    if (shiftUp && k === s.current && observedFrame - s.lastUpMoveFrame < changeSamples + options.switchTransientFrames && !volatile) {
      // The shift came with an up-move to k: k is slower than its profile, not the device.
      // Learn the ratio for k and drop its samples from the device's estimate.
      let sum = 0;
      for (let i = 1; i <= changeSamples; i++) sum += s.predictionErrors[base + ((errors - i) % window)]!;
      s.correction[k] = s.correction[k]! * Math.exp(sum / changeSamples);
      s.activeCorrections++;
      s.nextSampleSlot[d] = (nextSlot - changeSamples + window) % window;
      s.sampleCount[d] = previousCount + 1 - changeSamples > 0 ? previousCount + 1 - changeSamples : 0;
      s.errorCount[d] = errors - changeSamples;
      return;
    }
    shifted = shiftUp || shiftDown;
    if (shifted) keep = changeSamples; // keep only the samples after the shift
    if (volatileFrames > 0 && shiftUp) renewVolatile(s, d, observedFrame, !volatile);
    else if (volatile && shiftDown && s.fastSpellStart[d] === -Infinity) s.fastSpellStart[d] = observedFrame - changeSamples + 1;
  }
  // One sample is a shift when the contention signals agree: rising with a slower frame, fallen back with a faster
  // one. A faster frame as the signals fall ends the volatile episode, whether one sample or two made the shift.
  if (previousCount > 0 && s.sensing !== null) {
    const limit = options.changeSigmas * sigma;
    if (!shifted && error > limit && signalsAgree(s.sensing, d, true)) {
      keep = 1;
      if (volatileFrames > 0) renewVolatile(s, d, observedFrame, !volatile);
    } else if (error < -limit && signalsAgree(s.sensing, d, false)) {
      if (!shifted) keep = 1;
      s.lastShiftUpFrame[d] = -Infinity;
    }
  }
  // While volatile, a lone excursion well above the typical slowdown (the slow mode coming back) renews it.
  if (volatile && sample > s.typicalSlowdown[d]! * VOLATILE_EXCURSION && s.lastShiftUpFrame[d] !== observedFrame) {
    renewVolatile(s, d, observedFrame, false);
  }
  // Confirmed violations of the target: the estimate is at least what they imply.
  if (observation.latencyMs > s.constraints.targetMs) s.consecutiveViolations++;
  else s.consecutiveViolations = 0;
  s.sampleCount[d] = keep;
  const medianSamples = keep < options.estimateSamples ? keep : options.estimateSamples;
  let estimate = medianLast(s.slowdownSamples, base, window, nextSlot, medianSamples, s.medianScratch);
  s.typicalSlowdown[d] = estimate;
  if (s.consecutiveViolations >= changeSamples) {
    let lowest = Infinity;
    for (let i = 1; i <= changeSamples; i++) {
      let j = nextSlot - i;
      if (j < 0) j += window;
      const v = s.slowdownSamples[base + j]!;
      if (v < lowest) lowest = v;
    }
    if (lowest > estimate) estimate = lowest;
  }
  const stillVolatile = isVolatile(s, d, observedFrame);
  if (stillVolatile) {
    const slowMode = secondLargest(s.recentSlowdowns, d * volatileFrames, volatileFrames, s.nextRecentSlot[d]!, s.recentCount[d]!);
    if (slowMode > estimate) estimate = slowMode;
  }
  // contended frames' own noise, while the signals stand in a rise
  const floor = contendedFloor(s.sensing, options, d, s.typicalSlowdown[d]!);
  if (floor > estimate) estimate = floor;
  s.slowdown[d] = estimate;
  let margin = options.margin;
  // widened to cover the noise, except while volatile (the estimate already sits at the slow mode)
  if (options.adaptiveMargin && !stillVolatile) {
    const noiseMargin = 1 - Math.exp(-options.quantileZ * sigma);
    if (noiseMargin > margin) margin = noiseMargin > options.maxMargin ? options.maxMargin : noiseMargin;
  }
  s.effectiveMargin[d] = margin;
}

/** Second largest of the last n samples of a ring (the largest when n = 1): one lone spike is ignored. */
function secondLargest(ring: Float64Array, base: number, size: number, nextSlot: number, n: number): number {
  let first = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < n; i++) {
    let j = nextSlot - 1 - i;
    if (j < 0) j += size;
    const v = ring[base + j]!;
    if (v > first) {
      second = first;
      first = v;
    } else if (v > second) second = v;
  }
  return n === 1 ? first : second;
}

/** Moves every learned correction a step back towards 1 (to 1 once within 1e-3 of it). */
function decayCorrections(s: PredictiveState): void {
  const correction = s.correction;
  const decay = s.options.correctionDecay;
  let active = 0;
  for (let i = 0; i < correction.length; i++) {
    const v = correction[i]!;
    if (v === 1) continue;
    const next = 1 + (v - 1) * decay;
    if (Math.abs(next - 1) < 1e-3) correction[i] = 1;
    else {
      correction[i] = next;
      active++;
    }
  }
  s.activeCorrections = active;
}
