/**
 * Bursts played on a real machine (bench:scenario's bursty schedules): the seeded plan is the simulated trace's,
 * the timers switch contention on and off at each burst's moments with its strength, and the played times are
 * placed among the frames (first frame, began in the gap or during a frame, end) for the per-burst onset misses.
 */
import { type Contention, makeBurstyTrace, onsetMisses, PacedBursts, placeBursts, planBursts, playBursts } from '../../lib/lab';

describe('planBursts', () => {
  test('draws the bursts the simulated trace of the same spec has, seeded', () => {
    const spec = { frames: 2000, seed: 5 };
    const plan = planBursts(spec);
    const trace = makeBurstyTrace(spec);
    expect(plan.map((b) => [b.start, b.end])).toEqual(trace.bursts.map((b) => [b.start, b.end]));
    expect(plan.every((b) => b.strength >= 0 && b.strength < 1)).toBe(true);
    expect(planBursts(spec)).toEqual(plan);
    expect(planBursts({ frames: 2000, seed: 6 })).not.toEqual(plan);
    // not only on frame boundaries
    expect(plan.some((b) => b.start % 1 > 0.5) && plan.some((b) => b.start % 1 < 0.5)).toBe(true);
  });
});

describe('placeBursts', () => {
  // frames every 10 ms, each running 8 ms: frame t runs over [10t, 10t + 8)
  const starts = Array.from({ length: 10 }, (_, t) => 10 * t);
  const ends = starts.map((s) => s + 8);

  test('a burst that began in the gap has the next frame first; one that began during a frame, that frame', () => {
    const placed = placeBursts([{ on: 19, off: 41 }, { on: 53, off: 70 }], starts, ends);
    expect(placed).toEqual([
      { firstFrame: 2, end: 5, beganInGap: true },
      { firstFrame: 5, end: 7, beganInGap: false },
    ]);
    // the onset misses read them like simulated ones
    const met = [true, true, false, true, true, false, false, true, true, true].map((m) => ({ met: m }));
    expect(onsetMisses(met, placed)).toEqual({ bursts: 2, burstsBeganInGap: 1, firstFrameMissesInGap: 1, firstFrameMissesDuringFrame: 1, laterMisses: 1 });
  });

  test('a burst after the last frame is left out; one still on at the end ends with the run', () => {
    expect(placeBursts([{ on: 85, off: Number.NaN }, { on: 200, off: 210 }], starts, ends)).toEqual([{ firstFrame: 8, end: 10, beganInGap: false }]);
  });
});

describe('playBursts', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('switches contention on and off at each burst\'s moments with its number of processes, and records when', () => {
    const calls: string[] = [];
    const contention = { start: (n?: number) => calls.push(`on ${n}`), stop: () => calls.push('off') } as unknown as Contention;
    const play = playBursts(contention, [{ onMs: 15, offMs: 40, processes: 2 }, { onMs: 55, offMs: 90, processes: 4 }]);
    jest.advanceTimersByTime(14);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['on 2']);
    expect(play.played).toHaveLength(1);
    expect(play.played[0]!.off).toBeNaN();
    jest.advanceTimersByTime(50);
    expect(calls).toEqual(['on 2', 'off', 'on 4']);
    expect(play.played[0]!.off - play.played[0]!.on).toBeCloseTo(25, 0);
    play.stop(); // before the second burst's end: off now, its timer cleared
    jest.advanceTimersByTime(100);
    expect(calls).toEqual(['on 2', 'off', 'on 4', 'off']);
    expect(play.played.map((p) => Number.isNaN(p.off))).toEqual([false, false]);
  });

  test('PacedBursts: each frame at its moment, the bursts played from frame 0 and placed among the frames', async () => {
    const calls: string[] = [];
    const contention = { start: (n?: number) => calls.push(`on ${n}`), stop: () => calls.push('off') };
    const pacer = new PacedBursts(contention, [{ onMs: 15, offMs: 32, processes: 2 }], 10, 5);
    const origin = performance.now();
    const starts: number[] = [];
    for (let t = 0; t < 5; t++) {
      const ready = pacer.beforeFrame(t);
      await jest.advanceTimersByTimeAsync(Math.max(0, origin + 10 * t - performance.now()));
      await ready;
      starts.push(performance.now() - origin);
      jest.advanceTimersByTime(2); // the frame runs 2 ms
      pacer.afterFrame(t);
    }
    expect(starts).toEqual([0, 10, 20, 30, 40]);
    // on at 15 (the gap after frame 1), off at 32 (during frame 3): frames 2 and 3
    expect(pacer.finish()).toEqual([{ firstFrame: 2, end: 4, beganInGap: true }]);
    expect(calls).toEqual(['on 2', 'off', 'off']); // finish() switches off once more, harmlessly
  });
});
