import { type ContentionSample, type ManagedModel, predictivePolicy } from '../../lib';
import { compare, oracleFromRecords, runScenario, simulate, summarize, traceFromRecords } from '../../lib/lab';
import { NETS6 } from '../manager/fixtures';

describe('runScenario (the benchmark/demo runner) with a fake model', () => {
  test('drives the schedule, records every frame, oracle from the recorded slowdown', async () => {
    let contention = 1;
    const model: ManagedModel<number> = {
      device: 'cpu',
      subnets: NETS6,
      infer: async (x, o) => {
        const s = NETS6[o?.subnet ?? 0]!;
        return { subnet: s.index, latencyMs: s.latencyMs * contention * (1 + 0.01 * Math.sin(x)) };
      },
    };
    const seen: number[] = [];
    const res = await runScenario({
      models: model,
      constraints: { latencyTargetMs: 70 },
      frames: 300,
      input: (t) => t,
      schedule: (t) => {
        if (t === 100) {
          contention = 1.4;
          return 'start';
        }
        if (t === 200) {
          contention = 1;
          return 'end';
        }
        if (t === 250) return { latencyTargetMs: 55 };
        return undefined;
      },
      onFrame: (r) => {
        seen.push(r.frame);
      },
    });
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(res.records).toHaveLength(300);
    expect(res.changes).toEqual([
      { frame: 100, kind: 'start' },
      { frame: 200, kind: 'end' },
      { frame: 250, kind: 'constraints' },
    ]);
    expect(res.records[260]!.targetMs).toBe(55);
    expect(res.summary.deadlineMetRateOutsideReaction).toBe(1);
    expect(res.records[150]!.slowdown).toBeCloseTo(1.4, 1);
    const oracle = oracleFromRecords(res.set, res.records, { latencyTargetMs: 70 }, res.constraintChanges);
    expect(oracle.records[50]!.subnet).toBe(5);
    expect(oracle.records[150]!.subnet).toBe(2); // L3: 51.1 * 1.4 = 71.5 > 70; L2: 49.4 * 1.4 = 69.2
    expect(oracle.records[260]!.subnet).toBe(3); // 55 ms at no contention: L3 51.1, L4 56.7 too slow
    expect(oracle.records.every((r) => r.met)).toBe(true);
    // the run's accuracy recovery measured against the oracle
    const s = summarize(res.set, res.records, { changes: res.changes, referenceAccuracy: oracle.records.map((r) => r.accuracy) });
    expect(s.meanAccuracyRecoveryAfterEnd).toBeGreaterThan(3);
    expect(s.meanAccuracyRecoveryAfterEnd).toBeLessThan(40);
  });
});

describe('traceFromRecords: a recorded run as a trace to replay policies on', () => {
  // a burst from frame 100 to 160 that the signals show, a sample skipped every third frame, jittered latencies
  async function liveRun() {
    let frame = 0;
    const model: ManagedModel<number> = {
      device: 'cpu',
      subnets: NETS6,
      infer: async (x, o) => {
        const s = NETS6[o?.subnet ?? 0]!;
        return { subnet: s.index, latencyMs: s.latencyMs * (x >= 100 && x < 160 ? 1.45 : 1) * (1 + 0.02 * Math.sin(x * 1.7)) };
      },
      contention: (): ContentionSample | null =>
        frame % 3 === 2 ? null : { load: frame >= 100 && frame < 160 ? 0.7 : 0.05, pressure: 0.1, waiting: frame >= 100 && frame <= 160 ? 1 : 0 },
    };
    return runScenario({ models: model, constraints: { latencyTargetMs: 70 }, frames: 240, input: (t) => (frame = t), options: { policy: 'predictive' } });
  }

  test('carries the slowdowns and the signals sampled before each frame (NaN where a sample was skipped)', async () => {
    const live = await liveRun();
    const trace = traceFromRecords(live.set, live.records);
    expect(trace.frames).toBe(240);
    expect(trace.base[0]![120]).toBeCloseTo(live.records[120]!.slowdown, 12);
    const sig = trace.signals![0]!;
    const sampled = live.records.findIndex((r, t) => t > 100 && r.signals);
    const skipped = live.records.findIndex((r, t) => t > 100 && r.signals === null);
    expect(sig.waiting![sampled]).toBe(live.records[sampled]!.signals!.waiting);
    expect(sig.load[sampled]).toBe(live.records[sampled]!.signals!.load);
    expect(sig.waiting![skipped]).toBeNaN();
  });

  test('the live policy replayed on its own run decides as it did live; another meets the same contention', async () => {
    const live = await liveRun();
    const input = { set: live.set, constraints: { latencyTargetMs: 70 }, trace: traceFromRecords(live.set, live.records) };
    const replayed = simulate(input, predictivePolicy());
    expect(replayed.records.map((r) => r.candidate)).toEqual(live.records.map((r) => r.candidate));
    expect(replayed.summary.deadlineMetRate).toBe(live.summary.deadlineMetRate);
    // without sensing on the same trace: the burst's first frame runs on the idle level and misses
    const both = compare(input, [predictivePolicy(), { ...predictivePolicy({ sensing: false }), name: 'off' }]);
    expect(both.get('off')!.records[100]!.met).toBe(false);
    expect(both.get('predictive')!.records[100]!.met).toBe(true);
  });
});
