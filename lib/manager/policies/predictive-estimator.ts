/**
 * The predictive policy's state and estimator: from the latency measured for the last frame to each device's
 * current slowdown (observed / profiled latency), the noise margin, level shifts, volatile (time-shared)
 * contention, and per-candidate corrections of a profile that is off. Allocation-free per frame.
 */
import { newSelection, type Selection } from '../select';
import type { CandidateSet, NormalizedConstraints, Observation } from '../types';
import type { ResolvedPredictiveOptions } from './predictive-options';

export interface PredictiveState {
  readonly set: CandidateSet;
  c: NormalizedConstraints;
  readonly o: ResolvedPredictiveOptions;
  readonly D: number;
  /** ring of slowdown samples (observed / profiled), D x window */
  readonly ring: Float64Array;
  /** ring of one-frame prediction errors ln(observed / predicted), D x window */
  readonly err: Float64Array;
  readonly count: Int32Array;
  readonly errCount: Int32Array;
  readonly pos: Int32Array;
  /** slowdown estimate per device (1 = as profiled) that decisions plan with */
  readonly est: Float64Array;
  /** typical slowdown per device: the median since the last level shift (what errors are measured against) */
  readonly typ: Float64Array;
  /** ring of the last `volatileFrames` slowdown samples per device, never reset by a shift */
  readonly recent: Float64Array;
  readonly recentPos: Int32Array;
  readonly recentCount: Int32Array;
  /** frame of each device's last level shift up (or renewal of its volatile state) */
  readonly lastShiftUp: Float64Array;
  /** frame of the device's last shift down since then (-Infinity: none): a fast spell in progress */
  readonly fastSince: Float64Array;
  /** longest fast spell seen in the device's current volatile episode, frames */
  readonly longestFast: Float64Array;
  /** robust sigma of ln(observed / predicted) per device */
  readonly sigma: Float64Array;
  /** per-candidate correction of the profile (1 = as profiled) */
  readonly corr: Float64Array;
  /** how many corrections differ from 1 */
  corrActive: number;
  /** running mean of |error| per device */
  readonly absErr: Float64Array;
  readonly marginEff: Float64Array;
  readonly thrDown: Float64Array;
  readonly thrUp: Float64Array;
  readonly lastSeen: Float64Array;
  readonly nextProbe: Float64Array;
  readonly probeEvery: Float64Array;
  readonly scratch: Float64Array;
  readonly sel: Selection;
  readonly selUp: Selection;
  /** frames decided so far */
  frame: number;
  /** candidate in use (probes excepted), -1 before the first decision */
  cur: number;
  slack: number;
  upHold: number;
  lastUpFrame: number;
  upPending: boolean;
  constraintsChanged: boolean;
  /** consecutive frames over the target */
  viol: number;
  /** observations of `cur` since the last switch */
  sinceSwitch: number;
}

/** A sample this much above the typical slowdown renews a volatile device. */
const VOLATILE_EXCURSION = 1.15;
/** A fast spell this many times longer than any seen in the episode (and at least QUIET_MIN frames) ends it. */
const QUIET_FACTOR = 2.0;
const QUIET_MIN = 12;

/** Whether device d is volatile at frame t: within volatileFrames of its last renewal, and not quiet for longer
 * than any fast spell of this episode. */
function isVolatile(s: PredictiveState, d: number, t: number): boolean {
  const V = s.o.volatileFrames;
  if (V === 0 || t - s.lastShiftUp[d]! > V) return false;
  const since = s.fastSince[d]!;
  return !(since > -Infinity && t - since > Math.max(QUIET_MIN, QUIET_FACTOR * s.longestFast[d]!));
}

/** The slow mode is back (a shift up, or an excursion while volatile): renew, and remember the fast spell. */
function renewVolatile(s: PredictiveState, d: number, t: number, fresh: boolean): void {
  if (fresh) s.longestFast[d] = 0;
  else if (s.fastSince[d]! > -Infinity) s.longestFast[d] = Math.max(s.longestFast[d]!, t - s.fastSince[d]!);
  s.fastSince[d] = -Infinity;
  s.lastShiftUp[d] = t;
}

/** A fresh state: every device as profiled, nothing observed yet. */
export function initialState(set: CandidateSet, c: NormalizedConstraints, o: ResolvedPredictiveOptions): PredictiveState {
  const D = set.devices.length;
  const W = o.window;
  const ones = new Float64Array(D).fill(1);
  return {
    set,
    c,
    o,
    D,
    ring: new Float64Array(D * W),
    err: new Float64Array(D * W),
    count: new Int32Array(D),
    errCount: new Int32Array(D),
    pos: new Int32Array(D),
    est: ones,
    typ: new Float64Array(D).fill(1),
    recent: new Float64Array(D * o.volatileFrames),
    recentPos: new Int32Array(D),
    recentCount: new Int32Array(D),
    lastShiftUp: new Float64Array(D).fill(-Infinity),
    fastSince: new Float64Array(D).fill(-Infinity),
    longestFast: new Float64Array(D),
    sigma: new Float64Array(D).fill(o.initialSigma),
    absErr: new Float64Array(D),
    corr: new Float64Array(set.candidates.length).fill(1),
    corrActive: 0,
    marginEff: new Float64Array(D).fill(o.margin),
    thrDown: new Float64Array(D),
    thrUp: new Float64Array(D),
    lastSeen: new Float64Array(D).fill(-Infinity),
    nextProbe: new Float64Array(D).fill(o.probeEvery),
    probeEvery: new Float64Array(D).fill(o.probeEvery),
    scratch: new Float64Array(W),
    sel: newSelection(),
    selUp: newSelection(),
    frame: 0,
    cur: -1,
    slack: 0,
    upHold: o.upHold,
    lastUpFrame: -Infinity,
    upPending: false,
    constraintsChanged: false,
    viol: 0,
    sinceSwitch: 0,
  };
}

/** Median of the last n samples of device d's ring; scratch is overwritten. */
function medianLast(ring: Float64Array, base: number, W: number, pos: number, n: number, scratch: Float64Array): number {
  // pos = next write slot; the newest sample is at pos-1
  for (let i = 0; i < n; i++) {
    let j = pos - 1 - i;
    if (j < 0) j += W;
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

/** Takes the measured latency of the last frame into the device's estimate. */
export function observe(s: PredictiveState, obs: Observation): void {
  const set = s.set;
  const k = obs.candidate;
  if (!(k >= 0 && k < set.candidates.length)) return;
  const o = s.o;
  if (s.corrActive > 0) decayCorrections(s);
  if (k === s.cur && s.sinceSwitch++ < o.switchTransient) return; // the switch's warm-up, not the device
  const sample = obs.latencyMs / (set.profiledMs[k]! * s.corr[k]!);
  if (!(sample > 0 && Number.isFinite(sample))) return;
  const d = set.deviceOf[k]!;
  const W = o.window;
  const base = d * W;
  const obsFrame = s.frame - 1;
  if (obsFrame - s.lastSeen[d]! > W) {
    // stale (a probe after a long absence): forget the old samples, keep the error statistics
    s.count[d] = 0;
    s.recentCount[d] = 0;
  }
  s.lastSeen[d] = obsFrame;
  const had = s.count[d]!;
  const V = o.volatileFrames;
  const volatile = isVolatile(s, d, obsFrame);
  // one-frame prediction error ln(observed / predicted): the noise the margin must cover
  const en0 = s.errCount[d]!;
  if (had > 0) {
    const e = Math.log(sample / s.typ[d]!);
    s.err[base + (en0 % W)] = e;
    s.errCount[d] = en0 + 1;
  }
  let sigma = s.sigma[d]!;
  // A volatile device is planned at its slow mode, not with the noise margin: the gap between its modes is
  // kept out of the noise estimate, so the margin is right again as soon as the device calms down.
  if (had > 0 && !volatile) {
    // winsorised running mean of |error| (clipped at 3 sigma, so spikes and shifts barely move
    // it); E|e| = 0.798 sigma for normal errors
    const n = s.errCount[d]!;
    const a = n < o.sigmaFrames ? 1 / n : 1 / o.sigmaFrames;
    let ae = Math.abs(s.err[base + (en0 % W)]!);
    const clip = 3 * sigma;
    if (ae > clip) ae = clip;
    s.absErr[d] = s.absErr[d]! + a * (ae - s.absErr[d]!);
    if (n >= 8) {
      sigma = s.absErr[d]! / 0.798;
      if (sigma < o.minSigma) sigma = o.minSigma;
      s.sigma[d] = sigma;
    }
  }

  if (V > 0) {
    const rp = s.recentPos[d]!;
    s.recent[d * V + rp] = sample;
    s.recentPos[d] = rp + 1 === V ? 0 : rp + 1;
    if (s.recentCount[d]! < V) s.recentCount[d]!++;
  }

  const p = s.pos[d]!;
  s.ring[base + p] = sample;
  const np = p + 1 === W ? 0 : p + 1;
  s.pos[d] = np;
  let cnt = had + 1 > W ? W : had + 1;

  // Level shift: the last `changeSamples` errors all beyond changeSigmas * sigma, same side.
  const F = o.changeSamples;
  if (had >= F && s.errCount[d]! >= F) {
    const lim = o.changeSigmas * sigma;
    let up = 0;
    let down = 0;
    const ec = s.errCount[d]!;
    for (let i = 1; i <= F; i++) {
      const e = s.err[base + ((ec - i) % W)]!;
      if (e > lim) up++;
      else if (e < -lim) down++;
    }
    if (up === F && k === s.cur && obsFrame - s.lastUpFrame < F + o.switchTransient && !volatile) {
      // The shift came with an up-move to k: k is slower than its profile, not the device.
      // Learn the ratio for k and drop its samples from the device's estimate.
      let sum = 0;
      for (let i = 1; i <= F; i++) sum += s.err[base + ((ec - i) % W)]!;
      s.corr[k] = s.corr[k]! * Math.exp(sum / F);
      s.corrActive++;
      s.pos[d] = (np - F + W) % W;
      s.count[d] = had + 1 - F > 0 ? had + 1 - F : 0;
      s.errCount[d] = ec - F;
      return;
    }
    if (up === F || down === F) cnt = F; // keep only the samples after the shift
    if (V > 0 && up === F) renewVolatile(s, d, obsFrame, !volatile);
    else if (volatile && down === F && s.fastSince[d] === -Infinity) s.fastSince[d] = obsFrame - F + 1;
  }
  // While volatile, a lone excursion well above the typical slowdown (the slow mode coming back) renews it.
  if (volatile && sample > s.typ[d]! * VOLATILE_EXCURSION && s.lastShiftUp[d] !== obsFrame) renewVolatile(s, d, obsFrame, false);
  // Confirmed violations of the target: the estimate is at least what they imply.
  const t = s.c.targetMs;
  if (obs.latencyMs > t) s.viol++;
  else s.viol = 0;
  s.count[d] = cnt;
  let est = medianLast(s.ring, base, W, np, cnt < o.estSamples ? cnt : o.estSamples, s.scratch);
  s.typ[d] = est;
  if (s.viol >= F) {
    let lo = Infinity;
    for (let i = 1; i <= F; i++) {
      let j = np - i;
      if (j < 0) j += W;
      const v = s.ring[base + j]!;
      if (v < lo) lo = v;
    }
    if (lo > est) est = lo;
  }
  const stillVolatile = isVolatile(s, d, obsFrame);
  if (stillVolatile) {
    const hi = secondLargest(s.recent, d * V, V, s.recentPos[d]!, s.recentCount[d]!);
    if (hi > est) est = hi;
  }
  s.est[d] = est;
  let m = o.margin;
  // While volatile the estimate already sits at the slow mode; the spread between the modes is not noise.
  if (o.adaptiveMargin && !stillVolatile) {
    const am = 1 - Math.exp(-o.z * sigma);
    if (am > m) m = am > o.maxMargin ? o.maxMargin : am;
  }
  s.marginEff[d] = m;
}

/** Second largest of the last n samples of a ring (the largest when n = 1): one lone spike is ignored. */
function secondLargest(ring: Float64Array, base: number, V: number, pos: number, n: number): number {
  let first = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < n; i++) {
    let j = pos - 1 - i;
    if (j < 0) j += V;
    const v = ring[base + j]!;
    if (v > first) {
      second = first;
      first = v;
    } else if (v > second) second = v;
  }
  return n === 1 ? first : second;
}

function decayCorrections(s: PredictiveState): void {
  const corr = s.corr;
  const a = s.o.corrDecay;
  let active = 0;
  for (let i = 0; i < corr.length; i++) {
    const v = corr[i]!;
    if (v === 1) continue;
    const nv = 1 + (v - 1) * a;
    if (Math.abs(nv - 1) < 1e-3) corr[i] = 1;
    else {
      corr[i] = nv;
      active++;
    }
  }
  s.corrActive = active;
}
