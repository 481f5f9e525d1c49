/**
 * measureDecisionCost feeds the policy the observations it describes: latencies with contention switching on and
 * off, and with `signals` the contention signals RuntimeManager passes with sensing on (up while contention is on).
 * What it reports about time is printed by the bench, not tested.
 */
import { predictivePolicy } from '../../lib';
import { measureDecisionCost } from '../../lib/lab';
import type { Observation, Policy } from '../../lib/manager/types';
import { NETS6 } from '../manager/fixtures';

function recording(): { policy: Policy<unknown>; seen: Observation[] } {
  const inner = predictivePolicy() as Policy<unknown>;
  const seen: Observation[] = [];
  const policy: Policy<unknown> = {
    ...inner,
    decide: (s, last) => {
      if (last) seen.push({ ...last });
      return inner.decide(s, last);
    },
  };
  return { policy, seen };
}

describe('measureDecisionCost', () => {
  const models = [{ device: 'cpu', subnets: NETS6 }];

  test('without signals, no observation carries any', () => {
    const { policy, seen } = recording();
    const cost = measureDecisionCost(models, { latencyTargetMs: 70 }, policy, 2000);
    expect(cost).toMatchObject({ policy: 'predictive', signals: false, decisions: 2000 });
    expect(seen.length).toBeGreaterThan(2000);
    expect(seen.some((o) => o.signals !== undefined)).toBe(false);
  });

  test('with signals, every observation carries them, risen while the latencies are slowed', () => {
    const { policy, seen } = recording();
    const cost = measureDecisionCost(models, { latencyTargetMs: 70 }, policy, 2000, true);
    expect(cost.signals).toBe(true);
    expect(seen.every((o) => o.signals?.length === 1)).toBe(true);
    const profiled = new Map(NETS6.map((n, i) => [i, n.latencyMs]));
    for (const o of seen) {
      const slowed = o.latencyMs / profiled.get(o.candidate)! > 1.2;
      expect(o.signals![0]!.load > 0.5).toBe(slowed);
    }
    expect(new Set(seen.map((o) => o.signals![0]!.load)).size).toBe(2);
  });
});
