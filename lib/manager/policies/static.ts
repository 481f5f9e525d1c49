import type { CandidateSet, Decision, NormalizedConstraints, Policy } from '../types';

export interface StaticState {
  readonly set: CandidateSet;
  constraints: NormalizedConstraints;
  /** the candidate every decision names */
  candidate: number;
  started: boolean;
}

function firstAllowed(set: CandidateSet, constraints: NormalizedConstraints, which: 'most-accurate' | 'fastest'): number {
  let best = -1;
  for (const k of set.byAccuracyDesc) {
    if (!constraints.allowed[set.deviceOf[k]!]) continue;
    if (which === 'most-accurate') return k;
    if (best < 0 || set.profiledMs[k]! < set.profiledMs[best]!) best = k;
  }
  return best;
}

/** Always the most accurate (or always the fastest, by profile) allowed candidate: the baselines. */
export function staticPolicy(which: 'most-accurate' | 'fastest'): Policy<StaticState> {
  const out = (s: StaticState, reason: Decision['reason']): Decision => ({
    candidate: s.candidate,
    predictedMs: s.set.profiledMs[s.candidate]!,
    reason,
    conflict: null,
  });
  return {
    name: which === 'most-accurate' ? 'static-most-accurate' : 'static-fastest',
    init: (set, constraints) => ({ set, constraints, candidate: firstAllowed(set, constraints, which), started: false }),
    setConstraints(s, constraints) {
      s.constraints = constraints;
      s.candidate = firstAllowed(s.set, constraints, which);
    },
    decide(s) {
      const reason = s.started ? 'schedule' : 'initial';
      s.started = true;
      return out(s, reason);
    },
  };
}
