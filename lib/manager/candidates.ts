import { ManagerError } from '../errors';
import type { Candidate, CandidateSet, ManagedSubnet } from './types';

/** What the manager reads of a model: its device and its sub-network table. */
export interface ModelSubnets {
  readonly device: string;
  readonly subnets: readonly ManagedSubnet[];
}

function checkSubnet(s: ManagedSubnet, where: string): void {
  if (!Number.isInteger(s.index) || s.index < 0) {
    throw new ManagerError('E_FAMILY_EMPTY', `${where}: index ${String(s.index)} is not a non-negative integer; fix the family table.`, where);
  }
  if (!Number.isFinite(s.accuracy)) {
    throw new ManagerError('E_FAMILY_EMPTY', `${where} (${s.id}): accuracy ${String(s.accuracy)} is not a finite number; fix the family table.`, where);
  }
  if (!Number.isFinite(s.latencyMs) || s.latencyMs <= 0) {
    throw new ManagerError('E_FAMILY_EMPTY', `${where} (${s.id}): profiled latency ${String(s.latencyMs)} ms is not a positive finite number; profile the family first.`, where);
  }
}

/**
 * Builds the (device, sub-network) candidate set of one or more models (one per device).
 * Throws E_FAMILY_EMPTY when there is no model or a model has no sub-network (or a malformed one),
 * E_OPTIONS_INVALID when two models report the same device.
 */
export function buildCandidates(models: readonly ModelSubnets[]): CandidateSet {
  if (models.length === 0) {
    throw new ManagerError('E_FAMILY_EMPTY', 'No model given: pass a model, or a non-empty array of models (one per device).');
  }
  const devices: string[] = [];
  const candidates: Candidate[] = [];
  models.forEach((model, d) => {
    if (typeof model.device !== 'string' || model.device.length === 0) {
      throw new ManagerError('E_OPTIONS_INVALID', `models[${d}] has no device name.`, `models[${d}].device`);
    }
    if (devices.includes(model.device)) {
      throw new ManagerError('E_OPTIONS_INVALID', `Two models report device '${model.device}'; load a family once per device.`, `models[${d}].device`);
    }
    if (!model.subnets || model.subnets.length === 0) {
      throw new ManagerError('E_FAMILY_EMPTY', `The model on device '${model.device}' has no sub-network; load a family with at least one.`, `models[${d}].subnets`);
    }
    devices.push(model.device);
    model.subnets.forEach((s, k) => {
      checkSubnet(s, `models[${d}].subnets[${k}]`);
      candidates.push({
        index: candidates.length,
        deviceIndex: d,
        device: model.device,
        subnet: s.index,
        id: s.id,
        accuracy: s.accuracy,
        profiledMs: s.latencyMs,
      });
    });
  });
  const n = candidates.length;
  const accuracy = new Float64Array(n);
  const profiledMs = new Float64Array(n);
  const deviceOf = new Int32Array(n);
  let maxAccuracy = -Infinity;
  for (const c of candidates) {
    accuracy[c.index] = c.accuracy;
    profiledMs[c.index] = c.profiledMs;
    deviceOf[c.index] = c.deviceIndex;
    if (c.accuracy > maxAccuracy) maxAccuracy = c.accuracy;
  }
  const order = candidates.map((c) => c.index);
  order.sort((a, b) => (accuracy[b]! - accuracy[a]!) || (profiledMs[a]! - profiledMs[b]!) || a - b);
  const byDeviceFastest = devices.map((_, d) =>
    Int32Array.from(
      candidates
        .filter((c) => c.deviceIndex === d)
        .sort((a, b) => a.profiledMs - b.profiledMs || b.accuracy - a.accuracy || a.index - b.index)
        .map((c) => c.index),
    ),
  );
  return {
    devices,
    candidates,
    accuracy,
    profiledMs,
    deviceOf,
    byAccuracyDesc: Int32Array.from(order),
    byDeviceFastest,
    maxAccuracy,
  };
}

/** `${device}:${id}`, the label of a candidate in stats and charts. */
export function candidateLabel(c: Candidate): string {
  return `${c.device}:${c.id}`;
}
