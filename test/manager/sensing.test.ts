import { predictivePolicy, RuntimeManager, type ContentionSample } from '../../lib';
import { buildCandidates } from '../../lib/manager/candidates';
import { normalizeConstraints } from '../../lib/manager/constraints';
import { NETS6 } from './fixtures';
import { jitter } from './helpers';
import { resolvePredictiveOptions } from '../../lib/manager/policies/predictive-options';
import { contendedFloor, freshRise, initialSensing, learnContendedNoise, learnOnset, plannedSlowdown, readSignals } from '../../lib/manager/policies/predictive-sensing';

const CPU = [{ device: 'cpu', subnets: NETS6 }];
const IDLE: ContentionSample = { load: 0.02, pressure: 0.2 }; // a VM: PSI 20 % at idle
const BUSY: ContentionSample = { load: 0.6, pressure: 0.45 };

/** Drives the predictive policy with a slowdown and signals per frame; signals[t] are sampled before frame t. */
function run(options: Parameters<typeof predictivePolicy>[0], frames: number, slow: (t: number) => number, signal: (t: number) => ContentionSample | null) {
  const set = buildCandidates(CPU);
  const policy = predictivePolicy(options);
  const state = policy.init(set, normalizeConstraints({ latencyTargetMs: 70 }, set));
  const out: { level: number; latencyMs: number; reason: string }[] = [];
  let last: { candidate: number; latencyMs: number } | null = null;
  for (let t = 0; t < frames; t++) {
    const d = policy.decide(state, last ? { ...last, signals: [signal(t)] } : null);
    const latencyMs = set.profiledMs[d.candidate]! * slow(t) * jitter(t, 0.01);
    out.push({ level: set.candidates[d.candidate]!.subnet, latencyMs, reason: d.reason });
    last = { candidate: d.candidate, latencyMs };
  }
  return out;
}

describe('the predictive policy with contention signals', () => {
  // 1.5x from frame 100 on; the burst began in the gap before frame 100, so the signals sampled before it show it
  const slow = (t: number): number => (t >= 100 && t < 160 ? 1.5 : 1);
  const signal = (t: number): ContentionSample => (t >= 100 && t <= 160 ? BUSY : IDLE);

  test('a rise seen in the gap: the frame it precedes is planned at the prior slowdown, and meets the target', () => {
    const on = run({}, 200, slow, signal);
    const off = run({ sensing: false }, 200, slow, signal);
    expect(on[99]!.level).toBe(5);
    expect(on[100]!.reason).toBe('step-down');
    expect(on[100]!.latencyMs).toBeLessThanOrEqual(70);
    // without the signals the first contended frame runs on the idle level and misses
    expect(off[100]!.level).toBe(5);
    expect(off[100]!.latencyMs).toBeGreaterThan(70);
    const misses = (r: typeof on): number => r.slice(100, 160).filter((f) => f.latencyMs > 70).length;
    expect(misses(on)).toBe(0);
    expect(misses(off)).toBeGreaterThanOrEqual(1);
  });

  test('signals back to idle: steps up within sensingUpHoldFrames + the switch transient, not upHoldFrames', () => {
    const on = run({}, 220, slow, signal);
    const off = run({ sensing: false }, 220, slow, signal);
    const backUp = (r: typeof on): number => r.findIndex((f, t) => t > 161 && f.level === 5);
    expect(backUp(on)).toBeGreaterThan(160);
    expect(backUp(on)).toBeLessThanOrEqual(161 + 2 + 1 + 2);
    expect(backUp(off) - backUp(on)).toBeGreaterThanOrEqual(4);
  });

  test('a slow frame the signals back is a shift at once, not an outlier that runs again', () => {
    // the burst began during frame 100 (nothing to see before it): frame 100 is slow, the signals after it rise
    const during = (t: number): ContentionSample => (t >= 101 && t <= 160 ? BUSY : IDLE);
    const on = run({}, 140, slow, during);
    const off = run({ sensing: false }, 140, slow, during);
    expect(on[100]!.latencyMs).toBeGreaterThan(70); // cannot be seen
    expect(on[101]!.latencyMs).toBeLessThanOrEqual(70);
    expect(off[101]!.latencyMs).toBeGreaterThan(70); // the robust estimator waits for a second slow frame
  });

  test('learns the slowdown a rise caused: a later rise of the same kind is planned at it, not at the prior', () => {
    const twice = (t: number): number => ((t >= 100 && t < 160) || (t >= 300 && t < 360) ? 1.15 : 1);
    const sig = (t: number): ContentionSample => ((t >= 100 && t <= 160) || (t >= 300 && t <= 360) ? BUSY : IDLE);
    const on = run({}, 400, twice, sig);
    // first rise: the prior (2x) plans far down; the second: the learned ~1.15x keeps a higher level
    expect(on[300]!.level).toBeGreaterThan(on[100]!.level);
    expect(on[300]!.latencyMs).toBeLessThanOrEqual(70);
  });

  test('two signals each part of the way up, agreeing, are a rise; either alone is not', () => {
    // a burst that began late in the gap before frame 100: each signal moves 0.07 (sensingLoadRise and
    // sensingPressureRise are 0.1)
    const partial = (load: number, pressure: number) => (t: number): ContentionSample =>
      t === 100 ? { load: IDLE.load + load, pressure: IDLE.pressure + pressure } : t > 100 && t <= 160 ? BUSY : IDLE;
    const both = run({}, 120, slow, partial(0.07, 0.07));
    const loadOnly = run({}, 120, slow, partial(0.07, 0));
    const pressureOnly = run({}, 120, slow, partial(0, 0.07));
    expect(both[100]!.reason).toBe('step-down');
    expect(both[100]!.latencyMs).toBeLessThanOrEqual(70);
    for (const r of [loadOnly, pressureOnly]) {
      expect(r[100]!.level).toBe(5);
      expect(r[100]!.latencyMs).toBeGreaterThan(70);
    }
  });

  test('a rise\'s first three samples are planned at least at the onset, and count though they follow a switch', () => {
    const options = resolvePredictiveOptions({ sensingPriorSlowdown: 2 });
    const s = initialSensing(1, options)!;
    readSignals(s, options, [IDLE]);
    readSignals(s, options, [BUSY]);
    readSignals(s, options, [BUSY]); // the rise's second decision: frames wholly inside it from now on
    expect(plannedSlowdown(s, options, 0, 1.1)).toBe(2); // the prior, before any rise was learned
    for (const sample of [1.3, 1.5]) {
      expect(freshRise(s, 0)).toBe(true); // the estimator takes this sample even right after a switch
      learnOnset(s, 0, sample);
      expect(plannedSlowdown(s, options, 0, 1.1)).toBe(2);
    }
    expect(freshRise(s, 0)).toBe(true);
    learnOnset(s, 0, 1.4);
    // three samples in: the rise taught its largest (replacing the prior), and the estimate plans alone
    expect(freshRise(s, 0)).toBe(false);
    expect(plannedSlowdown(s, options, 0, 1.1)).toBe(1.1);
    expect(s.onsetSlowdown[0]).toBe(1.5);
  });

  test('sampled every few frames only (the cost budget): a rise stands until the next sample, and counts its decisions', () => {
    const options = resolvePredictiveOptions({});
    const s = initialSensing(1, options)!;
    readSignals(s, options, [IDLE]);
    readSignals(s, options, [BUSY]);
    readSignals(s, options, [null]); // skipped: still rising, its second decision
    expect(s.rising[0]).toBe(1);
    expect(s.riseDecisions[0]).toBe(2);
    learnOnset(s, 0, 1.3); // a frame wholly inside the rise teaches the onset though no sample came since
    expect(s.contendedSamples[0]).toBe(1);
    readSignals(s, options, [IDLE]);
    readSignals(s, options, [null]);
    expect(s.rising[0]).toBe(0);
    expect(s.idleDecisions[0]).toBe(2); // the quick step-up window counts decisions, sampled or not
  });

  test('a weaker rise moves the learned onset down only part of the way (planned at about the strongest recent rise)', () => {
    // rises of 1.5x, then 1.1x, then 1.5x begun late in frame 400 (1.15x): frame 401 is planned near 1.5x, not 1.1x
    const rises = [[100, 1.5], [250, 1.1], [400, 1.5]] as const;
    const within = (t: number): number => (t === 400 ? 1.15 : rises.find(([s]) => t >= s && t < s + 40)?.[1] ?? 1);
    const sig = (t: number): ContentionSample => (rises.some(([s]) => t >= s + 1 && t <= s + 40) ? BUSY : IDLE);
    const on = run({}, 500, within, sig);
    expect(on[401]!.reason).toBe('step-down');
    for (let t = 401; t < 440; t++) expect(on[t]!.latencyMs).toBeLessThanOrEqual(70);
  });

  test('the baseline is the recent one: a high but steady pressure is not a rise', () => {
    const steady: ContentionSample = { load: 0.05, pressure: 0.35 };
    const r = run({}, 200, () => 1, () => steady);
    expect(r.every((f) => f.level === 5)).toBe(true); // against absolute values, 0.35 would be a rise at once
  });

  test('where tasks waiting for a core are counted, they alone decide: noise in the averages with none waiting is no rise', () => {
    // idle: a kernel thread's tick reads as 0.17 of a 30 ms interval every few frames, a VM's PSI spikes to 0.3;
    // a 1-process burst on a spare core raises the load (0.5) but leaves nobody waiting and slows nothing
    const every = (t: number, n: number, salt: number): boolean => ((t * 2654435761 + salt) >>> 0) % n === 0; // irregular
    const noisy = (t: number): ContentionSample => ({
      load: t >= 100 && t < 160 ? 0.5 : every(t, 10, 1) ? 0.17 : 0,
      pressure: every(t, 20, 7) ? 0.3 : 0.02,
      waiting: 0,
    });
    const counted = run({}, 200, () => 1, noisy);
    expect(counted.every((f) => f.level === 5)).toBe(true);
    // the averages alone take the same noise for rises and step down for nothing
    const averages = run({}, 200, () => 1, (t) => ({ load: noisy(t).load, pressure: noisy(t).pressure }));
    expect(averages.filter((f) => f.level < 5).length).toBeGreaterThan(20);
    // one task waiting (a burst begun a moment before the sample) is a rise though the averages have not moved
    const late = run({}, 200, slow, (t) => ({ load: 0, pressure: 0.02, waiting: t >= 100 && t <= 160 ? 1 : 0 }));
    expect(late[100]!.reason).toBe('step-down');
    expect(late[100]!.latencyMs).toBeLessThanOrEqual(70);
  });

  test('rises of different strength are learned apart: each is planned at what its own kind caused', () => {
    const options = resolvePredictiveOptions({ sensingPriorSlowdown: 2 });
    const s = initialSensing(1, options)!;
    const rise = (waiting: number, samples: readonly number[]): void => {
      readSignals(s, options, [{ load: 0, pressure: 0, waiting }]);
      readSignals(s, options, [{ load: 0, pressure: 0, waiting }]);
      for (const sample of samples) learnOnset(s, 0, sample);
    };
    readSignals(s, options, [{ load: 0, pressure: 0, waiting: 0 }]);
    rise(1, []);
    expect(s.riseLevel[0]).toBe(1);
    expect(plannedSlowdown(s, options, 0, 1)).toBe(2); // the prior of one task waiting
    rise(1, [1.5, 1.4, 1.3]); // the level-1 rise taught 1.5
    readSignals(s, options, [{ load: 0, pressure: 0, waiting: 0 }]);
    rise(2, []);
    expect(s.riseLevel[0]).toBe(2);
    expect(plannedSlowdown(s, options, 0, 1)).toBe(2); // two waiting, not seen yet: the weaker rise's excess (0.5) twice
    learnOnset(s, 0, 2.2);
    learnOnset(s, 0, 2.1);
    learnOnset(s, 0, 2.0);
    readSignals(s, options, [{ load: 0, pressure: 0, waiting: 0 }]);
    rise(1, []);
    expect(plannedSlowdown(s, options, 0, 1)).toBe(1.5); // a weaker rise again: not the stronger one's 2.2
    // another contender joins during the rise: a new, stronger rise, planned at its onset again
    learnOnset(s, 0, 1.5);
    learnOnset(s, 0, 1.5);
    learnOnset(s, 0, 1.5);
    expect(plannedSlowdown(s, options, 0, 1.5)).toBe(1.5);
    readSignals(s, options, [{ load: 0, pressure: 0, waiting: 2 }]);
    expect(plannedSlowdown(s, options, 0, 1.5)).toBe(2.2);
    // a level never seen: the largest the learned ones imply (2.2 at two waiting: 1 + 1.2 * 3 / 2)
    readSignals(s, options, [{ load: 0, pressure: 0, waiting: 0 }]);
    rise(3, []);
    expect(plannedSlowdown(s, options, 0, 1)).toBeCloseTo(2.8, 12);
    // and a weaker level not seen yet, from a stronger one: 1 + 1.2 / 2
    const fresh = initialSensing(1, options)!;
    for (const waiting of [0, 2, 2]) readSignals(fresh, options, [{ load: 0, pressure: 0, waiting }]);
    for (const sample of [2.2, 2.0, 1.9]) learnOnset(fresh, 0, sample);
    for (const waiting of [0, 1]) readSignals(fresh, options, [{ load: 0, pressure: 0, waiting }]);
    expect(plannedSlowdown(fresh, options, 0, 1)).toBeCloseTo(1.6, 12);
  });

  test('a rise too short to teach its onset fully teaches only a stronger one (a task that came and went is no contender)', () => {
    const options = resolvePredictiveOptions({ sensingPriorSlowdown: 2 });
    const s = initialSensing(1, options)!;
    const at = (waiting: number): void => readSignals(s, options, [{ load: 0, pressure: 0, waiting }]);
    const rise = (samples: readonly number[]): void => {
      at(1);
      at(1);
      for (const sample of samples) learnOnset(s, 0, sample);
      at(0);
    };
    at(0);
    rise([1.1]); // short and weak, before any rise was learned: the prior stands
    at(1);
    expect(plannedSlowdown(s, options, 0, 1)).toBe(2);
    at(0);
    rise([2.0, 1.9, 1.8]); // a whole onset: learned
    rise([1.2]);
    rise([1.3, 1.2]);
    at(1);
    expect(plannedSlowdown(s, options, 0, 1)).toBe(2.0);
    at(0);
    rise([2.6]); // short but stronger: learned
    at(1);
    expect(plannedSlowdown(s, options, 0, 1)).toBe(2.6);
  });

  test('a rise of one sample (a task that came and went) costs the frame it lowered: back up at the next decision', () => {
    const blip = run({}, 120, () => 1, (t) => ({ load: 0, pressure: 0, waiting: t === 100 ? 1 : 0 }));
    expect(blip[100]!.reason).toBe('step-down');
    expect(blip[101]!.level).toBe(5);
    // two samples: a contender, back after the quick hold only
    const two = run({}, 120, () => 1, (t) => ({ load: 0, pressure: 0, waiting: t === 100 || t === 101 ? 1 : 0 }));
    expect(two[102]!.level).toBeLessThan(5);
    expect(two.findIndex((f, t) => t > 101 && f.level === 5)).toBeLessThanOrEqual(102 + 2 + 1);
  });

  test('signals back to idle end a volatile episode: a faster frame soon after the fall is the contention gone', () => {
    // a burst whose first frames are much slower than the rest (planned at that slow mode for a while after)
    const onsetSpike = (t: number): number => (t >= 100 && t < 103 ? 2.2 : t >= 103 && t < 140 ? 1.3 : 1);
    const sig = (t: number): ContentionSample => ({ load: 0, pressure: 0, waiting: t >= 100 && t <= 140 ? 1 : 0 });
    const backUp = (r: ReturnType<typeof run>): number => r.findIndex((f, t) => t > 140 && f.level === 5);
    const on = run({}, 220, onsetSpike, sig);
    const off = run({ sensing: false }, 220, onsetSpike, sig);
    expect(backUp(on)).toBeLessThanOrEqual(141 + 3);
    expect(backUp(off) - backUp(on)).toBeGreaterThanOrEqual(4);
  });

  test("contended frames' own noise: a frame now and then slower than the rise's typical is met after the first frames", () => {
    // two rises of 1.25x (+-4 %) where every 9th frame is 12 % slower still: a time-shared core's lost time slice
    const inRise = (t: number): boolean => (t >= 100 && t < 200) || (t >= 300 && t < 400);
    const spiky = (t: number): number => (inRise(t) ? 1.25 * (t % 2 ? 1.04 : 0.96) * (t % 9 === 0 ? 1.12 : 1) : 1);
    const r = run({}, 500, spiky, (t) => ({ load: 0, pressure: 0, waiting: (t >= 100 && t <= 200) || (t >= 300 && t <= 400) ? 1 : 0 }));
    const misses = r.map((f, t) => (inRise(t) && f.latencyMs > 70 ? t : -1)).filter((t) => t >= 0);
    expect(misses).toEqual([]);
    // planned below the level the typical slowdown alone allows (L2: 49.4 x 1.25 = 61.8 fits 70 with the margin)
    expect(Math.max(...r.slice(310, 400).map((f) => f.level))).toBeLessThanOrEqual(1);
    expect(r.slice(460).every((f) => f.level === 5)).toBe(true); // and back up when the rise is over
  });

  test('contended noise is learned from frames wholly inside a rise and plans them only while one stands', () => {
    const options = resolvePredictiveOptions({});
    const s = initialSensing(1, options)!;
    const at = (waiting: number): void => readSignals(s, options, [{ load: 0, pressure: 0, waiting }]);
    at(0);
    learnContendedNoise(s, 0, 0.5); // idle: not contended noise
    at(1);
    learnContendedNoise(s, 0, 0.5); // the rise's first frame may have begun before it
    expect(s.contendedErrors[0]).toBe(0);
    at(1);
    for (let i = 0; i < 7; i++) learnContendedNoise(s, 0, i % 2 ? -0.2 : 0.2);
    expect(contendedFloor(s, options, 0, 1.5)).toBe(0); // too few seen
    learnContendedNoise(s, 0, 0.2);
    expect(contendedFloor(s, options, 0, 1.5)).toBeCloseTo(1.5 * Math.exp(0.2 / 0.798), 12);
    at(0);
    expect(contendedFloor(s, options, 0, 1.5)).toBe(0); // idle again: the margin alone
    at(1);
    expect(contendedFloor(s, options, 0, 1.5)).toBeCloseTo(1.5 * Math.exp(0.2 / 0.798), 12); // kept for the next rise
    // a rise that has lasted sigmaFrames decisions is in the estimator's own noise statistics
    for (let i = 1; i < options.sigmaFrames; i++) at(1);
    expect(s.riseDecisions[0]).toBe(options.sigmaFrames);
    expect(contendedFloor(s, options, 0, 1.5)).toBeGreaterThan(1.5);
    at(1);
    expect(contendedFloor(s, options, 0, 1.5)).toBe(0);
  });

  test('the volatile episode also ends when the signals fall with the second faster frame (a shift of two samples)', () => {
    // the contention flips between two modes, and its last frame (160) is already fast while the signals still
    // show it: frames 160 and 161 shift the estimate down together, as the signals fall before decision 162
    const flipping = (t: number): number => (t >= 100 && t < 160 ? (t % 3 === 0 ? 1.45 : 1.15) : 1);
    const sig = (t: number): ContentionSample => ({ load: 0, pressure: 0, waiting: t >= 100 && t <= 161 ? 1 : 0 });
    const on = run({}, 260, flipping, sig);
    expect(on.slice(120, 160).every((f) => f.level < 5)).toBe(true); // planned at the slow mode while it lasts
    expect(on.findIndex((f, t) => t > 161 && f.level === 5)).toBeLessThanOrEqual(162 + 2 + 2);
  });

  test('no signals (null or NaN) change nothing', () => {
    const none = run({}, 200, slow, () => null);
    const nan = run({}, 200, slow, () => ({ load: NaN, pressure: NaN }));
    const off = run({ sensing: false }, 200, slow, signal);
    expect(none.map((f) => f.level)).toEqual(off.map((f) => f.level));
    expect(nan.map((f) => f.level)).toEqual(off.map((f) => f.level));
  });
});

describe('RuntimeManager sampling', () => {
  function model(samples: ContentionSample[]) {
    let calls = 0;
    return {
      device: 'cpu',
      subnets: NETS6,
      calls: () => calls,
      contention: (): ContentionSample | null => samples[calls++] ?? null,
      infer: async (_: number, o?: { subnet?: number }) => ({ subnet: o!.subnet!, latencyMs: NETS6[o!.subnet!]!.latencyMs }),
    };
  }

  test("samples each model's contention() before every decision and records the frame's signals", async () => {
    const m = model([IDLE, IDLE, BUSY]);
    const manager = new RuntimeManager(m, { latencyTargetMs: 70 });
    const records: (ContentionSample | null | undefined)[] = [];
    manager.on('frame', (r) => records.push(r.signals));
    for (let i = 0; i < 3; i++) await manager.infer(i);
    expect(m.calls()).toBe(3);
    expect(records).toEqual([IDLE, IDLE, BUSY]);
    expect(manager.sensing).toBe(true);
    // and the policy acted on the rise before frame 2
    expect(manager.current!.subnet).toBeLessThan(5);
  });

  test('sensing: false samples nothing', async () => {
    const m = model([IDLE, IDLE, BUSY]);
    const manager = new RuntimeManager(m, { latencyTargetMs: 70 }, { sensing: false });
    for (let i = 0; i < 3; i++) await manager.infer(i);
    expect(m.calls()).toBe(0);
    expect(manager.sensing).toBe(false);
    expect(manager.current!.subnet).toBe(5);
  });
});
