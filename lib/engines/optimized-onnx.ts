/**
 * Pre-optimized ONNX models for weight sharing on the CPU (docs/memory.md): each sub-network's model as ONNX Runtime
 * optimizes it for this CPU, cached in the family's engine cache folder beside TensorRT engines, each with a record of
 * what it was made from. Such a file is specific to the ONNX file, the ONNX Runtime version and the CPU (its model and
 * the features that pick ONNX Runtime's kernels): a record that differs in any of them is stale and the file is made
 * again; a file that is not what was written (size, or the content hash the addon checks as it reads it) likewise.
 *
 * The ONNX file is identified by its SHA-256, hashed when the file is first optimized and again whenever its size or
 * modification time differ from the record's (as make and git do): a warm load reads no ONNX file.
 *
 * Several processes may share a cache folder, on one machine or on several (a family on a network share, a build
 * root under emulation), and ONNX Runtime does not write the same bytes twice for one model. So each host (ONNX
 * Runtime version, CPU, architecture) has a folder of its own, `cpu/<host key>/`, and a model file is named by its
 * content hash, `<subnet>.<hash>.onnx`, written once and never rewritten: the record `<subnet>.json` (renamed into
 * place) names the file it describes, so a record never pairs with another writer's file.
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

/** The folder of this host's optimized models: ONNX Runtime's version, the CPU and the architecture name it. */
export function optimizedFolder(cacheDir: string, host: OptimizedHost): string {
  const key = crypto.createHash('sha256').update(JSON.stringify([host.ortVersion, host.cpuModel, host.cpuIsa, process.arch])).digest('hex').slice(0, 16);
  return path.join(cacheDir, 'cpu', key);
}

/** An optimized model's file: named by its content hash (`NativeOptimizedModel.contentHash`), written once. */
export function optimizedModelPath(cacheDir: string, host: OptimizedHost, subnetId: string, contentHash: string): string {
  return modelFileIn(optimizedFolder(cacheDir, host), subnetId, contentHash);
}

function modelFileIn(folder: string, subnetId: string, contentHash: string): string {
  return path.join(folder, `${subnetId}.${contentHash}.onnx`);
}

export function optimizedRecordPath(cacheDir: string, host: OptimizedHost, subnetId: string): string {
  return recordFileIn(optimizedFolder(cacheDir, host), subnetId);
}

function recordFileIn(folder: string, subnetId: string): string {
  return path.join(folder, `${subnetId}.json`);
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
  const folder = optimizedFolder(cacheDir, host);
  const result: OptimizedModel[] = [];
  for (const [i, onnx] of family.modelPaths.entries()) {
    const subnet = family.manifest.subnets[i]!.id;
    const recordFile = recordFileIn(folder, subnet);
    const stat = fs.statSync(onnx);
    const onnxNow = { bytes: stat.size, mtimeMs: stat.mtimeMs };
    const record = readRecord(recordFile);
    const recorded = isRecord(record) ? modelFileIn(folder, subnet, record.optimized.contentHash) : undefined;
    const optimizedBytes = recorded === undefined ? undefined : fileBytes(recorded);
    let decision = options.force ? { action: 'make' as const, reason: 'made again (the last load with it failed)' } : decideOptimized(record, { onnx: onnxNow, host, optimizedBytes });
    let sha256: string | undefined;
    if (decision.action === 'hash-onnx') {
      sha256 = sha256File(onnx);
      const known = record as OptimizedRecord;
      decision = sha256 === known.onnx.sha256 ? { action: 'use' } : { action: 'make', reason: 'the ONNX file changed' };
      if (decision.action === 'use') writeFileAtomically(recordFile, `${JSON.stringify({ ...known, onnx: { ...onnxNow, sha256 } }, null, 2)}\n`);
    }
    if (decision.action === 'use') {
      result.push({ subnet, path: recorded!, contentHash: (record as OptimizedRecord).optimized.contentHash, action: 'cached' });
      continue;
    }
    const { made, file } = await makeOptimized(onnx, folder, subnet, options.optimize);
    const written: OptimizedRecord = { format: OPTIMIZED_FORMAT, subnet, onnx: { ...onnxNow, sha256: sha256 ?? sha256File(onnx) }, ...host, cpuIsa: [...host.cpuIsa], optimized: made };
    writeFileAtomically(recordFile, `${JSON.stringify(written, null, 2)}\n`);
    removeOtherFiles(folder, subnet, file);
    result.push({ subnet, path: file, contentHash: made.contentHash, action: 'made', reason: decision.reason });
  }
  return result;
}

/**
 * Removes the sub-network's model files that its record no longer names: the one it named before, and any another
 * maker wrote at the same time. A load still reading one has it mapped; one about to open it finds it gone, fails
 * and makes it again (lib/model/load-cpu.ts).
 */
function removeOtherFiles(folder: string, subnet: string, kept: string): void {
  const mine = new RegExp(`^${subnet.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[^.]+\\.onnx$`);
  for (const name of fs.readdirSync(folder)) {
    const file = path.join(folder, name);
    if (mine.test(name) && file !== kept) fs.rmSync(file, { force: true });
  }
}

/**
 * The optimizer writes a temporary file in `folder`, renamed to the name its content hash gives: no reader sees a
 * half-written model, and no writer replaces a file another process's record names.
 */
async function makeOptimized(onnx: string, folder: string, subnet: string, optimize: ModelOptimizer): Promise<{ made: NativeOptimizedModel; file: string }> {
  fs.mkdirSync(folder, { recursive: true });
  const temporary = path.join(folder, `${subnet}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`); // worker_threads share the pid
  try {
    const made = await optimize(onnx, temporary);
    const file = modelFileIn(folder, subnet, made.contentHash);
    fs.renameSync(temporary, file);
    return { made, file };
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
