import { predictivePolicy, type CandidateSet } from '../../lib';
import { makeTrace, rng } from '../../lib/lab';
import { NETS6, NETS6_FAST } from './fixtures';
import { drive, jitter, type Step } from './helpers';

const CPU = [{ device: 'cpu', subnets: NETS6 }];
const TARGET = 70;
const lat = (set: CandidateSet, k: number, slow: number, t: number): number => set.profiledMs[k]! * slow * jitter(t);
const subnetOf = (set: CandidateSet, s: Step): number => set.candidates[s.decision.candidate]!.subnet;
const switches = (steps: Step[]): number => steps.filter((s, i) => i > 0 && s.decision.candidate !== steps[i - 1]!.decision.candidate).length;

describe('predictive policy on synthetic traces', () => {
  test('idle: most accurate sub-network from the first frame, no switch', () => {
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 300, (t, k, s) => lat(s, k, 1, t));
    expect(steps[0]!.decision.reason).toBe('initial');
    expect(steps.every((s) => subnetOf(set, s) === 5)).toBe(true);
    expect(steps.every((s) => s.latencyMs <= TARGET)).toBe(true);
  });

  test('step contention: jumps down within the reaction window, holds, returns after it ends', () => {
    const slow = (t: number): number => (t >= 100 && t < 300 ? 1.3 : 1);
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 500, (t, k, s) => lat(s, k, slow(t), t));
    // before: L5; frames 100,101 may miss; from 103 on every frame meets until contention ends
    expect(steps.slice(0, 100).every((s) => subnetOf(set, s) === 5)).toBe(true);
    const during = steps.slice(103, 300);
    expect(during.every((s) => s.latencyMs <= TARGET)).toBe(true);
    // jumped straight down (one or two switches, not a level per 20 frames)
    expect(switches(steps.slice(99, 110))).toBeLessThanOrEqual(2);
    expect(steps.slice(100, 103).some((s) => s.decision.reason === 'step-down')).toBe(true);
    // ran the most accurate sub-network that fits with margin (L2: 49.4*1.3 = 64.3 ms) for most of it
    const l2 = during.filter((s) => subnetOf(set, s) === 2).length;
    expect(l2 / during.length).toBeGreaterThan(0.8);
    // no oscillation during the contention
    expect(switches(steps.slice(110, 300))).toBeLessThanOrEqual(2);
    // after: back to L5 after sustained slack (hysteresis), not at once, within 20 frames
    const back = steps.findIndex((s, i) => i >= 300 && subnetOf(set, s) === 5);
    expect(back).toBeGreaterThan(305);
    expect(back).toBeLessThan(320);
    expect(steps[back]!.decision.reason).toBe('step-up');
  });

  test('spikes: a lone 2.5x frame changes nothing', () => {
    const spikes = new Set([50, 120, 121 + 40, 250]);
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 300, (t, k, s) =>
      lat(s, k, spikes.has(t) ? 2.5 : 1, t),
    );
    expect(steps.every((s) => subnetOf(set, s) === 5)).toBe(true);
    expect(steps.filter((s) => s.latencyMs > TARGET).length).toBe(spikes.size);
  });

  test('a moderate shift that violates the target steps down within 3 frames', () => {
    // a shift too small for the change detector's first sample but violating the target
    const slow = (t: number): number => (t >= 100 ? 1.16 : 1);
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 140, (t, k, s) => lat(s, k, slow(t), t));
    const firstDown = steps.findIndex((s) => s.decision.reason === 'step-down');
    expect(firstDown).toBeGreaterThanOrEqual(101);
    expect(firstDown).toBeLessThanOrEqual(103);
    expect(subnetOf(set, steps[firstDown]!)).toBeLessThan(5);
  });

  test('ramp: follows a slow rise and fall without oscillating, meets >= 99 %', () => {
    const slow = (t: number): number => (t < 100 ? 1 : t < 200 ? 1 + (0.5 * (t - 100)) / 100 : t < 400 ? 1.5 : t < 500 ? 1.5 - (0.5 * (t - 400)) / 100 : 1);
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 700, (t, k, s) => lat(s, k, slow(t), t));
    const met = steps.filter((s) => s.latencyMs <= TARGET).length / steps.length;
    expect(met).toBeGreaterThanOrEqual(0.99);
    // on the way up it only steps down; on the way down it only steps up
    expect(steps.slice(100, 200).filter((s) => s.decision.reason === 'step-up').length).toBe(0);
    expect(steps.slice(400, 520).filter((s) => s.decision.reason === 'step-down').length).toBe(0);
    expect(subnetOf(set, steps[650]!)).toBe(5);
    expect(subnetOf(set, steps[300]!)).toBeLessThanOrEqual(1); // 1.5x: L1 = 68 ms is too close, L0 = 61.7
  });

  test('noise: lognormal 5 % jitter with room to spare: stays put', () => {
    const tr = makeTrace({ frames: 2000, noiseSigma: 0.05, seed: 7 });
    const { steps } = drive(CPU, { latencyTargetMs: 75 }, predictivePolicy(), 2000, (t, k, s) => s.profiledMs[k]! * tr.noise[0]![t]!);
    expect(switches(steps)).toBeLessThanOrEqual(2);
    expect(steps.filter((s) => s.latencyMs <= 75).length / 2000).toBeGreaterThanOrEqual(0.99);
  });

  test('noise: a level right at the margin does not flap (hysteresis), deadlines still met', () => {
    // L5 (61.7 ms) with 5 % noise against 70 ms sits at the ~11 % adaptive margin
    const tr = makeTrace({ frames: 2000, noiseSigma: 0.05, seed: 7 });
    const policy = (o = {}): ReturnType<typeof predictivePolicy> => predictivePolicy(o);
    const run = (p: ReturnType<typeof predictivePolicy>): Step[] =>
      drive(CPU, { latencyTargetMs: TARGET }, p, 2000, (t, k, s) => s.profiledMs[k]! * tr.noise[0]![t]!).steps;
    const withHysteresis = run(policy());
    const without = run(policy({ upHoldFrames: 0, upExtraMargin: 0 }));
    expect(switches(withHysteresis)).toBeLessThanOrEqual(13); // at most one round trip per ~300 frames (2000 / 300 * 2)
    expect(switches(without)).toBeGreaterThan(3 * switches(withHysteresis));
    expect(withHysteresis.filter((s) => s.latencyMs <= TARGET).length / 2000).toBeGreaterThanOrEqual(0.99);
  });

  test('target change mid-run: jumps straight to the best for the new target, both ways', () => {
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 300, (t, k, s) => lat(s, k, 1, t), {
      100: { latencyTargetMs: 50 },
      200: { fps: 1000 / TARGET },
    });
    expect(subnetOf(set, steps[99]!)).toBe(5);
    expect(steps[100]!.decision.reason).toBe('constraints-changed');
    // 50 ms with a >= 5 % margin: L1 (45.4 ms) is the most accurate that fits
    expect(subnetOf(set, steps[100]!)).toBe(1);
    expect(steps.slice(100, 200).every((s) => s.latencyMs <= 50)).toBe(true);
    expect(steps[200]!.decision.reason).toBe('constraints-changed');
    expect(subnetOf(set, steps[200]!)).toBe(5);
  });

  test('a device taken and freed: moves to the other device, probes, comes back', () => {
    const fams = [
      { device: 'cpu', subnets: NETS6 },
      { device: 'gpu', subnets: NETS6_FAST },
    ];
    const gpuSlow = (t: number): number => (t >= 200 && t < 600 ? 5 : 1);
    const { set, steps } = drive(fams, { latencyTargetMs: TARGET }, predictivePolicy(), 1200, (t, k, s) =>
      lat(s, k, s.deviceOf[k] === 1 ? gpuSlow(t) : 1, t),
    );
    const dev = (s: Step): string => set.candidates[s.decision.candidate]!.device;
    const acc = (s: Step): number => set.candidates[s.decision.candidate]!.accuracy;
    // free GPU: the most accurate sub-network, on the GPU (faster for the same accuracy)
    const free = steps.slice(0, 200).filter((s) => s.decision.reason !== 'probe');
    expect(free.length).toBeGreaterThan(190);
    expect(free.every((s) => dev(s) === 'gpu' && acc(s) === 79.03)).toBe(true);
    // taken: on the CPU's most accurate within 3 frames, apart from probes
    const taken = steps.slice(203, 600).filter((s) => s.decision.reason !== 'probe');
    expect(taken.every((s) => dev(s) === 'cpu' && acc(s) === 79.03)).toBe(true);
    const probes = steps.slice(203, 600).filter((s) => s.decision.reason === 'probe');
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.length).toBeLessThanOrEqual(6); // back-off
    expect(probes.every((s) => dev(s) === 'gpu' && set.candidates[s.decision.candidate]!.subnet === 0)).toBe(true);
    // freed at 600: noticed by a probe and used again
    const back = steps.findIndex((s, i) => i >= 600 && dev(s) === 'gpu' && s.decision.reason !== 'probe');
    expect(back).toBeGreaterThan(600);
    expect(back).toBeLessThan(600 + 300);
    expect(steps.slice(back, 1200).every((s) => dev(s) === 'gpu' || s.decision.reason === 'probe')).toBe(true);
  });

  test('nothing meets the target: runs the fastest and reports it', () => {
    const fams = [
      { device: 'cpu', subnets: NETS6 },
      { device: 'gpu', subnets: NETS6_FAST },
    ];
    const { set, steps } = drive(fams, { latencyTargetMs: 40 }, predictivePolicy(), 400, (t, k, s) =>
      lat(s, k, s.deviceOf[k] === 1 ? (t >= 100 ? 6 : 1) : 1, t),
    );
    expect(steps[50]!.decision.conflict).toBeNull();
    const late = steps.slice(110, 400).filter((s) => s.decision.reason !== 'probe');
    expect(late.every((s) => s.decision.conflict === 'latency-target-unreachable')).toBe(true);
    expect(late.every((s) => set.candidates[s.decision.candidate]!.device === 'cpu' && set.candidates[s.decision.candidate]!.subnet === 0)).toBe(
      true,
    );
  });

  test('conflicting constraints are reported with a typed reason', () => {
    const run = (c: Parameters<typeof drive>[1]): { sub: number; conflict: string | null } => {
      const { set, steps } = drive(CPU, c, predictivePolicy(), 30, (t, k, s) => lat(s, k, 1, t));
      const last = steps[29]!;
      return { sub: set.candidates[last.decision.candidate]!.subnet, conflict: last.decision.conflict };
    };
    expect(run({ latencyTargetMs: TARGET, accuracyFloor: 80 })).toEqual({ sub: 5, conflict: 'accuracy-floor-unreachable' });
    expect(run({ latencyTargetMs: 50, accuracyFloor: 78 })).toEqual({ sub: 1, conflict: 'floor-and-target-incompatible' });
    expect(run({ latencyTargetMs: 50, accuracyFloor: 78, objective: 'latency' })).toEqual({ sub: 4, conflict: 'floor-and-target-incompatible' });
    expect(run({ latencyTargetMs: 30 })).toEqual({ sub: 0, conflict: 'latency-target-unreachable' });
    expect(run({ accuracyFloor: 80, objective: 'latency' })).toEqual({ sub: 5, conflict: 'accuracy-floor-unreachable' });
    expect(run({ latencyTargetMs: TARGET, accuracyFloor: 76 })).toEqual({ sub: 5, conflict: null });
  });

  test("objective 'latency': the fastest above the floor", () => {
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET, accuracyFloor: 76, objective: 'latency' }, predictivePolicy(), 100, (t, k, s) =>
      lat(s, k, 1, t),
    );
    expect(steps.every((s) => subnetOf(set, s) === 2 && s.decision.conflict === null)).toBe(true);
  });

  test('a time-shared core (latency flipping between 1x and 1.4x every few frames): planned at the slow mode, not chased', () => {
    // What 3 runnable threads on 2 cores look like under CFS (measured: 1.0x / 2-2.9x in spells of 3-40 frames).
    const phases: boolean[] = [];
    const r = rng(7);
    let slowPhase = true;
    while (phases.length < 400) {
      const len = 3 + Math.floor(r() * 18);
      for (let i = 0; i < len; i++) phases.push(slowPhase);
      slowPhase = !slowPhase;
    }
    const slow = (t: number): number => (t >= 100 && t < 500 && phases[t - 100] ? 1.4 : 1);
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 700, (t, k, s) => lat(s, k, slow(t), t));
    const during = steps.slice(103, 500);
    const missed = during.filter((s) => s.latencyMs > TARGET).length;
    expect(missed / during.length).toBeLessThanOrEqual(0.01);
    // L1 (45.4 * 1.4 = 63.6 ms) is the most accurate that meets the slow mode; it runs most of the time
    expect(during.filter((s) => subnetOf(set, s) === 1).length / during.length).toBeGreaterThan(0.85);
    expect(switches(during)).toBeLessThanOrEqual(4);
    // back to L5 once the flipping has stopped for volatileFrames (48) plus the up-move hold
    const back = steps.findIndex((s, i) => i >= 500 && subnetOf(set, s) === 5);
    expect(back).toBeGreaterThan(500);
    expect(back).toBeLessThan(500 + 48 + 20);
  });

  test('steady contention with a heavy tail: volatile while it lasts, back to L5 soon after it ends', () => {
    // 1.4x with one frame in ten at 1.6x (slices of the scheduler, measured 2.0x with 2.3-2.6x frames)
    const r = rng(11);
    const tail = Array.from({ length: 200 }, () => r() < 0.1);
    const slow = (t: number): number => (t >= 100 && t < 300 ? (tail[t - 100] ? 1.6 : 1.4) : 1);
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 450, (t, k, s) => lat(s, k, slow(t), t));
    // after the reaction window, only the tail's first frames miss: one lone spike is ignored by design, two in
    // the window make it plan for the tail (L1 = 72.7 ms at 1.6x misses; L0 = 65.9 ms meets)
    const missed = steps.slice(103, 300).filter((s) => s.latencyMs > TARGET);
    expect(missed.length).toBeLessThanOrEqual(2);
    expect(steps.slice(140, 300).every((s) => subnetOf(set, s) === 0)).toBe(true);
    // no fast spell was seen while it lasted, so a quiet spell of QUIET_MIN (12) frames ends the volatile state:
    // back to L5 well before volatileFrames (48) have passed
    const back = steps.findIndex((s, i) => i >= 300 && subnetOf(set, s) === 5);
    expect(back).toBeGreaterThan(300);
    expect(back).toBeLessThan(300 + 12 + 8 + 15);
  });

  test('a failed up-move doubles the hold: a wrong profile does not cause periodic violations', () => {
    // L5 really takes 1.2x its profile (74 ms > 70): every try of L5 violates
    const { set, steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 3000, (t, k, s) =>
      lat(s, k, 1, t) * (s.candidates[k]!.subnet === 5 ? 1.2 : 1),
    );
    const tries = steps.filter((s, i) => subnetOf(set, s) === 5 && (i === 0 || subnetOf(set, steps[i - 1]!) !== 5)).length;
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(7);
    expect(steps.filter((s) => s.latencyMs <= TARGET).length / steps.length).toBeGreaterThan(0.99);
  });
});
