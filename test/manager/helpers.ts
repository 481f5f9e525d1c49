import { buildCandidates } from '../../lib/manager/candidates';
import { normalizeConstraints } from '../../lib/manager/constraints';
import {
  type CandidateSet,
  type Constraints,
  type Decision,
  type ManagedSubnet,
  type Policy,
} from '../../lib';

export interface Step {
  frame: number;
  decision: Decision;
  latencyMs: number;
}

/**
 * Drives a policy by hand: latency(frame, candidate) gives the measured latency of each frame;
 * setAt maps frames to new constraints.
 */
export function drive<S>(
  models: { device: string; subnets: readonly ManagedSubnet[] }[],
  constraints: Constraints,
  policy: Policy<S>,
  frames: number,
  latency: (frame: number, candidate: number, set: CandidateSet) => number,
  setAt: Record<number, Constraints> = {},
): { set: CandidateSet; steps: Step[]; state: S } {
  const set = buildCandidates(models);
  const state = policy.init(set, normalizeConstraints(constraints, set));
  const steps: Step[] = [];
  let last: { candidate: number; latencyMs: number } | null = null;
  for (let t = 0; t < frames; t++) {
    const next = setAt[t];
    if (next) policy.setConstraints(state, normalizeConstraints(next, set));
    const decision = policy.decide(state, last);
    const latencyMs = latency(t, decision.candidate, set);
    steps.push({ frame: t, decision, latencyMs });
    last = { candidate: decision.candidate, latencyMs };
  }
  return { set, steps, state };
}

/** Deterministic small noise in [1 - a, 1 + a]. */
export function jitter(t: number, a = 0.02): number {
  const x = Math.sin(t * 12.9898 + 78.233) * 43758.5453;
  return 1 + a * (2 * (x - Math.floor(x)) - 1);
}
