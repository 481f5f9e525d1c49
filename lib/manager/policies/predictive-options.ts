/**
 * The predictive policy's options: what each one means, its default and its valid range. Everything here is
 * checked once, when the policy is made, so that a decision reads plain numbers.
 */
import { ManagerError } from '../../errors';
import { describeValue, isOptionsObject } from '../../util/describe-value';

export interface PredictiveOptions {
  /** Minimum safety margin: a candidate fits when predicted <= target * (1 - margin). Default 0.05. */
  readonly margin?: number;
  /** Widen the margin to cover the observed one-frame prediction error at `quantileZ`. Default true. */
  readonly adaptiveMargin?: boolean;
  /** Upper bound of the adaptive margin. Default 0.4. */
  readonly maxMargin?: number;
  /** z of the latency quantile the adaptive margin covers. Default 2.33 (99 %). */
  readonly quantileZ?: number;
  /** Samples kept per device for the estimates. Default 16. */
  readonly window?: number;
  /** The slowdown estimate is the median of the last N samples since the last level shift. Default 16. */
  readonly estimateSamples?: number;
  /** A level shift is declared when this many consecutive samples deviate the same way... Default 2. */
  readonly changeSamples?: number;
  /** ...by more than this many sigmas of the one-frame prediction error. Default 2.5. */
  readonly changeSigmas?: number;
  /**
   * Observations right after a switch that are not taken as evidence (the first inferences of a sub-network that
   * has not run for a while are slower, its weights cold in the CPU caches). Default 2.
   */
  readonly switchTransientFrames?: number;
  /** Sigma (of ln latency) assumed until 8 errors are known. Default 0.03. */
  readonly initialSigma?: number;
  /** Lower bound of the sigma estimate. Default 0.01. */
  readonly minSigma?: number;
  /** Time constant (frames) of the running sigma estimate; also how long a sensed rise is planned with the
   * contended frames' own noise (docs/api-guide.md, "Sensing contention"). Default 64. */
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
   * Frames a device stays volatile after a level shift up (renewed while its slow mode keeps coming back, ended
   * early by a long fast spell); a volatile device is planned at its slow mode. 0 turns it off. Default 48.
   */
  readonly volatileFrames?: number;
  /** Frames between probes of an unused device (doubles while the probe finds nothing better). Default 32. */
  readonly probeEveryFrames?: number;
  /** Cap of the probe back-off. Default 1024. */
  readonly maxProbeEveryFrames?: number;
  /**
   * Sense contention (docs/api-guide.md, "Sensing contention"): the manager samples each model's contention()
   * before every decision and the policy uses the signals. false: neither. Default true.
   */
  readonly sensing?: boolean;
  /**
   * Without the `waiting` signal (a GPU or DLA load file): others' load this far above its recent baseline (share
   * of the device) is a rise; so are load and pressure each part of the way, their shares of a rise adding up to
   * 1.25. Default 0.1.
   */
  readonly sensingLoadRise?: number;
  /** Without the `waiting` signal: CPU pressure (PSI `some`, share of the time) this far above its recent baseline is a rise. Default 0.1. */
  readonly sensingPressureRise?: number;
  /**
   * This many more tasks waiting for a core than usual are a rise (twice as many: a rise twice as strong, planned
   * at its own onset slowdown). Where a device has the `waiting` signal, it alone decides: the load and pressure
   * averages count a tick of a kernel thread or a virtual machine's host as a rise. Default 1.
   */
  readonly sensingWaitingRise?: number;
  /**
   * Slowdown a rise is planned at before one has been seen on the device (a rise of n levels: 1 + n x (this - 1)).
   * Conservative: a burst's first frames can be slowed well beyond its steady state (busy processes that wake up
   * are scheduled first). Default 3.
   */
  readonly sensingPriorSlowdown?: number;
  /** Frames of slack an up-move waits for once the signals have fallen back to idle. Default 2. */
  readonly sensingUpHoldFrames?: number;
}

/** Predictive options with every default filled in, under their option names. */
export interface ResolvedPredictiveOptions {
  readonly margin: number;
  readonly adaptiveMargin: boolean;
  readonly maxMargin: number;
  readonly quantileZ: number;
  readonly window: number;
  readonly estimateSamples: number;
  readonly changeSamples: number;
  readonly changeSigmas: number;
  readonly switchTransientFrames: number;
  readonly initialSigma: number;
  readonly minSigma: number;
  readonly sigmaFrames: number;
  readonly upHoldFrames: number;
  readonly maxUpHoldFrames: number;
  readonly upExtraMargin: number;
  readonly correctionFrames: number;
  /** Factor a correction's distance from 1 is multiplied by per frame: exp(-1 / correctionFrames). */
  readonly correctionDecay: number;
  readonly volatileFrames: number;
  readonly probeEveryFrames: number;
  readonly maxProbeEveryFrames: number;
  readonly sensing: boolean;
  readonly sensingLoadRise: number;
  readonly sensingPressureRise: number;
  readonly sensingWaitingRise: number;
  readonly sensingPriorSlowdown: number;
  readonly sensingUpHoldFrames: number;
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

/** Fills in the defaults and checks every range; throws ManagerError E_OPTIONS_INVALID naming the option. */
export function resolvePredictiveOptions(o: PredictiveOptions = {}): ResolvedPredictiveOptions {
  if (!isOptionsObject(o)) throw new ManagerError('E_OPTIONS_INVALID', `predictive options must be an object or omitted; got ${describeValue(o)}.`, 'options');
  const margin = opt(o.margin, 0.05, 'margin', 0, 0.9);
  const maxMargin = opt(o.maxMargin, 0.4, 'maxMargin', margin, 0.95);
  const window = opt(o.window, 16, 'window', 3, 256, true);
  const estimateSamples = opt(o.estimateSamples, 16, 'estimateSamples', 1, window, true);
  const changeSamples = opt(o.changeSamples, 2, 'changeSamples', 1, estimateSamples, true);
  const upHoldFrames = opt(o.upHoldFrames, 8, 'upHoldFrames', 0, 1e6, true);
  const probeEveryFrames = opt(o.probeEveryFrames, 32, 'probeEveryFrames', 1, 1e9, true);
  const quantileZ = opt(o.quantileZ, 2.33, 'quantileZ', 0, 10);
  const changeSigmas = opt(o.changeSigmas, 2.5, 'changeSigmas', 0.5, 20);
  const switchTransientFrames = opt(o.switchTransientFrames, 2, 'switchTransientFrames', 0, 100, true);
  const initialSigma = opt(o.initialSigma, 0.03, 'initialSigma', 0, 2);
  const minSigma = opt(o.minSigma, 0.01, 'minSigma', 0, 2);
  const sigmaFrames = opt(o.sigmaFrames, 64, 'sigmaFrames', 1, 1e6, true);
  const maxUpHoldFrames = opt(o.maxUpHoldFrames, 32, 'maxUpHoldFrames', upHoldFrames, 1e9, true);
  const upExtraMargin = opt(o.upExtraMargin, 0.02, 'upExtraMargin', 0, 0.9 - margin);
  const correctionFrames = opt(o.correctionFrames, 2000, 'correctionFrames', 1, 1e12);
  const maxProbeEveryFrames = opt(o.maxProbeEveryFrames, 1024, 'maxProbeEveryFrames', probeEveryFrames, 1e12, true);
  const volatileFrames = opt(o.volatileFrames, 48, 'volatileFrames', 0, 4096, true);
  if (o.sensing !== undefined && typeof o.sensing !== 'boolean') {
    throw new ManagerError('E_OPTIONS_INVALID', `Option sensing must be true or false, got ${String(o.sensing)}.`, 'sensing');
  }
  return {
    margin,
    adaptiveMargin: o.adaptiveMargin ?? true,
    maxMargin,
    quantileZ,
    window,
    estimateSamples,
    changeSamples,
    changeSigmas,
    switchTransientFrames,
    initialSigma,
    minSigma,
    sigmaFrames,
    upHoldFrames,
    maxUpHoldFrames,
    upExtraMargin,
    correctionFrames,
    correctionDecay: Math.exp(-1 / correctionFrames),
    volatileFrames,
    probeEveryFrames,
    maxProbeEveryFrames,
    sensing: o.sensing ?? true,
    sensingLoadRise: opt(o.sensingLoadRise, 0.1, 'sensingLoadRise', 0, 1),
    sensingPressureRise: opt(o.sensingPressureRise, 0.1, 'sensingPressureRise', 0, 1),
    sensingWaitingRise: opt(o.sensingWaitingRise, 1, 'sensingWaitingRise', 0.5, 1024),
    sensingPriorSlowdown: opt(o.sensingPriorSlowdown, 3, 'sensingPriorSlowdown', 1, 100),
    sensingUpHoldFrames: opt(o.sensingUpHoldFrames, Math.min(2, upHoldFrames), 'sensingUpHoldFrames', 0, upHoldFrames, true),
  };
}
