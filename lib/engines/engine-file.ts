/**
 * The engine file format and what a cached file is worth. An engine file is a header (fingerprint, TensorRT
 * version and build, plan size and SHA-256, and from format 2 where the engine's layers run and the activation
 * memory a context needs) in front of the TensorRT plan, so a mismatched or corrupt engine is rebuilt, or reported
 * when rebuilding is disabled, and never deserialized blindly.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

import { dlaCoreOf, type TrtDevice } from '../devices/devices';
import { ModelLoadError } from '../errors';
import type { EnginePlacement } from './engine-placement';
import type { Precision } from './fingerprint';

export const ENGINE_MAGIC = 'DOFATRT1';
/** Format 2 = format 1 + `placement` and `activationBytes`; a header without them is still written as format 1. */
export const ENGINE_FORMAT = 2;
const FORMATS = [1, ENGINE_FORMAT];

/** The JSON header in front of the plan. Format 1's keys come first, in their order (files already in caches). */
export interface EngineHeader {
  format: number;
  fingerprint: string;
  tensorrt: string;
  tensorrtEncoded: number;
  device: string;
  dlaCore: number;
  precision: string;
  planBytes: number;
  planSha256: string;
  /**
   * Which build of TensorRT built the plan (NativeTensorRtInfo.build); any format, written since the build became
   * part of the cache key (older files lack it, and are stale).
   */
  tensorrtBuild?: string;
  /** Format 2: where the built engine's layers run (DLA loadables), from the engine inspector at build time. */
  placement?: EnginePlacement;
  /** Format 2: activation memory a context of this engine needs, bytes. */
  activationBytes?: number;
}

/** magic + uint32 LE header length + header JSON + plan. */
export function encodeEngineFile(header: Omit<EngineHeader, 'planBytes' | 'planSha256' | 'format'>, plan: Uint8Array): Buffer {
  const extended = header.placement !== undefined || header.activationBytes !== undefined;
  const full: EngineHeader = {
    format: extended ? ENGINE_FORMAT : 1,
    fingerprint: header.fingerprint,
    tensorrt: header.tensorrt,
    tensorrtEncoded: header.tensorrtEncoded,
    device: header.device,
    dlaCore: header.dlaCore,
    precision: header.precision,
    planBytes: plan.length,
    planSha256: crypto.createHash('sha256').update(plan).digest('hex'),
    ...(header.tensorrtBuild !== undefined ? { tensorrtBuild: header.tensorrtBuild } : {}),
    ...(header.placement !== undefined ? { placement: header.placement } : {}),
    ...(header.activationBytes !== undefined ? { activationBytes: header.activationBytes } : {}),
  };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([Buffer.from(ENGINE_MAGIC, 'latin1'), length, json, plan]);
}

export type EngineFileCheck = { ok: true; header: EngineHeader } | { ok: false; problem: string };

/** Checks a whole engine file: magic, header fields, plan size and SHA-256. Never throws for bad content. */
export function checkEngineBytes(bytes: Uint8Array): EngineFileCheck {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = ENGINE_MAGIC.length + 4;
  if (buffer.length < prefix || buffer.toString('latin1', 0, ENGINE_MAGIC.length) !== ENGINE_MAGIC) {
    return { ok: false, problem: 'not a dynamic-ofa engine file (bad magic)' };
  }
  const length = buffer.readUInt32LE(ENGINE_MAGIC.length);
  if (length > 65536 || prefix + length > buffer.length) return { ok: false, problem: `corrupt header (length ${length})` };
  let header: EngineHeader;
  try {
    header = JSON.parse(buffer.toString('utf8', prefix, prefix + length)) as EngineHeader;
  } catch {
    return { ok: false, problem: 'corrupt header (not JSON)' };
  }
  const strings = ['fingerprint', 'tensorrt', 'device', 'precision', 'planSha256'] as const;
  const integers = ['format', 'tensorrtEncoded', 'dlaCore', 'planBytes'] as const;
  if (typeof header !== 'object' || header === null || strings.some((k) => typeof header[k] !== 'string') || integers.some((k) => !Number.isInteger(header[k]))) {
    return { ok: false, problem: 'corrupt header (missing fields)' };
  }
  if (!FORMATS.includes(header.format)) return { ok: false, problem: `unsupported engine file format ${header.format}` };
  if (header.tensorrtBuild !== undefined && typeof header.tensorrtBuild !== 'string') return { ok: false, problem: 'corrupt header (tensorrtBuild)' };
  if (header.format >= 2 && !validExtension(header)) return { ok: false, problem: 'corrupt header (placement or activationBytes)' };
  const plan = buffer.subarray(prefix + length);
  if (plan.length !== header.planBytes) return { ok: false, problem: `truncated or padded plan (${plan.length} bytes, header says ${header.planBytes})` };
  if (crypto.createHash('sha256').update(plan).digest('hex') !== header.planSha256) return { ok: false, problem: 'plan checksum mismatch (corrupt file)' };
  return { ok: true, header };
}

function validExtension(header: EngineHeader): boolean {
  const p = header.placement as Partial<EnginePlacement> | undefined;
  const counts = p === undefined || [p.dlaLoadables, p.gpuLayers, p.reformatLayers].every((n) => Number.isInteger(n) && n! >= 0);
  const bytes = header.activationBytes === undefined || (Number.isInteger(header.activationBytes) && header.activationBytes >= 0);
  return counts && bytes;
}

export type EngineState =
  | { status: 'missing' }
  | { status: 'corrupt'; problem: string }
  | { status: 'stale'; reasons: string[]; header: EngineHeader }
  | { status: 'fresh'; header: EngineHeader; planOffset: number };

/** What an engine must have been built with to be used: the fingerprint, the loaded TensorRT, the device and precision. */
export interface EngineExpectation {
  fingerprint: string;
  tensorrtEncoded: number;
  tensorrtBuild: string;
  device: TrtDevice;
  precision: Precision;
}

/** What is at `file`, judged against the expected fingerprint and the loaded TensorRT. */
export function inspectEngine(file: string, expected: EngineExpectation): EngineState {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', problem: `cannot read: ${(error as Error).message}` };
  }
  const check = checkEngineBytes(bytes);
  if (!check.ok) return { status: 'corrupt', problem: check.problem };
  const h = check.header;
  const reasons: string[] = [];
  if (h.tensorrtEncoded !== expected.tensorrtEncoded) {
    reasons.push(`built with TensorRT ${h.tensorrt}`);
  } else if (h.tensorrtBuild !== expected.tensorrtBuild) {
    reasons.push(`built by another build of TensorRT ${h.tensorrt} (${h.tensorrtBuild ?? 'not recorded'}; loaded: ${expected.tensorrtBuild})`);
  }
  if (h.dlaCore !== dlaCoreOf(expected.device)) reasons.push(`built for ${h.device}`);
  if (h.precision !== expected.precision) reasons.push(`built for ${h.precision}`);
  if (h.fingerprint !== expected.fingerprint) reasons.push('fingerprint differs (model, GPU, TensorRT or builder options changed)');
  // The plan is the file's last planBytes bytes (checkEngineBytes verified its length).
  return reasons.length > 0 ? { status: 'stale', reasons, header: h } : { status: 'fresh', header: h, planOffset: bytes.length - h.planBytes };
}

/** A cached engine is missing, stale or corrupt and rebuilding is disabled. */
export class EngineCacheError extends ModelLoadError {
  readonly reason: 'missing' | 'stale' | 'corrupt';
  readonly enginePath: string;
  constructor(reason: 'missing' | 'stale' | 'corrupt', enginePath: string, detail: string) {
    super('E_MODEL_LOAD', `engine ${enginePath} is ${reason}${detail ? ` (${detail})` : ''}; rebuilding is disabled. Run \`npm run build-engines\` (or enable rebuilding)`);
    this.reason = reason;
    this.enginePath = enginePath;
  }
}

export type EngineDecision = { action: 'use' } | { action: 'build'; reason: string };

/** Pure: use a fresh engine; build a missing/stale/corrupt one (or when forced); throw when rebuilding is disabled. */
export function decideEngine(state: EngineState, enginePath: string, options: { force?: boolean; rebuild?: boolean } = {}): EngineDecision {
  const rebuild = options.rebuild ?? true;
  if (state.status === 'fresh') return options.force ? { action: 'build', reason: 'forced' } : { action: 'use' };
  const detail = state.status === 'stale' ? state.reasons.join('; ') : state.status === 'corrupt' ? state.problem : '';
  if (!rebuild) throw new EngineCacheError(state.status, enginePath, detail);
  return { action: 'build', reason: detail ? `${state.status}: ${detail}` : state.status };
}
