/**
 * What the predictive policy makes of the contention signals (docs/api-guide.md, "Sensing contention"): each
 * device's signals against their own recent baseline (a virtual machine's PSI can sit at 20 % when idle), whether
 * they rise now and how strongly (the tasks waiting for a core where the device counts them: they alone decide
 * there; else load and pressure), and the slowdown a rise of that strength has caused before (learned per device,
 * from a conservative prior). Pure: the signals come in the observation. Allocation-free per frame.
 */
import type { ContentionSample } from '../types';
import type { ResolvedPredictiveOptions } from './predictive-options';

export interface SensingState {
  /** recent baseline of each device's load, pressure and waiting tasks (NaN until the first sample) */
  readonly loadBaseline: Float64Array;
  readonly pressureBaseline: Float64Array;
  readonly waitingBaseline: Float64Array;
  /** 1 while the device's last signals stood above their baseline */
  readonly rising: Uint8Array;
  /** the current rise's strength, 1..RISE_LEVELS (waiting tasks above the baseline, in sensingWaitingRise); 0: none */
  readonly riseLevel: Int32Array;
  /** decisions since the signals rose (0: not rising) */
  readonly riseDecisions: Int32Array;
  /** latency samples the estimate took of frames that ran wholly inside the current rise */
  readonly contendedSamples: Int32Array;
  /** decisions since the signals fell back to their baseline after a rise (0: rising, or no rise yet) */
  readonly idleDecisions: Int32Array;
  /** decisions the last rise lasted (1: a blip, one sample) */
  readonly lastRiseDecisions: Int32Array;
  /** the slowdown a rise of each level has caused before, per device (index d * RISE_LEVELS + level - 1) */
  readonly onsetSlowdown: Float64Array;
  readonly learned: Uint8Array;
  /** the largest sample of the current rise's first ONSET_SAMPLES */
  readonly riseMax: Float64Array;
  /** running mean of |one-frame prediction error| of frames wholly inside a rise, per device, across rises */
  readonly contendedError: Float64Array;
  /** how many such errors it has taken */
  readonly contendedErrors: Int32Array;
}

/** Rise strengths learned apart (a rise stronger than this is planned as this one). */
export const RISE_LEVELS = 4;

/** Baseline tracking: down at once (rate 0.5), up slowly (1/32), and very slowly while rising (a lasting change). */
const BASELINE_DOWN = 0.5;
const BASELINE_UP = 1 / 32;
const BASELINE_UP_RISING = 1 / 256;
/**
 * Each rise teaches the onset slowdown once: the largest of its first ONSET_SAMPLES samples (a rise's first frames
 * are planned at least at the onset until as many are in). A stronger rise than the onset replaces it; a weaker one
 * moves it down by ONSET_DOWN of the difference per rise (conservative: about the strongest recent rise), except
 * the first, which replaces the prior (a guess, not an observation).
 */
const ONSET_SAMPLES = 3;
/** Two signals each part of the way up are a rise when their shares of a rise add up to this. */
const PARTIAL_RISES = 1.25;
const ONSET_DOWN = 0.1;
/**
 * Contended frames are noisier than idle ones (a time-shared core: a frame now and then waits a whole time slice
 * more), and the noise margin is learned mostly from idle frames. Early in a rise, a device is planned at least
 * CONTENDED_SIGMAS of the contended noise above its typical slowdown: one sigma covers most such frames; a
 * 99th-percentile cover cost far more accuracy than the misses it saved.
 */
const CONTENDED_SIGMAS = 1;
/** Contended errors taken before they count; their running mean's horizon. */
const CONTENDED_MIN_ERRORS = 8;
const CONTENDED_HORIZON = 32;

/** After the signals fall back, a quick step-up is allowed for this many decisions. */
export const QUICK_UP_DECISIONS = 32;
/** A faster frame this many decisions after the signals fell back is the contention gone (a shift at once). */
const FALL_DECISIONS = 3;

/** What a rise of `level` is planned at before one of that level has been seen: the prior's excess per level. */
function priorSlowdown(options: ResolvedPredictiveOptions, level: number): number {
  return 1 + (options.sensingPriorSlowdown - 1) * level;
}

export function initialSensing(deviceCount: number, options: ResolvedPredictiveOptions): SensingState | null {
  if (!options.sensing) return null;
  const onsetSlowdown = new Float64Array(deviceCount * RISE_LEVELS);
  for (let i = 0; i < onsetSlowdown.length; i++) onsetSlowdown[i] = priorSlowdown(options, (i % RISE_LEVELS) + 1);
  return {
    loadBaseline: new Float64Array(deviceCount).fill(NaN),
    pressureBaseline: new Float64Array(deviceCount).fill(NaN),
    waitingBaseline: new Float64Array(deviceCount).fill(NaN),
    rising: new Uint8Array(deviceCount),
    riseLevel: new Int32Array(deviceCount),
    riseDecisions: new Int32Array(deviceCount),
    contendedSamples: new Int32Array(deviceCount),
    idleDecisions: new Int32Array(deviceCount),
    lastRiseDecisions: new Int32Array(deviceCount),
    onsetSlowdown,
    learned: new Uint8Array(deviceCount * RISE_LEVELS),
    riseMax: new Float64Array(deviceCount),
    contendedError: new Float64Array(deviceCount),
    contendedErrors: new Int32Array(deviceCount),
  };
}

function track(baseline: Float64Array, d: number, v: number, rising: boolean): void {
  if (!Number.isFinite(v)) return;
  const b = baseline[d]!;
  if (Number.isNaN(b)) baseline[d] = v;
  else baseline[d] = b + (v - b) * (v < b ? BASELINE_DOWN : rising ? BASELINE_UP_RISING : BASELINE_UP);
}

/** A rise's level from the averages alone: 1 when they stand above their baseline, else 0. */
function averagesLevel(s: SensingState, options: ResolvedPredictiveOptions, d: number, load: number, pressure: number): number {
  // each signal's rise as a share of what alone counts as a rise; the two agreeing add up to one (a burst that
  // began late in the gap moves each only part of the way; PARTIAL_RISES keeps noise in both from adding up)
  const loadScore = Number.isFinite(load) ? (load - s.loadBaseline[d]!) / options.sensingLoadRise : 0;
  const pressureScore = Number.isFinite(pressure) ? (pressure - s.pressureBaseline[d]!) / options.sensingPressureRise : 0;
  return loadScore > 1 || pressureScore > 1 || (loadScore > 0 && pressureScore > 0 && loadScore + pressureScore > PARTIAL_RISES) ? 1 : 0;
}

/** A rise's level from the tasks waiting for a core now: how many sensingWaitingRise above the baseline (rounded). */
function waitingLevel(s: SensingState, options: ResolvedPredictiveOptions, d: number, waiting: number): number {
  const above = waiting - s.waitingBaseline[d]!; // NaN before the first sample: no rise
  // half a task of slack: the baseline is an average, the count whole
  const level = Math.floor((above + 0.5) / options.sensingWaitingRise);
  return level > 0 ? Math.min(level, RISE_LEVELS) : 0;
}

/** Takes the signals sampled before this decision: per device, rising (and how strongly) or idle against its baseline. */
export function readSignals(s: SensingState, options: ResolvedPredictiveOptions, signals: readonly (ContentionSample | null)[] | undefined): void {
  if (!signals) return;
  const n = Math.min(signals.length, s.rising.length);
  for (let d = 0; d < n; d++) {
    const sample = signals[d];
    const load = sample ? sample.load : NaN;
    const pressure = sample ? sample.pressure : NaN;
    const waiting = sample?.waiting ?? NaN;
    const hasWaiting = Number.isFinite(waiting);
    if (!hasWaiting && !Number.isFinite(load) && !Number.isFinite(pressure)) {
      // skipped (to bound the sampling cost) or no signal: nothing new, the state stands one decision longer
      if (s.rising[d]) s.riseDecisions[d]!++;
      else if (s.idleDecisions[d]! > 0) s.idleDecisions[d]!++;
      continue;
    }
    const level = hasWaiting ? waitingLevel(s, options, d, waiting) : averagesLevel(s, options, d, load, pressure);
    const rising = level > 0;
    track(s.loadBaseline, d, load, rising);
    track(s.pressureBaseline, d, pressure, rising);
    track(s.waitingBaseline, d, waiting, rising);
    if (rising && s.rising[d] && level > s.riseLevel[d]!) {
      // a stronger rise on top of the current one (another contender joined): a new rise, planned at its onset
      s.riseDecisions[d] = 0;
      s.contendedSamples[d] = 0;
    }
    if (rising) {
      s.riseDecisions[d]!++;
      s.idleDecisions[d] = 0;
      if (level > s.riseLevel[d]!) s.riseLevel[d] = level;
    } else {
      if (s.rising[d] || s.idleDecisions[d]! > 0) s.idleDecisions[d]!++;
      // a rise that ended before ONSET_SAMPLES frames teaches what it had, if stronger: most short rises are a
      // task that came and went (a kernel thread, a collector), and would teach a contender that it is harmless
      if (s.contendedSamples[d]! > 0 && s.contendedSamples[d]! < ONSET_SAMPLES) learnRise(s, d, true);
      if (s.rising[d]) s.lastRiseDecisions[d] = s.riseDecisions[d]!;
      s.riseDecisions[d] = 0;
      s.contendedSamples[d] = 0;
      s.riseLevel[d] = 0;
    }
    s.rising[d] = rising ? 1 : 0;
  }
}

/**
 * Whether the signals back a slowdown sample of device d as real: rising (up), or fallen back within the last
 * FALL_DECISIONS decisions (down: the frame right after the fall may still have run beside the contender).
 */
export function signalsAgree(s: SensingState | null, d: number, up: boolean): boolean {
  if (s === null) return false;
  if (up) return s.rising[d] === 1;
  const i = s.idleDecisions[d]!;
  return i >= 1 && i <= FALL_DECISIONS;
}

function learnRise(s: SensingState, d: number, short = false): void {
  const i = d * RISE_LEVELS + Math.max(1, s.riseLevel[d]!) - 1;
  const o = s.onsetSlowdown[i]!;
  const m = s.riseMax[d]!;
  if (short && m <= o) return;
  s.onsetSlowdown[i] = m > o || !s.learned[i] ? m : o + (m - o) * ONSET_DOWN;
  s.learned[i] = 1;
}

/**
 * The slowdown a rise of `level` on device d is planned at. Learned at this level: that, and at least what weaker
 * levels taught (a stronger rise is no faster). Not yet: scaled from the levels learned, the excess over 1 in
 * proportion to the level (the time others take grows with the tasks waiting), the largest; none learned: the prior.
 */
function onsetSlowdown(s: SensingState, options: ResolvedPredictiveOptions, d: number, level: number): number {
  const own = d * RISE_LEVELS + level - 1;
  let onset = 1;
  let any = false;
  for (let l = 1; l <= RISE_LEVELS; l++) {
    const i = d * RISE_LEVELS + l - 1;
    if (!s.learned[i]) continue;
    any = true;
    const v = s.onsetSlowdown[i]!;
    const implied = s.learned[own] ? (l <= level ? v : 1) : 1 + ((v - 1) * level) / l;
    if (implied > onset) onset = implied;
  }
  return any ? onset : priorSlowdown(options, level);
}

/** Whether device d's last frame ran wholly inside the current rise (the rise was seen before the frame began). */
function frameInsideRise(s: SensingState, d: number): boolean {
  return s.riseDecisions[d]! >= 2;
}

/** A latency sample of device d taken into the estimate: learns the onset slowdown from frames wholly inside a rise. */
export function learnOnset(s: SensingState | null, d: number, sample: number): void {
  if (s === null || !frameInsideRise(s, d)) return;
  const n = ++s.contendedSamples[d]!;
  if (n > ONSET_SAMPLES) return;
  s.riseMax[d] = n === 1 || sample > s.riseMax[d]! ? sample : s.riseMax[d]!;
  if (n === ONSET_SAMPLES) learnRise(s, d);
}

/** A one-frame prediction error ln(sample / typical slowdown) of device d: learned as contended noise when the
 * frame ran wholly inside a rise. */
export function learnContendedNoise(s: SensingState | null, d: number, error: number): void {
  if (s === null || !frameInsideRise(s, d)) return;
  const n = ++s.contendedErrors[d]!;
  s.contendedError[d] = s.contendedError[d]! + (Math.abs(error) - s.contendedError[d]!) / (n < CONTENDED_HORIZON ? n : CONTENDED_HORIZON);
}

/** The least slowdown device d is planned at in a rise's first `sigmaFrames` decisions: its typical slowdown,
 * CONTENDED_SIGMAS of the contended noise above (0: not rising, later in the rise, or too few contended frames seen). */
export function contendedFloor(s: SensingState | null, options: ResolvedPredictiveOptions, d: number, typical: number): number {
  if (s === null || s.rising[d] !== 1 || s.contendedErrors[d]! < CONTENDED_MIN_ERRORS) return 0;
  // a rise that has lasted sigmaFrames decisions is in the estimator's own statistics (its noise margin, its
  // volatile slow mode): planning it higher still would cost accuracy where contention lasts
  if (s.riseDecisions[d]! > options.sigmaFrames) return 0;
  // E|e| = 0.798 sigma for normal errors
  return typical * Math.exp((CONTENDED_SIGMAS * s.contendedError[d]!) / 0.798);
}

/** The slowdown to plan device d's next frame at: the estimate, or at least what a rise has caused before while the
 * estimate has seen fewer than ONSET_SAMPLES frames of this rise. */
export function plannedSlowdown(s: SensingState | null, options: ResolvedPredictiveOptions, d: number, estimate: number): number {
  if (s === null || s.rising[d] !== 1 || s.contendedSamples[d]! >= ONSET_SAMPLES) return estimate;
  const onset = onsetSlowdown(s, options, d, Math.max(1, s.riseLevel[d]!));
  return onset > estimate ? onset : estimate;
}

/** Whether device d's estimate still has fewer than ONSET_SAMPLES frames of the current rise: then the samples
 * right after a switch count (the contention, not a cold cache, is the larger effect). */
export function freshRise(s: SensingState | null, d: number): boolean {
  return s !== null && s.rising[d] === 1 && s.contendedSamples[d]! < ONSET_SAMPLES;
}

/**
 * The frames of slack an up-move on device d waits for: `hold`, or, the signals having fallen back recently,
 * `quickHold`, or none after a rise of one sample (a task that came and went: the frame it lowered is all it cost).
 */
export function upHoldFrames(s: SensingState | null, d: number, hold: number, quickHold: number): number {
  if (s === null) return hold;
  const i = s.idleDecisions[d]!;
  if (!(i > 0 && i <= QUICK_UP_DECISIONS)) return hold;
  return s.lastRiseDecisions[d]! <= 1 ? 0 : Math.min(hold, quickHold);
}
