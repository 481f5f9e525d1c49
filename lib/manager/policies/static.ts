import type { CandidateSet, Decision, NormalizedConstraints, Policy } from '../types';

export interface StaticState {
  readonly set: CandidateSet;
  c: NormalizedConstraints;
  k: number;
  started: boolean;
}

function firstAllowed(set: CandidateSet, c: NormalizedConstraints, which: 'most-accurate' | 'fastest'): number {
  let best = -1;
  for (const k of set.byAccuracyDesc) {
    if (!c.allowed[set.deviceOf[k]!]) continue;
    if (which === 'most-accurate') return k;
    if (best < 0 || set.profiledMs[k]! < set.profiledMs[best]!) best = k;
  }
  return best;
}

/** Always the most accurate (or always the fastest, by profile) allowed candidate: the baselines. */
export function staticPolicy(which: 'most-accurate' | 'fastest'): Policy<StaticState> {
  const out = (s: StaticState, reason: Decision['reason']): Decision => ({
    candidate: s.k,
    predictedMs: s.set.profiledMs[s.k]!,
    reason,
    conflict: null,
  });
  return {
    name: which === 'most-accurate' ? 'static-most-accurate' : 'static-fastest',
    init: (set, c) => ({ set, c, k: firstAllowed(set, c, which), started: false }),
    setConstraints(s, c) {
      s.c = c;
      s.k = firstAllowed(s.set, c, which);
    },
    decide(s) {
      const reason = s.started ? 'schedule' : 'initial';
      s.started = true;
      return out(s, reason);
    },
  };
}
