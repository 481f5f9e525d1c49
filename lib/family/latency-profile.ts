/**
 * Per-device latency profiles: what `npm run build-engines` measures for every sub-network on every device
 * (warm-up, then many runs; p50/p90/p99 as trtexec reports them) and what the runtime manager reads as each
 * sub-network's profiled latency. One JSON file per device: `<cache>/profile-<device>.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { backendOf, type Device, DEVICES, isDevice } from '../devices/devices';
import { DynamicOfaError, type ManifestProblem } from '../errors';
import { writeFileAtomically } from '../util/atomic-file';
import type { LatencyStats } from '../util/latency-stats';

export const PROFILE_SCHEMA_VERSION = 1;

export interface SubnetProfile {
  id: string;
  index: number;
  /** Measured runs (after warm-up). */
  runs: number;
  /** Host latency: steady clock around the backend's run (copies and synchronization included). */
  hostMs: LatencyStats;
  /** Accelerator time (CUDA events around enqueueV3), TensorRT devices only. */
  deviceMs?: LatencyStats;
  /** TensorRT devices: the engine that was profiled. */
  engine?: { file: string; fingerprint: string; precision: string; gpuFallbackLayers?: number };
}

export interface LatencyProfile {
  schemaVersion: typeof PROFILE_SCHEMA_VERSION;
  family: string;
  device: Device;
  /** What the numbers are specific to: CPU model and threads, or GPU + TensorRT version (+ DLA core). */
  deviceKey: string;
  backend: { name: 'onnxruntime-cpu' | 'tensorrt'; version: string };
  /** ISO 8601. */
  createdAt: string;
  host: { hostname: string; platform: string; arch: string; cpuModel: string; cpus: number; l4tRelease?: string };
  method: { warmupMs: number; minWarmupRuns: number; runs: number; threads?: number };
  subnets: SubnetProfile[];
}

export class ProfileInvalidError extends DynamicOfaError {
  readonly file: string;
  readonly problems: readonly ManifestProblem[];
  constructor(file: string, problems: readonly ManifestProblem[], options?: { cause?: unknown }) {
    super('E_FAMILY_INVALID', `invalid latency profile ${file}:\n${problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n')}`, options);
    this.file = file;
    this.problems = problems;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function checkStats(value: unknown, where: string, problems: ManifestProblem[]): void {
  if (!isObject(value)) {
    problems.push({ path: where, message: 'must be an object of latency statistics' });
    return;
  }
  const keys = ['min', 'mean', 'p50', 'p90', 'p99', 'max', 'stdev'] as const;
  for (const k of keys) {
    if (!isNonNegative(value[k])) problems.push({ path: `${where}/${k}`, message: 'must be a finite number >= 0 (ms)' });
  }
  if (keys.every((k) => isNonNegative(value[k]))) {
    const s = value as unknown as LatencyStats;
    if (!(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max)) {
      problems.push({ path: where, message: 'must satisfy min <= p50 <= p90 <= p99 <= max' });
    }
  }
}

/** Every problem with its JSON path; empty when valid. */
export function validateProfile(value: unknown): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (!isObject(value)) return [{ path: '', message: 'must be a JSON object' }];
  if (value.schemaVersion !== PROFILE_SCHEMA_VERSION) problems.push({ path: '/schemaVersion', message: `must be ${PROFILE_SCHEMA_VERSION}` });
  for (const k of ['family', 'deviceKey', 'createdAt'] as const) {
    if (typeof value[k] !== 'string' || value[k] === '') problems.push({ path: `/${k}`, message: 'must be a non-empty string' });
  }
  if (typeof value.createdAt === 'string' && Number.isNaN(Date.parse(value.createdAt))) problems.push({ path: '/createdAt', message: 'must be an ISO 8601 date' });
  if (!isDevice(value.device)) problems.push({ path: '/device', message: `must be one of ${DEVICES.join(', ')}` });
  const backend = value.backend;
  if (!isObject(backend) || (backend.name !== 'onnxruntime-cpu' && backend.name !== 'tensorrt') || typeof backend.version !== 'string') {
    problems.push({ path: '/backend', message: "must be { name: 'onnxruntime-cpu' | 'tensorrt', version: string }" });
  } else if (isDevice(value.device) && backend.name !== backendOf(value.device)) {
    problems.push({ path: '/backend/name', message: `does not fit device ${String(value.device)}` });
  }
  if (!isObject(value.host) || typeof value.host.hostname !== 'string' || typeof value.host.cpus !== 'number') {
    problems.push({ path: '/host', message: 'must describe the host (hostname, platform, arch, cpuModel, cpus)' });
  }
  const method = value.method;
  if (!isObject(method) || !isNonNegative(method.warmupMs) || !Number.isInteger(method.runs) || (method.runs as number) < 1) {
    problems.push({ path: '/method', message: 'must be { warmupMs >= 0, minWarmupRuns, runs >= 1 }' });
  }
  if (!Array.isArray(value.subnets) || value.subnets.length === 0) {
    problems.push({ path: '/subnets', message: 'must be a non-empty array' });
    return problems;
  }
  const ids = new Set<string>();
  value.subnets.forEach((s: unknown, i: number) => {
    const where = `/subnets/${i}`;
    if (!isObject(s)) {
      problems.push({ path: where, message: 'must be an object' });
      return;
    }
    if (typeof s.id !== 'string' || s.id === '') problems.push({ path: `${where}/id`, message: 'must be a non-empty string' });
    else if (ids.has(s.id)) problems.push({ path: `${where}/id`, message: `duplicate id '${s.id}'` });
    else ids.add(s.id);
    if (s.index !== i) problems.push({ path: `${where}/index`, message: `must be ${i} (sub-networks in family order)` });
    if (!Number.isInteger(s.runs) || (s.runs as number) < 1) problems.push({ path: `${where}/runs`, message: 'must be an integer >= 1' });
    checkStats(s.hostMs, `${where}/hostMs`, problems);
    if (s.deviceMs !== undefined) checkStats(s.deviceMs, `${where}/deviceMs`, problems);
    if (s.engine !== undefined && (!isObject(s.engine) || typeof s.engine.file !== 'string' || typeof s.engine.fingerprint !== 'string')) {
      problems.push({ path: `${where}/engine`, message: 'must be { file, fingerprint, precision }' });
    }
  });
  return problems;
}

export function profilePath(cacheDir: string, device: Device): string {
  return path.join(cacheDir, `profile-${device}.json`);
}

/** Validates, then writes atomically (temporary file + rename). */
export function writeProfile(file: string, profile: LatencyProfile): void {
  const problems = validateProfile(profile);
  if (problems.length > 0) throw new ProfileInvalidError(file, problems);
  writeFileAtomically(file, `${JSON.stringify(profile, null, 2)}\n`);
}

export function parseProfile(text: string, file = '<text>'): LatencyProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProfileInvalidError(file, [{ path: '', message: `is not valid JSON: ${(error as Error).message}` }], { cause: error });
  }
  const problems = validateProfile(value);
  if (problems.length > 0) throw new ProfileInvalidError(file, problems);
  return value as LatencyProfile;
}

export function readProfile(file: string): LatencyProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProfileInvalidError(file, [{ path: '', message: `cannot read: ${(error as Error).message}` }], { cause: error });
  }
  return parseProfile(text, file);
}

/**
 * The profiled p50 host latency of each sub-network, in the order of `subnetIds` (the family's order), for
 * the runtime manager. Throws when the profile does not cover the family (a profile of another family or an
 * older version of it).
 */
export function profileLatencies(profile: LatencyProfile, subnetIds: readonly string[], stat: keyof LatencyStats = 'p50'): number[] {
  const byId = new Map(profile.subnets.map((s) => [s.id, s]));
  const missing = subnetIds.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new ProfileInvalidError(profile.family, [{ path: '/subnets', message: `has no entry for ${missing.join(', ')}; profile the family again (npm run build-engines)` }]);
  }
  return subnetIds.map((id) => byId.get(id)!.hostMs[stat]);
}
