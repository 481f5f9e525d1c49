import { predictivePolicy, RuntimeManager, type ContentionSample } from '../../lib';
import { buildCandidates } from '../../lib/manager/candidates';
import { normalizeConstraints } from '../../lib/manager/constraints';
import { NETS6 } from './fixtures';
import { jitter } from './helpers';
import { resolvePredictiveOptions } from '../../lib/manager/policies/predictive-options';
import { freshRise, initialSensing, learnOnset, plannedSlowdown, readSignals } from '../../lib/manager/policies/predictive-sensing';

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
    const options = resolvePredictiveOptions({});
    const s = initialSensing(1, options)!;
    readSignals(s, options, [IDLE]);
    readSignals(s, options, [BUSY]);
    readSignals(s, options, [BUSY]); // the rise's second decision: frames wholly inside it from now on
    expect(plannedSlowdown(s, 0, 1.1)).toBe(2); // the prior, before any rise was learned
    for (const sample of [1.3, 1.5]) {
      expect(freshRise(s, 0)).toBe(true); // the estimator takes this sample even right after a switch
      learnOnset(s, 0, sample);
      expect(plannedSlowdown(s, 0, 1.1)).toBe(2);
    }
    expect(freshRise(s, 0)).toBe(true);
    learnOnset(s, 0, 1.4);
    // three samples in: the rise taught its largest (replacing the prior), and the estimate plans alone
    expect(freshRise(s, 0)).toBe(false);
    expect(plannedSlowdown(s, 0, 1.1)).toBe(1.1);
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
