/**
 * Bursty contention (issue 20): another application that comes and goes in seeded random bursts of random
 * strength and length, each starting at a random moment of the frame period (during a frame, or in the gap after
 * it), and what it does to the frames and to the contention signals sampled between them. The per-burst onset
 * misses of a run say what sensing changes: a burst that began in the gap before its first frame can be seen
 * before that frame; one that began during a frame cannot.
 */
import type { FrameRecord } from '../manager/types';
import { type ContentionChange, rng, type SlowdownTrace } from './traces';
import { checkFrames, checkSpec } from './spec-check';

/** One burst, in frame periods: frame t runs over [t, t + runShare) and its decision is taken at time t. */
export interface Burst {
  /** when it starts and ends, in frame periods (fractional) */
  readonly start: number;
  readonly end: number;
  /** slowdown of a frame wholly inside it */
  readonly factor: number;
  /** others' load (share of the device) while it runs */
  readonly load: number;
  /** the first frame that runs while it is on */
  readonly firstFrame: number;
  /** it began in the gap before its first frame (so the signals sampled before that frame can show it) */
  readonly beganInGap: boolean;
}

export interface BurstySpec {
  readonly frames: number;
  readonly seed?: number;
  /** Share of the frame period a frame runs (the rest is the gap the signals are sampled in). Default 0.8. */
  readonly runShare?: number;
  /** Frames between bursts, [min, max]. Default [40, 120]. */
  readonly gapFrames?: readonly [number, number];
  /** Burst length in frames, [min, max]. Default [20, 60]. */
  readonly burstFrames?: readonly [number, number];
  /** Slowdown of a burst, [min, max]; its load rises with it, from loadRange[0] to loadRange[1]. Default [1.2, 1.6]. */
  readonly factor?: readonly [number, number];
  /** Default [0.5, 0.9]. */
  readonly loadRange?: readonly [number, number];
  /** Pressure (PSI share) a burst adds at its strongest, scaled with its slowdown. Default 0.4. */
  readonly pressure?: number;
  /** Idle level of the pressure signal (a virtual machine's host). Default 0. */
  readonly pressureBaseline?: number;
  /** Noise of the signals: uniform +-, share. Default 0.05. */
  readonly signalNoise?: number;
  /** Per-frame lognormal latency noise (sigma of ln). Default 0.03. */
  readonly noiseSigma?: number;
  /**
   * Also the tasks waiting for a core at each sample's moment (a CPU's run queue): 1 while a burst of the weaker
   * half is on, 2 for the stronger half, 0 otherwise. Default false: load and pressure only (an accelerator).
   */
  readonly waiting?: boolean;
}

export interface BurstyTrace extends SlowdownTrace {
  readonly bursts: readonly Burst[];
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** A burst as drawn: when it starts and ends (frame periods, fractional) and its strength (0..1). */
export interface PlannedBurst {
  readonly start: number;
  readonly end: number;
  readonly strength: number;
}

/** The seeded bursts of a schedule: gaps and lengths uniform in their ranges, each starting at a random moment. */
function drawBursts(r: () => number, frames: number, spec: Pick<BurstySpec, 'gapFrames' | 'burstFrames'>): PlannedBurst[] {
  const [gap0, gap1] = spec.gapFrames ?? [40, 120];
  const [len0, len1] = spec.burstFrames ?? [20, 60];
  const bursts: PlannedBurst[] = [];
  for (let t = gap0 + r() * (gap1 - gap0); ; ) {
    const length = len0 + r() * (len1 - len0);
    if (t + length >= frames - 1) break;
    bursts.push({ start: t, end: t + length, strength: r() });
    t += length + gap0 + r() * (gap1 - gap0);
  }
  return bursts;
}

/** The bursts `makeBurstyTrace` would draw for this spec, for a schedule played on a real machine (bench:scenario). */
export function planBursts(spec: Pick<BurstySpec, 'frames' | 'seed' | 'gapFrames' | 'burstFrames'>): PlannedBurst[] {
  checkSpec('burst spec', spec);
  checkFrames(spec.frames);
  return drawBursts(rng(spec.seed ?? 1), spec.frames, spec);
}

/**
 * Where bursts that were played on a real machine fell among the frames: each burst's on and off time and every
 * frame's start (just before its decision, when the signals are sampled) and end, on one clock. Its first frame
 * is the first that ended after it began; it began in the gap when that was before that frame started; it ends
 * (`end`) at the first frame that started after it was off (off NaN: still on at the end).
 */
export function placeBursts(
  played: readonly { readonly on: number; readonly off: number }[],
  frameStart: ArrayLike<number>,
  frameEnd: ArrayLike<number>,
): Pick<Burst, 'firstFrame' | 'end' | 'beganInGap'>[] {
  const n = frameStart.length;
  const out: Pick<Burst, 'firstFrame' | 'end' | 'beganInGap'>[] = [];
  for (const { on, off } of played) {
    let first = 0;
    while (first < n && frameEnd[first]! <= on) first++;
    if (first >= n) continue;
    let end = first;
    const offAt = Number.isNaN(off) ? Infinity : off; // still on when the run ended
    while (end < n && frameStart[end]! < offAt) end++;
    out.push({ firstFrame: first, end, beganInGap: on < frameStart[first]! });
  }
  return out;
}

/** A one-device trace of bursts, with the signals a sampler would read before each frame. */
export function makeBurstyTrace(spec: BurstySpec): BurstyTrace {
  checkSpec('burst spec', spec);
  const frames = spec.frames;
  checkFrames(frames);
  const r = rng(spec.seed ?? 1);
  const run = spec.runShare ?? 0.8;
  const [f0, f1] = spec.factor ?? [1.2, 1.6];
  const [l0, l1] = spec.loadRange ?? [0.5, 0.9];
  const pressureMax = spec.pressure ?? 0.4;
  const pressureIdle = spec.pressureBaseline ?? 0;
  const noise = spec.signalNoise ?? 0.05;
  const sigma = spec.noiseSigma ?? 0.03;
  const bursts: Burst[] = drawBursts(r, frames, spec).map(({ start, end, strength }) => {
    const u = start - Math.floor(start);
    return {
      start,
      end,
      factor: f0 + strength * (f1 - f0),
      load: l0 + strength * (l1 - l0),
      firstFrame: u < run ? Math.floor(start) : Math.floor(start) + 1,
      beganInGap: u >= run,
    };
  });
  const base = new Float64Array(frames).fill(1);
  const load = new Float64Array(frames).fill(NaN);
  const pressure = new Float64Array(frames).fill(NaN);
  const noiseRow = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    let slow = 1;
    let l = 0;
    let p = pressureIdle;
    for (const b of bursts) {
      slow += ((b.factor - 1) * overlap(t, t + run, b.start, b.end)) / run;
      if (t > 0) {
        const seen = overlap(t - 1, t, b.start, b.end);
        l += b.load * seen;
        p += ((pressureMax * (b.factor - 1)) / Math.max(1e-9, f1 - 1)) * seen;
      }
    }
    base[t] = slow;
    if (t > 0) {
      load[t] = Math.min(1, Math.max(0, l + noise * (2 * r() - 1)));
      pressure[t] = Math.min(1, Math.max(0, p + noise * (2 * r() - 1)));
    }
    const u1 = Math.max(r(), 1e-12);
    noiseRow[t] = Math.exp(sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r()));
  }
  const changes: ContentionChange[] = [];
  for (const b of bursts) {
    changes.push({ frame: b.firstFrame, kind: 'start', device: 0 });
    changes.push({ frame: Math.ceil(b.end), kind: 'end', device: 0 });
  }
  let waiting: Float64Array | undefined;
  if (spec.waiting) {
    const w = new Float64Array(frames).fill(NaN);
    for (let t = 1; t < frames; t++) {
      const on = bursts.find((b) => b.start <= t && t < b.end);
      w[t] = on ? (on.factor - f0 < (f1 - f0) / 2 ? 1 : 2) : 0;
    }
    waiting = w;
  }
  return { frames, devices: 1, base: [base], noise: [noiseRow], changes, signals: [waiting ? { load, pressure, waiting } : { load, pressure }], bursts };
}

export interface OnsetMisses {
  readonly bursts: number;
  /** bursts that began in the gap before their first frame (visible to the signals before it) */
  readonly burstsBeganInGap: number;
  /** misses on a burst's first frame, where it began in the gap / during the frame before */
  readonly firstFrameMissesInGap: number;
  readonly firstFrameMissesDuringFrame: number;
  /** misses inside a burst after its first frame */
  readonly laterMisses: number;
  /** of those, the ones the clairvoyant oracle met in the same frames (some level fitted); absent: no oracle given */
  readonly laterMissesOracleMet?: number;
}

/**
 * Per-burst onset misses of a run over bursts (`firstFrame` and `end` in the run's frames). `oracle`: the oracle's
 * records over the same frames (the run's own slowdowns), to tell the later misses a level could have avoided
 * from those where even the fastest level was too slow.
 */
export function onsetMisses(
  records: readonly Pick<FrameRecord, 'met'>[],
  bursts: readonly Pick<Burst, 'firstFrame' | 'end' | 'beganInGap'>[],
  oracle?: readonly Pick<FrameRecord, 'met'>[],
): OnsetMisses {
  let inGap = 0;
  let missGap = 0;
  let missDuring = 0;
  let later = 0;
  let avoidable = 0;
  for (const b of bursts) {
    if (b.beganInGap) inGap++;
    const first = records[b.firstFrame];
    if (first && !first.met) {
      if (b.beganInGap) missGap++;
      else missDuring++;
    }
    for (let t = b.firstFrame + 1; t < Math.min(records.length, Math.ceil(b.end)); t++) {
      if (records[t]!.met) continue;
      later++;
      if (oracle?.[t]?.met) avoidable++;
    }
  }
  const counts = { bursts: bursts.length, burstsBeganInGap: inGap, firstFrameMissesInGap: missGap, firstFrameMissesDuringFrame: missDuring, laterMisses: later };
  return oracle ? { ...counts, laterMissesOracleMet: avoidable } : counts;
}
