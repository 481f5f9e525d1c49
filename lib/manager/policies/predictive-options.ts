/**
 * The predictive policy's options: what each one means, its default and its valid range. Everything here is
 * checked once, when the policy is made, so that a decision reads plain numbers.
 */
import { ManagerError } from '../../errors';

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
   * that has not run for a while are slower, because its weights and activations are cold in the CPU caches
   * (`dynamic-ofa bench` measures how much), and taking them at face value would undo every up-move. Default 2.
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
   * that comes and goes faster than the estimate can follow (a CPU scheduler time-sharing a core flips latency
   * between a fast and a slow mode every few frames) is planned for at its slow mode. While volatile,
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
