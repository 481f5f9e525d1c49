import type { ManagedModel } from '../../lib';
import { oracleFromRecords, runScenario, summarize } from '../../lib/lab';
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
