/**
 * What the predictive policy makes of the contention signals (docs/api-guide.md, "Sensing contention"): each
 * device's signals against their own recent baseline (a virtual machine's PSI can sit at 20 % when idle), whether
 * they rise now, and the slowdown a rise has caused before (learned per device, from a conservative prior).
 * Pure: the signals come in the observation. Allocation-free per frame.
 */
import type { ContentionSample } from '../types';
import type { ResolvedPredictiveOptions } from './predictive-options';

export interface SensingState {
  /** recent baseline of each device's load and pressure (NaN until the first sample) */
  readonly loadBaseline: Float64Array;
  readonly pressureBaseline: Float64Array;
  /** 1 while the device's last signals stood above their baseline */
  readonly rising: Uint8Array;
  /** decisions since the signals rose (0: not rising) */
  readonly riseDecisions: Int32Array;
  /** latency samples the estimate took of frames that ran wholly inside the current rise */
  readonly contendedSamples: Int32Array;
  /** decisions since the signals fell back to their baseline after a rise (0: rising, or no rise yet) */
  readonly idleDecisions: Int32Array;
  /** the slowdown a rise has caused before, per device (the prior until the first rise is seen) */
  readonly onsetSlowdown: Float64Array;
  /** the largest sample of the current rise's first ONSET_SAMPLES, and whether a rise has been learned yet */
  readonly riseMax: Float64Array;
  readonly learned: Uint8Array;
}

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
/** After the signals fall back, a quick step-up is allowed for this many decisions. */
export const QUICK_UP_DECISIONS = 32;

export function initialSensing(deviceCount: number, options: ResolvedPredictiveOptions): SensingState | null {
  if (!options.sensing) return null;
  return {
    loadBaseline: new Float64Array(deviceCount).fill(NaN),
    pressureBaseline: new Float64Array(deviceCount).fill(NaN),
    rising: new Uint8Array(deviceCount),
    riseDecisions: new Int32Array(deviceCount),
    contendedSamples: new Int32Array(deviceCount),
    idleDecisions: new Int32Array(deviceCount),
    onsetSlowdown: new Float64Array(deviceCount).fill(options.sensingPriorSlowdown),
    riseMax: new Float64Array(deviceCount),
    learned: new Uint8Array(deviceCount),
  };
}

function track(baseline: Float64Array, d: number, v: number, rising: boolean): void {
  const b = baseline[d]!;
  if (Number.isNaN(b)) baseline[d] = v;
  else baseline[d] = b + (v - b) * (v < b ? BASELINE_DOWN : rising ? BASELINE_UP_RISING : BASELINE_UP);
}

/** Takes the signals sampled before this decision: per device, rising or idle against its baseline. */
export function readSignals(s: SensingState, options: ResolvedPredictiveOptions, signals: readonly (ContentionSample | null)[] | undefined): void {
  if (!signals) return;
  const n = Math.min(signals.length, s.rising.length);
  for (let d = 0; d < n; d++) {
    const sample = signals[d];
    const load = sample ? sample.load : NaN;
    const pressure = sample ? sample.pressure : NaN;
    const hasLoad = Number.isFinite(load);
    const hasPressure = Number.isFinite(pressure);
    if (!hasLoad && !hasPressure) {
      // skipped (to bound the sampling cost) or no signal: nothing new, the state stands one decision longer
      if (s.rising[d]) s.riseDecisions[d]!++;
      else if (s.idleDecisions[d]! > 0) s.idleDecisions[d]!++;
      continue;
    }
    // each signal's rise as a share of what alone counts as a rise; the two agreeing add up to one (a burst that
    // began late in the gap moves each only part of the way; PARTIAL_RISES keeps noise in both from adding up)
    const loadScore = hasLoad ? (load - s.loadBaseline[d]!) / options.sensingLoadRise : 0;
    const pressureScore = hasPressure ? (pressure - s.pressureBaseline[d]!) / options.sensingPressureRise : 0;
    const rising = loadScore > 1 || pressureScore > 1 || (loadScore > 0 && pressureScore > 0 && loadScore + pressureScore > PARTIAL_RISES);
    if (hasLoad) track(s.loadBaseline, d, load, rising);
    if (hasPressure) track(s.pressureBaseline, d, pressure, rising);
    if (rising) {
      s.riseDecisions[d]!++;
      s.idleDecisions[d] = 0;
    } else {
      if (s.rising[d] || s.idleDecisions[d]! > 0) s.idleDecisions[d]!++;
      // a rise that ended before ONSET_SAMPLES frames teaches what it had
      if (s.contendedSamples[d]! > 0 && s.contendedSamples[d]! < ONSET_SAMPLES) learnRise(s, d);
      s.riseDecisions[d] = 0;
      s.contendedSamples[d] = 0;
    }
    s.rising[d] = rising ? 1 : 0;
  }
}

/** Whether the signals back a slowdown sample of device d as real: rising (up) or just fallen back (down). */
export function signalsAgree(s: SensingState | null, d: number, up: boolean): boolean {
  if (s === null) return false;
  return up ? s.rising[d] === 1 : s.idleDecisions[d] === 1;
}

function learnRise(s: SensingState, d: number): void {
  const o = s.onsetSlowdown[d]!;
  const m = s.riseMax[d]!;
  s.onsetSlowdown[d] = m > o || !s.learned[d] ? m : o + (m - o) * ONSET_DOWN;
  s.learned[d] = 1;
}

/** A latency sample of device d taken into the estimate: learns the onset slowdown from frames wholly inside a rise. */
export function learnOnset(s: SensingState | null, d: number, sample: number): void {
  if (s === null || s.riseDecisions[d]! < 2) return;
  const n = ++s.contendedSamples[d]!;
  if (n > ONSET_SAMPLES) return;
  s.riseMax[d] = n === 1 || sample > s.riseMax[d]! ? sample : s.riseMax[d]!;
  if (n === ONSET_SAMPLES) learnRise(s, d);
}

/** The slowdown to plan device d's next frame at: the estimate, or at least what a rise has caused before while the
 * estimate has seen fewer than ONSET_SAMPLES frames of this rise. */
export function plannedSlowdown(s: SensingState | null, d: number, estimate: number): number {
  if (s === null || s.rising[d] !== 1 || s.contendedSamples[d]! >= ONSET_SAMPLES) return estimate;
  const onset = s.onsetSlowdown[d]!;
  return onset > estimate ? onset : estimate;
}

/** Whether device d's estimate still has fewer than ONSET_SAMPLES frames of the current rise: then the samples
 * right after a switch count (the contention, not a cold cache, is the larger effect). */
export function freshRise(s: SensingState | null, d: number): boolean {
  return s !== null && s.rising[d] === 1 && s.contendedSamples[d]! < ONSET_SAMPLES;
}

/** Whether device d's signals fell back to idle recently (an up-move may then wait `sensingUpHoldFrames` only). */
export function recentlyIdle(s: SensingState | null, d: number): boolean {
  if (s === null) return false;
  const i = s.idleDecisions[d]!;
  return i > 0 && i <= QUICK_UP_DECISIONS;
}
