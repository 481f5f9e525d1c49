import { ManagerError } from '../errors';
import type { CandidateSet, Constraints, NormalizedConstraints, Objective } from './types';

const OBJECTIVES: readonly Objective[] = ['accuracy', 'latency'];
const KNOWN_KEYS = new Set(['latencyTargetMs', 'fps', 'accuracyFloor', 'objective', 'devices']);

function bad(message: string, field: string): ManagerError {
  return new ManagerError('E_CONSTRAINTS_INVALID', message, field);
}

function positiveFinite(v: unknown, field: string, unit: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw bad(`${field} must be a positive finite number of ${unit}, got ${String(v)}.`, field);
  }
  return v;
}

/**
 * Validates constraints against a candidate set and returns what the policies read.
 * E_CONSTRAINTS_INVALID: not an object, unknown key, negative/zero/NaN/Infinity target or fps,
 * both latencyTargetMs and fps, accuracy floor outside 0..100 or not finite, unknown objective,
 * empty device list. E_DEVICE_UNKNOWN: a device not loaded.
 * (A floor above every sub-network is not an error: it is a conflict that decisions report.)
 */
export function normalizeConstraints(c: Constraints, set: CandidateSet): NormalizedConstraints {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    throw bad('Constraints must be an object such as { latencyTargetMs: 50 }.', 'constraints');
  }
  for (const key of Object.keys(c)) {
    if (!KNOWN_KEYS.has(key)) {
      throw bad(`Unknown constraint '${key}'; known: ${[...KNOWN_KEYS].join(', ')}.`, key);
    }
  }
  let targetMs = Infinity;
  if (c.latencyTargetMs !== undefined && c.fps !== undefined) {
    throw bad('Give latencyTargetMs or fps, not both.', 'fps');
  }
  if (c.latencyTargetMs !== undefined) targetMs = positiveFinite(c.latencyTargetMs, 'latencyTargetMs', 'ms');
  if (c.fps !== undefined) targetMs = 1000 / positiveFinite(c.fps, 'fps', 'frames per second');

  let accuracyFloor = 0;
  if (c.accuracyFloor !== undefined) {
    const f = c.accuracyFloor;
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f > 100) {
      throw bad(`accuracyFloor must be a top-1 % between 0 and 100, got ${String(f)}.`, 'accuracyFloor');
    }
    accuracyFloor = f;
  }

  let objective: Objective = 'accuracy';
  if (c.objective !== undefined) {
    if (!OBJECTIVES.includes(c.objective)) {
      throw bad(`Unknown objective '${String(c.objective)}'; use 'accuracy' or 'latency'.`, 'objective');
    }
    objective = c.objective;
  }

  const allowed = set.devices.map(() => c.devices === undefined);
  if (c.devices !== undefined) {
    if (!Array.isArray(c.devices) || c.devices.length === 0) {
      throw bad('devices must be a non-empty array of device names (or left out for all).', 'devices');
    }
    c.devices.forEach((name, i) => {
      const d = set.devices.indexOf(name);
      if (d < 0) {
        throw new ManagerError(
          'E_DEVICE_UNKNOWN',
          `Device '${String(name)}' is not loaded; loaded: ${set.devices.join(', ')}.`,
          `devices[${i}]`,
        );
      }
      allowed[d] = true;
    });
  }
  return { targetMs, accuracyFloor, objective, allowed };
}
