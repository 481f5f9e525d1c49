import { predictivePolicy, stepwisePolicy, staticPolicy } from '../../lib';
import { compare, makeBurstyTrace, onsetMisses, type SimulationInput } from '../../lib/lab';
import { NETS6 } from '../manager/fixtures';

const CPU = [{ device: 'cpu', subnets: NETS6 }];

function bursty(seed: number, pressureBaseline = 0, waiting = false): SimulationInput & { trace: ReturnType<typeof makeBurstyTrace> } {
  return {
    models: CPU,
    constraints: { latencyTargetMs: 70 },
    trace: makeBurstyTrace({ frames: 3000, seed, factor: [1.2, 1.5], pressureBaseline, waiting }),
  };
}

describe('bursty contention traces', () => {
  test('bursts start at random moments of the frame period; the signals before a frame see only what began before it', () => {
    const tr = makeBurstyTrace({ frames: 3000, seed: 7 });
    expect(tr.bursts.length).toBeGreaterThan(15);
    const inGap = tr.bursts.filter((b) => b.beganInGap).length;
    expect(inGap).toBeGreaterThan(0);
    expect(inGap).toBeLessThan(tr.bursts.length);
    for (const b of tr.bursts) {
      const sig = tr.signals![0]!;
      // the frame before the first frame ran without it
      expect(tr.base[0]![b.firstFrame - 1]).toBe(1);
      // before the first frame the load shows the burst only when it began in the gap
      const seen = b.beganInGap ? b.load * (b.firstFrame - b.start) : 0;
      expect(Math.abs(sig.load[b.firstFrame]! - seen)).toBeLessThanOrEqual(0.05 + 1e-9); // the signal noise
      if (b.beganInGap) expect(seen).toBeGreaterThan(0);
      expect(tr.base[0]![b.firstFrame + 1]).toBeCloseTo(b.factor, 9);
    }
  });

  test('onset misses are counted per burst', () => {
    const met = (misses: number[]) => Array.from({ length: 50 }, (_, t) => ({ met: !misses.includes(t) }));
    const bursts = [
      { firstFrame: 10, end: 20, beganInGap: true },
      { firstFrame: 30, end: 40.5, beganInGap: false },
    ];
    expect(onsetMisses(met([10, 30, 31, 40, 45]), bursts)).toEqual({
      bursts: 2,
      burstsBeganInGap: 1,
      firstFrameMissesInGap: 1,
      firstFrameMissesDuringFrame: 1,
      laterMisses: 2,
    });
    // with the oracle over the same frames: of the later misses (31, 40), the oracle met 40 only
    expect(onsetMisses(met([10, 30, 31, 40, 45]), bursts, met([31, 45])).laterMissesOracleMet).toBe(1);
  });
});

describe('issue 20 targets on simulated bursts (sensing on and off, same trace)', () => {
  const gapMisses = { on: 0, off: 0 };
  test.each([
    [1, 0],
    [2, 0],
    [3, 0.2],
    [4, 0.2],
  ])('seed %s, idle PSI %s: with sensing no miss after a burst\'s first frame, no more first-frame misses where it began in the gap, >= 99 %% met, on-time accuracy at least that without', (seed, psi) => {
    const input = bursty(seed, psi);
    const off = { ...predictivePolicy({ sensing: false }), name: 'predictive-no-sensing' };
    const res = compare(input, [predictivePolicy(), off, stepwisePolicy(), staticPolicy('fastest')]);
    const on = res.get('predictive')!;
    const without = res.get('predictive-no-sensing')!;
    const onOnset = onsetMisses(on.records, input.trace.bursts);
    const offOnset = onsetMisses(without.records, input.trace.bursts);
    // none here; one on a fifth and sixth trace of six (docs/api-guide.md, "Sensing contention")
    expect(onOnset.laterMisses).toBe(0);
    expect(offOnset.laterMisses).toBeGreaterThan(20);
    // a burst that began in the last few hundredths of the period before its frame moves no signal: so not always fewer
    expect(onOnset.firstFrameMissesInGap).toBeLessThanOrEqual(offOnset.firstFrameMissesInGap);
    gapMisses.on += onOnset.firstFrameMissesInGap;
    gapMisses.off += offOnset.firstFrameMissesInGap;
    expect(on.summary.deadlineMetRate).toBeGreaterThanOrEqual(0.99);
    expect(on.summary.onTimeAccuracy).toBeGreaterThanOrEqual(without.summary.onTimeAccuracy);
    expect(on.summary.onTimeAccuracy).toBeGreaterThan(res.get('static-fastest')!.summary.onTimeAccuracy);
  });

  test('over the four traces, fewer first-frame misses where the burst began in the gap', () => {
    expect(gapMisses.off).toBeGreaterThan(0);
    expect(gapMisses.on).toBeLessThan(gapMisses.off);
  });
});

describe('with the tasks waiting for a core counted (a CPU), the same traces', () => {
  test.each([1, 2, 3, 4])('seed %s: every burst that began in the gap is planned for: no miss on its first frame, none after it', (seed) => {
    const input = bursty(seed, seed > 2 ? 0.2 : 0, true);
    const off = { ...predictivePolicy({ sensing: false }), name: 'predictive-no-sensing' };
    const res = compare(input, [predictivePolicy(), off]);
    const on = res.get('predictive')!;
    const onOnset = onsetMisses(on.records, input.trace.bursts);
    const offOnset = onsetMisses(res.get('predictive-no-sensing')!.records, input.trace.bursts);
    expect(onOnset.burstsBeganInGap).toBeGreaterThan(0);
    expect(onOnset.firstFrameMissesInGap).toBe(0);
    expect(offOnset.firstFrameMissesInGap).toBeGreaterThan(0);
    expect(onOnset.laterMisses).toBe(0);
    expect(on.summary.deadlineMetRate).toBeGreaterThanOrEqual(0.99);
    expect(on.summary.onTimeAccuracy).toBeGreaterThanOrEqual(res.get('predictive-no-sensing')!.summary.onTimeAccuracy);
  });
});
