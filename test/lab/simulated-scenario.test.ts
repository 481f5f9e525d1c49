import { predictivePolicy, stepwisePolicy } from '../../lib';
import { buildCandidates } from '../../lib/manager/candidates';
import { normalizeConstraints } from '../../lib/manager/constraints';
import { compare, type ContentionSegment, makeTrace, oracleSchedule, type SimulationInput } from '../../lib/lab';
import { NETS6, NETS6_FAST } from '../manager/fixtures';
import { drive } from '../manager/helpers';

const CPU = [{ device: 'cpu', subnets: NETS6 }];
// The benchmark shape: a target the most accurate sub-network meets when idle but not
// under contention; contention starts mid-run and stops later. 3 % lognormal noise plus 0.3 %
// spikes of 1.5-3x (the reference logs show both).
function scenario(factor: number, seed: number, flip?: ContentionSegment['flip']): SimulationInput {
  return {
    models: CPU,
    constraints: { latencyTargetMs: 70, accuracyFloor: 76 },
    trace: makeTrace({
      frames: 1200,
      noiseSigma: 0.03,
      spikes: { probability: 0.003 },
      seed,
      segments: [{ startFrame: 300, endFrame: 700, factor, ...(flip ? { flip } : {}) }],
    }),
  };
}

describe('issue targets on a simulated contention scenario', () => {
  test.each([
    [1.4, 1],
    [1.4, 2],
    [1.4, 3],
    [1.5, 1],
    [1.5, 2],
    [1.5, 3],
  ])('contention %sx, seed %s: predictive >= 99 %% outside reaction, within 1 point of the oracle, beats stepwise on both', (factor, seed) => {
    const res = compare(scenario(factor, seed), [predictivePolicy(), stepwisePolicy()]);
    const p = res.get('predictive')!.summary;
    const s = res.get('stepwise')!.summary;
    const o = res.get('oracle')!.summary;
    expect(p.reactionFrames).toBe(3);
    expect(p.deadlineMetRateOutsideReaction).toBeGreaterThanOrEqual(0.99);
    expect(o.meanAccuracy - p.meanAccuracy).toBeLessThanOrEqual(1);
    expect(p.deadlineMetRateOutsideReaction).toBeGreaterThan(s.deadlineMetRateOutsideReaction);
    expect(p.meanAccuracy).toBeGreaterThan(s.meanAccuracy);
    // recovers: deadline within the reaction window after the start, accuracy after the end
    expect(p.meanDeadlineRecoveryAfterStart).toBeLessThanOrEqual(3);
    expect(p.meanAccuracyRecoveryAfterEnd).toBeLessThanOrEqual(30);
    expect(s.meanDeadlineRecoveryAfterStart).toBeGreaterThan(20);
  });

  test('mild contention (1.3x): still >= 99 % and within 1 point of the oracle; stepwise trades deadlines for accuracy', () => {
    // Known limit, kept visible: at 1.3x L3 (66.4 ms) sits 5 % under the target, inside the 99 %
    // noise margin; stepwise runs it anyway (missing ~5 % of deadlines) and can end with a higher
    // mean accuracy than predictive.
    const res = compare(scenario(1.3, 1), [predictivePolicy(), stepwisePolicy()]);
    const p = res.get('predictive')!.summary;
    const s = res.get('stepwise')!.summary;
    const o = res.get('oracle')!.summary;
    expect(p.deadlineMetRateOutsideReaction).toBeGreaterThanOrEqual(0.99);
    expect(o.meanAccuracy - p.meanAccuracy).toBeLessThanOrEqual(1);
    expect(s.deadlineMetRateOutsideReaction).toBeLessThan(0.97);
  });

  test.each([1, 2, 3, 4])('time-shared CPU (1x / 1.4x spells of 3-20 frames, 10 %% of slow frames 1.12x more), seed %s: >= 99 %%, beats stepwise on deadlines', (seed) => {
    const input = scenario(1.4, seed, { minFrames: 3, maxFrames: 20, excursion: [0.1, 1.12] });
    const chasing = { ...predictivePolicy({ volatileFrames: 0 }), name: 'chasing' };
    const res = compare(input, [predictivePolicy(), chasing, stepwisePolicy()]);
    const p = res.get('predictive')!.summary;
    expect(p.deadlineMetRateOutsideReaction).toBeGreaterThanOrEqual(0.99);
    expect(p.deadlineMetRateOutsideReaction).toBeGreaterThan(res.get('stepwise')!.summary.deadlineMetRateOutsideReaction);
    // planning at the slow mode is what meets the deadlines: without it the estimate chases the spells
    expect(1 - res.get('chasing')!.summary.deadlineMetRateOutsideReaction).toBeGreaterThan(1.5 * (1 - p.deadlineMetRateOutsideReaction));
    // the price: the clairvoyant per-frame oracle runs L5 in every 1x spell, a causal policy cannot
    expect(res.get('oracle')!.summary.meanAccuracy - p.meanAccuracy).toBeLessThan(1.6);
  });

  test('summaries count what they claim', () => {
    const res = compare(scenario(1.5, 4), [predictivePolicy()]);
    const { records, summary } = res.get('predictive')!;
    expect(summary.frames).toBe(1200);
    expect(summary.deadlineMetRate).toBeCloseTo(records.filter((r) => r.met).length / 1200, 12);
    expect(summary.meanAccuracy).toBeCloseTo(records.reduce((a, r) => a + r.accuracy, 0) / 1200, 9);
    expect(summary.onTimeAccuracy).toBeCloseTo(records.reduce((a, r) => a + (r.met ? r.accuracy : 0), 0) / 1200, 9);
    expect(summary.onTimeAccuracy).toBeLessThan(summary.meanAccuracy); // this trace has misses
    const sw = records.filter((r, i) => i > 0 && r.candidate !== records[i - 1]!.candidate).length;
    expect(summary.switches).toBe(sw);
    expect(summary.framesOutsideReaction).toBe(1200 - 2 * 3);
    expect(summary.levels.reduce((a, l) => a + l.frames, 0)).toBe(1200);
    expect(summary.recoveries.map((r) => [r.frame, r.kind])).toEqual([
      [300, 'start'],
      [700, 'end'],
    ]);
  });
});

describe('oracle', () => {
  test('per frame, the most accurate candidate whose latency that frame meets the target', () => {
    const set = buildCandidates(CPU);
    const c = normalizeConstraints({ latencyTargetMs: 60 }, set);
    const slow = [1, 1.2, 2, 0.5];
    const sch = oracleSchedule(set, () => c, 4, (k, t) => set.profiledMs[k]! * slow[t]!);
    expect(Array.from(sch.candidates, (k) => set.candidates[k]!.subnet)).toEqual([4, 2, 0, 5]); // 56.7; 49.4*1.2 = 59.3; none (82 > 60); 61.7*0.5
    expect(sch.conflicts).toEqual([null, null, 'latency-target-unreachable', null]);
  });

  test('latencies that are no multiple of the profile, two devices, the latency objective and its floor', () => {
    const set = buildCandidates([
      { device: 'cpu', subnets: NETS6 },
      { device: 'gpu', subnets: NETS6_FAST },
    ]);
    const at = (device: string, subnet: number): number => set.candidates.findIndex((c) => c.device === device && c.subnet === subnet);
    // frame 0: the gpu busy (3x), the cpu's L5 slowed alone; frame 1: as profiled
    const latency = (k: number, t: number): number => {
      const c = set.candidates[k]!;
      if (t === 1) return set.profiledMs[k]!;
      return c.device === 'gpu' ? 3 * set.profiledMs[k]! : c.subnet === 5 ? 80 : set.profiledMs[k]!;
    };
    const accuracy = normalizeConstraints({ latencyTargetMs: 60 }, set);
    const sch = oracleSchedule(set, () => accuracy, 2, latency);
    expect(Array.from(sch.candidates)).toEqual([at('cpu', 4), at('gpu', 5)]); // cpu L5 is 80 ms; gpu L5 27.8 ms
    const fastest = normalizeConstraints({ latencyTargetMs: 60, objective: 'latency', accuracyFloor: 77 }, set);
    const fast = oracleSchedule(set, () => fastest, 2, latency);
    // the fastest at or above the floor: cpu L3 (51.1) against gpu L3 3 x 23.0 = 68.9; then gpu L3
    expect(Array.from(fast.candidates)).toEqual([at('cpu', 3), at('gpu', 3)]);
    expect(fast.latencyMs[0]).toBeCloseTo(51.079, 6);
    const tight = oracleSchedule(set, () => normalizeConstraints({ latencyTargetMs: 20, objective: 'latency', accuracyFloor: 77 }, set), 2, latency);
    // frame 0: nothing is under 20 ms; frame 1: gpu L0 (18.5) is, but none at or above the floor
    expect(tight.conflicts).toEqual(['latency-target-unreachable', 'floor-and-target-incompatible']);
    expect(Array.from(tight.candidates)).toEqual([at('cpu', 3), at('gpu', 3)]);
  });
});

describe('stepwise (the reference demo rules)', () => {
  const levelOf = (set: ReturnType<typeof buildCandidates>, k: number): number => set.candidates[k]!.subnet;

  test('moving mean of 20 over a warm-up of 21 samples, divisor always 20: first step down at frame 36', () => {
    // constant 100 ms on every level at a 70 ms target: records start at i = 21; the mean
    // r*100/20 exceeds 70 at r = 15 records, i.e. the sample of frame 35, acted on at frame 36
    const { set, steps } = drive(CPU, { latencyTargetMs: 70 }, stepwisePolicy({ initialLevel: 5 }), 80, () => 100);
    const firstDown = steps.findIndex((s) => s.decision.reason === 'step-down');
    expect(firstDown).toBe(36);
    expect(levelOf(set, steps[firstDown]!.decision.candidate)).toBe(4);
    // the next segment restarts the count: one level per 36 frames
    expect(steps.findIndex((s, i) => i > 36 && s.decision.reason === 'step-down')).toBe(72);
  });

  test('samples at or above 1.5x the target are outliers and never recorded', () => {
    const { steps } = drive(CPU, { latencyTargetMs: 70 }, stepwisePolicy({ initialLevel: 5 }), 300, () => 110);
    expect(steps.some((s) => s.decision.reason === 'step-down')).toBe(false);
  });

  test('steps up one level at frame 72 when below trunc(accuracy floor), never for slack', () => {
    const { set, steps } = drive(CPU, { latencyTargetMs: 70, accuracyFloor: 76.9 }, stepwisePolicy({ initialLevel: 1 }), 400, () => 30);
    const ups = steps.filter((s) => s.decision.reason === 'step-up');
    expect(ups.map((s) => s.frame)).toEqual([72]);
    expect(levelOf(set, steps[399]!.decision.candidate)).toBe(2); // 76.134 >= trunc(76.9) = 76
  });

  test('at level 0 and still too slow it stays and reports the conflict', () => {
    const { set, steps } = drive(CPU, { latencyTargetMs: 20 }, stepwisePolicy({ initialLevel: 0 }), 100, () => 25);
    expect(levelOf(set, steps[99]!.decision.candidate)).toBe(0);
    expect(steps[99]!.decision.conflict).toBe('latency-target-unreachable');
  });
});
