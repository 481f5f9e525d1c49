import { buildCandidates, type ModelSubnets } from '../manager/candidates';
import { normalizeConstraints } from '../manager/constraints';
import type { ContentionSample, Constraints, Observation, Policy } from '../manager/types';
import { percentile } from '../util/latency-stats';

export interface DecisionCost {
  readonly policy: string;
  /** whether every observation carried contention signals (rising with the contention, idle without) */
  readonly signals: boolean;
  readonly decisions: number;
  /** mean cost of one decide() (observation included), microseconds */
  readonly meanUs: number;
  /** slowest 1 % of batches of 1000 decisions, per decision, microseconds */
  readonly p99BatchUs: number;
}

/**
 * Micro-benchmark of a policy's per-inference decision: feeds `decisions` synthetic observations
 * (latency = profiled * slowdown * noise, with contention switching on and off) and times
 * decide() in batches of 1000 (the noise is precomputed, so only the decision is timed). `signals`: every
 * observation also carries the contention signals a sensor would give (others' load and pressure up while the
 * contention is on), as RuntimeManager passes them with sensing on; their sampling is not timed here.
 */
export function measureDecisionCost(
  models: readonly ModelSubnets[],
  constraints: Constraints,
  policy: Policy<unknown>,
  decisions = 200_000,
  signals = false,
): DecisionCost {
  const set = buildCandidates(models);
  const c = normalizeConstraints(constraints, set);
  const state = policy.init(set, c);
  const N = 4096;
  const noise = new Float64Array(N);
  let seed = 12345;
  for (let i = 0; i < N; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    noise[i] = 0.95 + 0.1 * (seed / 0x7fffffff);
  }
  const idle: readonly (ContentionSample | null)[] = [{ load: 0.02, pressure: 0.01, waiting: 0 }];
  const busy: readonly (ContentionSample | null)[] = [{ load: 0.8, pressure: 0.35, waiting: 1 }];
  const obs: { candidate: number; latencyMs: number; signals?: readonly (ContentionSample | null)[] } = { candidate: 0, latencyMs: 0 };
  const batch = 1000;
  const batches = Math.max(1, Math.floor(decisions / batch));
  const perBatch: number[] = [];
  let last: Observation | null = null;
  // warm-up (JIT)
  for (let i = 0; i < 20_000; i++) {
    const d = policy.decide(state, last);
    obs.candidate = d.candidate;
    obs.latencyMs = set.profiledMs[d.candidate]! * noise[i & (N - 1)]! * ((i >> 9) & 1 ? 1.4 : 1);
    if (signals) obs.signals = (i >> 9) & 1 ? busy : idle;
    last = obs;
  }
  let total = 0n;
  let i = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < batch; j++, i++) {
      const d = policy.decide(state, last);
      obs.candidate = d.candidate;
      obs.latencyMs = set.profiledMs[d.candidate]! * noise[i & (N - 1)]! * ((i >> 9) & 1 ? 1.4 : 1);
      if (signals) obs.signals = (i >> 9) & 1 ? busy : idle;
      last = obs;
    }
    const dt = process.hrtime.bigint() - t0;
    total += dt;
    perBatch.push(Number(dt) / batch / 1000);
  }
  perBatch.sort((a, b) => a - b);
  return {
    policy: policy.name,
    signals,
    decisions: batches * batch,
    meanUs: Number(total) / (batches * batch) / 1000,
    p99BatchUs: percentile(perBatch, 0.99),
  };
}
