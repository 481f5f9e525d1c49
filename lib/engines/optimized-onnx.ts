/**
 * Pre-optimized ONNX models for weight sharing on the CPU (docs/memory.md): each sub-network's model as ONNX Runtime
 * optimizes it for this CPU, cached in the family's engine cache folder beside TensorRT engines, each with a record of
 * what it was made from. Such a file is specific to the ONNX file, the ONNX Runtime version and the CPU (its model and
 * the features that pick ONNX Runtime's kernels): a record that differs in any of them is stale and the file is made
 * again; a file that is not what was written (size, or the content hash the addon checks as it reads it) likewise.
 *
 * The ONNX file is identified by its SHA-256, hashed when the file is first optimized and again whenever its size or
 * modification time differ from the record's (as make and git do): a warm load reads no ONNX file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { LoadedManifest } from '../family/manifest';
import type { NativeOptimizedModel } from '../native/addon';
import { writeFileAtomically } from '../util/atomic-file';
import { sha256File } from './fingerprint';

/** Bumped when the record or what the addon writes changes: every cached optimized model becomes stale. */
export const OPTIMIZED_FORMAT = 1;

/** What an optimized model is specific to, besides its ONNX file. */
export interface OptimizedHost {
  ortVersion: string;
  cpuModel: string;
  cpuIsa: readonly string[];
}

/** The record beside an optimized model: what it was made from, and what was written. */
export interface OptimizedRecord extends OptimizedHost {
  format: number;
  subnet: string;
  onnx: { bytes: number; mtimeMs: number; sha256: string };
  optimized: NativeOptimizedModel;
}

export type OptimizedDecision = { action: 'use' } | { action: 'make'; reason: string } | { action: 'hash-onnx' };

/** Writes `onnx` optimized to `output` (the addon's optimizeModel). */
export type ModelOptimizer = (onnx: string, output: string) => Promise<NativeOptimizedModel>;

export interface OptimizedModel {
  subnet: string;
  path: string;
  /** What the addon checks the file against as it reads it. */
  contentHash: string;
  action: 'cached' | 'made';
  /** Why it was made. */
  reason?: string;
}

export function optimizedModelPath(cacheDir: string, subnetId: string): string {
  return path.join(cacheDir, 'cpu', `${subnetId}.optimized.onnx`);
}

export function optimizedRecordPath(cacheDir: string, subnetId: string): string {
  return path.join(cacheDir, 'cpu', `${subnetId}.optimized.json`);
}

function isRecord(value: unknown): value is OptimizedRecord {
  const r = value as Partial<OptimizedRecord> | null;
  return typeof r === 'object' && r !== null && r.format === OPTIMIZED_FORMAT && typeof r.subnet === 'string'
    && typeof r.ortVersion === 'string' && typeof r.cpuModel === 'string' && Array.isArray(r.cpuIsa)
    && typeof r.onnx?.bytes === 'number' && typeof r.onnx.mtimeMs === 'number' && typeof r.onnx.sha256 === 'string'
    && typeof r.optimized?.bytes === 'number' && typeof r.optimized.contentHash === 'string';
}

/**
 * Pure: whether a cached optimized model can be used, given its record (parsed JSON, or undefined when there is none),
 * the ONNX file's size and modification time, this host, and the optimized file's size (undefined: no file).
 */
export function decideOptimized(record: unknown, now: { onnx: { bytes: number; mtimeMs: number }; host: OptimizedHost; optimizedBytes: number | undefined }): OptimizedDecision {
  if (record === undefined) return { action: 'make', reason: 'not made yet' };
  if (!isRecord(record)) return { action: 'make', reason: 'its record is unreadable or of another format' };
  if (record.ortVersion !== now.host.ortVersion) return { action: 'make', reason: `made with ONNX Runtime ${record.ortVersion}, running ${now.host.ortVersion}` };
  if (record.cpuModel !== now.host.cpuModel || record.cpuIsa.join(' ') !== now.host.cpuIsa.join(' ')) {
    return { action: 'make', reason: `made on another CPU (${record.cpuModel}; ${record.cpuIsa.join(' ')})` };
  }
  if (now.optimizedBytes === undefined) return { action: 'make', reason: 'the optimized file is missing' };
  if (now.optimizedBytes !== record.optimized.bytes) return { action: 'make', reason: `the optimized file has ${now.optimizedBytes} bytes, ${record.optimized.bytes} were written` };
  if (now.onnx.bytes !== record.onnx.bytes || now.onnx.mtimeMs !== record.onnx.mtimeMs) return { action: 'hash-onnx' };
  return { action: 'use' };
}

function readRecord(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : null; // null: present but unreadable
  }
}

function fileBytes(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * The family's optimized models in `cacheDir`, made where missing or stale (`force`: made again, whatever the
 * records say). Throws what the file system or the optimizer throws; the caller falls back to the ONNX files.
 */
export async function ensureOptimizedModels(options: {
  family: LoadedManifest;
  cacheDir: string;
  host: OptimizedHost;
  optimize: ModelOptimizer;
  force?: boolean;
}): Promise<OptimizedModel[]> {
  const { family, cacheDir, host } = options;
  const result: OptimizedModel[] = [];
  for (const [i, onnx] of family.modelPaths.entries()) {
    const subnet = family.manifest.subnets[i]!.id;
    const file = optimizedModelPath(cacheDir, subnet);
    const recordFile = optimizedRecordPath(cacheDir, subnet);
    const stat = fs.statSync(onnx);
    const onnxNow = { bytes: stat.size, mtimeMs: stat.mtimeMs };
    const record = readRecord(recordFile);
    let decision = options.force ? { action: 'make' as const, reason: 'made again (the last load with it failed)' } : decideOptimized(record, { onnx: onnxNow, host, optimizedBytes: fileBytes(file) });
    let sha256: string | undefined;
    if (decision.action === 'hash-onnx') {
      sha256 = sha256File(onnx);
      const known = record as OptimizedRecord;
      decision = sha256 === known.onnx.sha256 ? { action: 'use' } : { action: 'make', reason: 'the ONNX file changed' };
      if (decision.action === 'use') writeFileAtomically(recordFile, `${JSON.stringify({ ...known, onnx: { ...onnxNow, sha256 } }, null, 2)}\n`);
    }
    if (decision.action === 'use') {
      result.push({ subnet, path: file, contentHash: (record as OptimizedRecord).optimized.contentHash, action: 'cached' });
      continue;
    }
    const made = await makeOptimized(onnx, file, options.optimize);
    const written: OptimizedRecord = { format: OPTIMIZED_FORMAT, subnet, onnx: { ...onnxNow, sha256: sha256 ?? sha256File(onnx) }, ...host, cpuIsa: [...host.cpuIsa], optimized: made };
    writeFileAtomically(recordFile, `${JSON.stringify(written, null, 2)}\n`);
    result.push({ subnet, path: file, contentHash: made.contentHash, action: 'made', reason: decision.reason });
  }
  return result;
}

/** The optimizer writes beside `file` and the result is renamed over it: no reader sees a half-written model. */
async function makeOptimized(onnx: string, file: string, optimize: ModelOptimizer): Promise<NativeOptimizedModel> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`; // worker_threads share the pid
  try {
    const made = await optimize(onnx, temporary);
    fs.renameSync(temporary, file);
    return made;
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
