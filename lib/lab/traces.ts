/**
 * Synthetic slowdown traces for simulations: contention segments (steps, ramps, time-shared spells), noise and
 * spikes, generated deterministically from a seed.
 */
import { ManagerError } from '../errors';
import { checkFrames, checkSpec } from './spec-check';

/** Contention on one device: the slowdown factor rises to `factor` at startFrame (linearly over
 * rampFrames), holds, and falls back to 1 by endFrame (over the last rampFrames). Overlapping
 * segments multiply. */
export interface ContentionSegment {
  readonly device?: number;
  readonly startFrame: number;
  readonly endFrame: number;
  readonly factor: number;
  readonly rampFrames?: number;
  /**
   * Time-shared contention, as a CPU scheduler gives it when there are more runnable threads than cores: the
   * slowdown flips between `factor` (sharing a core) and 1 (a core of its own) in spells of `minFrames` to
   * `maxFrames` frames, starting slow. `excursion` ([probability, extra factor]) makes some slow frames slower
   * still, as a loaded scheduler does now and then.
   */
  readonly flip?: { readonly minFrames: number; readonly maxFrames: number; readonly excursion?: readonly [number, number] };
}

export interface SpikeSpec {
  /** Probability per frame and device. */
  readonly probability: number;
  /** Spike factor range [min, max]. Default [1.5, 3]. */
  readonly factor?: readonly [number, number];
}

export interface TraceSpec {
  readonly frames: number;
  readonly devices?: number;
  readonly segments?: readonly ContentionSegment[];
  /** Per-frame multiplicative lognormal noise (sigma of ln). Default 0.03. */
  readonly noiseSigma?: number;
  readonly spikes?: SpikeSpec;
  readonly seed?: number;
}

export type ChangeKind = 'start' | 'end' | 'constraints';

export interface ContentionChange {
  readonly frame: number;
  readonly kind: ChangeKind;
  readonly device: number;
}

export interface SlowdownTrace {
  readonly frames: number;
  readonly devices: number;
  /** base[d][t]: the contention slowdown of device d at frame t (no noise) */
  readonly base: readonly Float64Array[];
  /** noise[d][t]: per-frame multiplicative noise (spikes included) */
  readonly noise: readonly Float64Array[];
  /** frames where contention starts (rises) or ends (falls) */
  readonly changes: readonly ContentionChange[];
  /**
   * signals[d]: the contention signals of device d the manager would sample just before frame t's decision
   * (covering frame t - 1 and the gap after it; NaN: none), and the tasks waiting for a core at that moment where
   * the trace has them. Absent: the trace carries no signals.
   */
  readonly signals?: readonly { readonly load: Float64Array; readonly pressure: Float64Array; readonly waiting?: Float64Array }[];
}

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export function makeTrace(spec: TraceSpec): SlowdownTrace {
  checkSpec('trace spec', spec);
  const frames = spec.frames;
  const D = spec.devices ?? 1;
  checkFrames(frames);
  const r = rng(spec.seed ?? 1);
  const sigma = spec.noiseSigma ?? 0.03;
  const base = Array.from({ length: D }, () => new Float64Array(frames).fill(1));
  const noise = Array.from({ length: D }, () => new Float64Array(frames).fill(1));
  const changes: ContentionChange[] = [];
  for (const s of spec.segments ?? []) {
    const d = s.device ?? 0;
    const row = base[d];
    if (!row) throw new ManagerError('E_DEVICE_UNKNOWN', `segment device ${d} is not in the trace (${D} devices).`, 'device');
    const ramp = s.rampFrames ?? 0;
    const flip = s.flip;
    if (flip && !(Number.isInteger(flip.minFrames) && flip.minFrames >= 1 && Number.isInteger(flip.maxFrames) && flip.maxFrames >= flip.minFrames)) {
      throw new ManagerError('E_OPTIONS_INVALID', `flip spells must be integers with 1 <= minFrames <= maxFrames, got ${flip.minFrames}..${flip.maxFrames}.`, 'flip');
    }
    let slowSpell = true;
    let spellLeft = 0;
    for (let t = Math.max(0, s.startFrame); t < Math.min(frames, s.endFrame); t++) {
      let f = s.factor;
      if (flip) {
        if (spellLeft === 0) {
          if (t > s.startFrame) slowSpell = !slowSpell;
          spellLeft = flip.minFrames + Math.floor(r() * (flip.maxFrames - flip.minFrames + 1));
        }
        spellLeft--;
        if (!slowSpell) f = 1;
        else if (flip.excursion && r() < flip.excursion[0]) f *= flip.excursion[1];
      }
      if (ramp > 0) {
        const up = Math.min(1, (t - s.startFrame + 1) / ramp);
        const down = Math.min(1, (s.endFrame - t) / ramp);
        f = 1 + (s.factor - 1) * Math.min(up, down);
      }
      row[t] = row[t]! * f;
    }
    const rising = s.factor >= 1;
    changes.push({ frame: s.startFrame, kind: rising ? 'start' : 'end', device: d });
    if (s.endFrame < frames) changes.push({ frame: s.endFrame - ramp, kind: rising ? 'end' : 'start', device: d });
  }
  for (let d = 0; d < D; d++) {
    const row = noise[d]!;
    for (let t = 0; t < frames; t++) {
      let n = sigma > 0 ? Math.exp(sigma * gaussian(r)) : 1;
      if (spec.spikes && r() < spec.spikes.probability) {
        const [lo, hi] = spec.spikes.factor ?? [1.5, 3];
        n *= lo + (hi - lo) * r();
      }
      row[t] = n;
    }
  }
  changes.sort((a, b) => a.frame - b.frame);
  return { frames, devices: D, base, noise, changes };
}
