import { ManagerError } from '../../errors';
import { fits, LATERAL_GAIN, newSelection, selectBest, type Selection } from '../select';
import type {
  CandidateSet,
  ConflictKind,
  Decision,
  DecisionReason,
  NormalizedConstraints,
  Observation,
  Policy,
} from '../types';

export interface PredictiveOptions {
  /** Minimum safety margin: a candidate fits when predicted <= target * (1 - margin). Default 0.05. */
  readonly margin?: number;
  /**
   * Widen the margin to cover the observed one-frame prediction error (robust sigma of
   * ln(observed / predicted) over the window, at `quantileZ`). Default true.
   */
  readonly adaptiveMargin?: boolean;
  /** Upper bound of the adaptive margin. Default 0.4. */
  readonly maxMargin?: number;
  /** z of the latency quantile the adaptive margin covers. Default 2.33 (99 %). */
  readonly quantileZ?: number;
  /** Samples kept per device for the estimates. Default 16. */
  readonly window?: number;
  /** The slowdown estimate is the median of the last N samples since the last level shift. Default 16. */
  readonly estimateSamples?: number;
  /** A level shift is declared when this many consecutive samples deviate the same way. Default 2. */
  readonly changeSamples?: number;
  /**
   * Observations right after a switch that are not taken as evidence: the first inferences of a sub-network
   * that has not run for a while are slower (its weights and activations are cold in the caches; 1.03-1.77x
   * on the bundled family and 1.16-1.28x on an ImageNet-scale one, measured by `dynamic-ofa bench`; in the
   * contention scenario the bundled family's L5 took 1.4-1.9x for two frames after an up-move), and taking
   * them at face value undoes every up-move. Default 2.
   */
  readonly switchTransientFrames?: number;
  /** ...by more than this many sigmas of the one-frame prediction error. Default 2.5. */
  readonly changeSigmas?: number;
  /** Sigma (of ln latency) assumed until 8 errors are known. Default 0.03. */
  readonly initialSigma?: number;
  /** Lower bound of the sigma estimate. Default 0.01. */
  readonly minSigma?: number;
  /** Time constant (frames) of the running sigma estimate. Default 64. */
  readonly sigmaFrames?: number;
  /** Consecutive frames of predicted slack before moving up. Default 8. */
  readonly upHoldFrames?: number;
  /** The hold doubles after an up-move that had to be undone, up to this. Default 32. */
  readonly maxUpHoldFrames?: number;
  /** Extra margin an up-move needs beyond `margin`. Default 0.02. */
  readonly upExtraMargin?: number;
  /**
   * Time constant (frames) with which a learned per-candidate correction (a sub-network found
   * slower than its profile right after an up-move) fades back to the profile. Default 2000.
   */
  readonly correctionFrames?: number;
  /**
   * After a device gets slower (a level shift up), it stays "volatile" for this many of its frames: contention
   * that comes and goes faster than the estimate can follow (a CPU scheduler time-sharing a core, measured here
   * as latency flipping between 1x and 2-3x every few frames) is planned for at its slow mode. While volatile,
   * the estimate is at least the second largest of the device's samples in this many frames (one lone spike is
   * ignored), so a faster spell does not bring it down; the noise margin is not widened by the gap between the
   * modes; and a slowdown right after an up-move is the device's, not the sub-network's. Every new shift up,
   * and every sample 15 % over the typical slowdown, renews it. It ends this many frames after the last renewal,
   * or sooner when a fast spell lasts twice as long as any seen in the episode (and at least 12 frames): after
   * steady contention the device is trusted again within about 12 frames of it ending. 0 turns it off.
   * Default 48.
   */
  readonly volatileFrames?: number;
  /** Frames between probes of an unused device (doubles while the probe finds nothing better). Default 32. */
  readonly probeEveryFrames?: number;
  /** Cap of the probe back-off. Default 1024. */
  readonly maxProbeEveryFrames?: number;
}

/** Predictive options with every default filled in. */
export interface ResolvedPredictiveOptions {
  switchTransient: number;
  margin: number;
  adaptiveMargin: boolean;
  maxMargin: number;
  z: number;
  window: number;
  estSamples: number;
  changeSamples: number;
  changeSigmas: number;
  initialSigma: number;
  minSigma: number;
  sigmaFrames: number;
  upHold: number;
  maxUpHold: number;
  upExtra: number;
  probeEvery: number;
  maxProbeEvery: number;
  corrDecay: number;
  volatileFrames: number;
}

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

function opt(v: number | undefined, def: number, name: string, min: number, max: number, integer = false): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
    throw new ManagerError(
      'E_OPTIONS_INVALID',
      `Option ${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(x)}.`,
      name,
    );
  }
  return x;
}

export function resolvePredictiveOptions(o: PredictiveOptions = {}): ResolvedPredictiveOptions {
  const margin = opt(o.margin, 0.05, 'margin', 0, 0.9);
  const maxMargin = opt(o.maxMargin, 0.4, 'maxMargin', margin, 0.95);
  const window = opt(o.window, 16, 'window', 3, 256, true);
  const estSamples = opt(o.estimateSamples, 16, 'estimateSamples', 1, window, true);
  const changeSamples = opt(o.changeSamples, 2, 'changeSamples', 1, estSamples, true);
  const upHold = opt(o.upHoldFrames, 8, 'upHoldFrames', 0, 1e6, true);
  const probeEvery = opt(o.probeEveryFrames, 32, 'probeEveryFrames', 1, 1e9, true);
  return {
    margin,
    adaptiveMargin: o.adaptiveMargin ?? true,
    maxMargin,
    z: opt(o.quantileZ, 2.33, 'quantileZ', 0, 10),
    window,
    estSamples,
    changeSamples,
    changeSigmas: opt(o.changeSigmas, 2.5, 'changeSigmas', 0.5, 20),
    switchTransient: opt(o.switchTransientFrames, 2, 'switchTransientFrames', 0, 100, true),
    initialSigma: opt(o.initialSigma, 0.03, 'initialSigma', 0, 2),
    minSigma: opt(o.minSigma, 0.01, 'minSigma', 0, 2),
    sigmaFrames: opt(o.sigmaFrames, 64, 'sigmaFrames', 1, 1e6, true),
    upHold,
    maxUpHold: opt(o.maxUpHoldFrames, 32, 'maxUpHoldFrames', upHold, 1e9, true),
    upExtra: opt(o.upExtraMargin, 0.02, 'upExtraMargin', 0, 0.9 - margin),
    probeEvery,
    corrDecay: Math.exp(-1 / opt(o.correctionFrames, 2000, 'correctionFrames', 1, 1e12)),
    maxProbeEvery: opt(o.maxProbeEveryFrames, 1024, 'maxProbeEveryFrames', probeEvery, 1e12, true),
    volatileFrames: opt(o.volatileFrames, 48, 'volatileFrames', 0, 4096, true),
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

function observe(s: PredictiveState, obs: Observation): void {
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
 *   `upExtraMargin` (the hold doubles after an up-move that had to be undone); when nothing fits
 *   run the fastest and report the conflict.
 * - Devices: an unused allowed device is probed (one frame of its fastest sub-network) every
 *   `probeEveryFrames` frames, the interval doubling while it stays unused, so a freed device is
 *   noticed.
 */
export function predictivePolicy(options: PredictiveOptions = {}): Policy<PredictiveState> {
  const o = resolvePredictiveOptions(options);
  return {
    name: 'predictive',
    init(set: CandidateSet, c: NormalizedConstraints): PredictiveState {
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
    },
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
        return decision(s, cur, 'hold-hysteresis', sel.conflict);
      }
      s.slack = 0;
      return decision(s, cur, 'hold', sel.conflict);
    },
  };
}
