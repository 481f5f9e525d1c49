/**
 * Which addon binary this process loads, in order:
 * 1. DYNAMIC_OFA_BINARY (a file; nothing else is tried);
 * 2. this platform's package (see platform-package.ts): a TensorRT variant whose probe finds TensorRT and CUDA
 *    here (arm64; skipped with DYNAMIC_OFA_FORCE_CPU=1), then its CPU addon;
 * 3. the local build (build/Release, made by `npm install` in a clone or a source build).
 * node-gyp-build picks the file in each of those folders; this keeps what it does not do (docs/installing.md).
 * The CPU candidates are loaded in this process with require (a child process cannot always be started: under
 * an emulator or a foreign dynamic loader process.execPath is not runnable); TensorRT variants link nothing of
 * TensorRT but load it on demand, so their probe runs in a child process, where a failed spawn means "not
 * loadable".
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { RuntimeLoadError } from '../errors';
import { packageRoot } from '../util/package-root';
import { findPlatformPackage, hostFacts, type PlatformFacts, type TensorRtVariant } from './platform-package';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build ships no types
const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };

/** The addon node-gyp-build would load from `dir` (build/Release, then prebuilds/<platform>-<arch>/), or why none. */
function resolveInFolder(dir: string): { file?: string; reason?: string } {
  try {
    return { file: nodeGypBuild.path(dir) };
  } catch (error) {
    return { reason: firstLine(error) };
  }
}

export interface AddonCandidate {
  file: string;
  /** Where it comes from, for messages and `info`: "DYNAMIC_OFA_BINARY", "@dynamic-ofa/linux-x64", "local build". */
  origin: string;
}

export interface AddonSearch {
  /** What to load, best first. */
  candidates: AddonCandidate[];
  /** Each place looked at, with what was found or why it was passed over. */
  looked: string[];
}

/** What a TensorRT variant's `tensorrtProbe()` reports. */
export interface TensorRtProbeResult {
  available: boolean;
  reason?: string;
}

export type TensorRtProbe = (file: string) => TensorRtProbeResult;

const PROBE_SCRIPT = `process.stdout.write(JSON.stringify(require(process.argv[1]).tensorrtProbe()));`;

/** Runs a TensorRT variant's tensorrtProbe() in a child process; a crash or a failed spawn is "not available". */
export function probeTensorRtInChild(file: string, { nodePath = process.execPath, timeoutMs = 60000 } = {}): TensorRtProbeResult {
  const child = spawnSync(nodePath, ['-e', PROBE_SCRIPT, file], { encoding: 'utf8', timeout: timeoutMs });
  if (child.error) return { available: false, reason: `no child process could be started to probe it (${child.error.message})` };
  if (child.status !== 0) {
    const errorLine = (child.stderr ?? '').split('\n').map((l) => l.trim()).find((l) => /^\w*Error\b/.test(l));
    return { available: false, reason: `loading it failed (${child.signal ?? `exit ${child.status}`}${errorLine ? `: ${errorLine}` : ''})` };
  }
  try {
    const result = JSON.parse(child.stdout) as TensorRtProbeResult;
    return { available: result.available === true, ...(result.reason ? { reason: String(result.reason) } : {}) };
  } catch {
    return { available: false, reason: `its probe printed no result: ${child.stdout.slice(0, 200)}` };
  }
}

/** The first variant (newest TensorRT first) whose probe says available; every probe's outcome goes to `looked`. */
function pickTensorRtVariant(dir: string, variants: TensorRtVariant[], probe: TensorRtProbe, looked: string[]): string | undefined {
  for (const variant of [...variants].sort((a, b) => b.tensorrtMajor - a.tensorrtMajor)) {
    const label = `TensorRT ${variant.tensorrtMajor} / CUDA ${variant.cudaMajor} variant`;
    const { file, reason } = resolveInFolder(path.join(dir, variant.dir));
    const result = file ? probe(file) : { available: false, reason };
    const outcome = result.available ? 'TensorRT available' : `not used: ${result.reason ?? 'TensorRT not available'}`;
    looked.push(`${label} ${file ?? `in ${path.join(dir, variant.dir)}`}: ${outcome}`);
    if (result.available) return file;
  }
  return undefined;
}

/** The ordered candidates and where they were looked for. */
export function findAddon(
  root: string = packageRoot,
  env: NodeJS.ProcessEnv = process.env,
  facts: PlatformFacts = hostFacts(),
  probe: TensorRtProbe = probeTensorRtInChild,
): AddonSearch {
  if (env.DYNAMIC_OFA_BINARY) {
    const file = path.resolve(env.DYNAMIC_OFA_BINARY);
    return { candidates: [{ file, origin: 'DYNAMIC_OFA_BINARY' }], looked: [`DYNAMIC_OFA_BINARY=${file}`] };
  }
  const candidates: AddonCandidate[] = [];
  const looked = ['DYNAMIC_OFA_BINARY: not set'];
  const pkg = findPlatformPackage(root, facts);
  if (pkg.found) {
    const variants = pkg.manifest.tensorrt ?? [];
    if (variants.length > 0 && env.DYNAMIC_OFA_FORCE_CPU === '1') looked.push(`${pkg.name}: TensorRT variants skipped (DYNAMIC_OFA_FORCE_CPU=1)`);
    else if (variants.length > 0) {
      const variant = pickTensorRtVariant(pkg.dir, variants, probe, looked);
      if (variant) candidates.push({ file: variant, origin: `${pkg.name} (TensorRT)` });
    }
    const cpu = resolveInFolder(pkg.dir);
    if (cpu.file) candidates.push({ file: cpu.file, origin: pkg.name });
    looked.push(`platform package ${pkg.name}: ${cpu.file ?? cpu.reason}`);
  } else {
    looked.push(`platform package: ${pkg.reason}`);
  }
  const local = resolveInFolder(root);
  if (local.file) candidates.push({ file: local.file, origin: 'local build' });
  looked.push(`local build: ${local.file ?? `none in ${root} (${local.reason})`}`);
  return { candidates, looked };
}

/** What to do when no candidate loads (the error's second half). */
function addonAdvice(search: AddonSearch): string {
  if (search.candidates[0]?.origin === 'DYNAMIC_OFA_BINARY') {
    return 'Unset DYNAMIC_OFA_BINARY to use the platform package or the local build, or point it at a dynamic_ofa.node built for this machine.';
  }
  return [
    'What to do:',
    '  - linux-x64 and linux-arm64 with glibc get a prebuilt addon from an optional dependency (@dynamic-ofa/linux-<cpu>).',
    '    If optional dependencies were left out (--omit=optional, --no-optional), install again with them:',
    '    npm install dynamic-ofa --include=optional',
    '  - Anywhere else (musl/Alpine, another CPU or OS), or to rebuild: npm rebuild dynamic-ofa --build-from-source',
    '    (needs cmake >= 3.16, a C++17 compiler and make; ONNX Runtime\'s C headers are found or downloaded, or set',
    '    ONNXRUNTIME_INCLUDE_DIR); then install an ONNX Runtime library too, see docs/installing.md in the repository ("Building from source").',
  ].join('\n');
}

export interface LoadedAddon<T> {
  binding: T;
  /** The file loaded and where it came from. */
  file: string;
  origin: string;
  /** Every place looked at, with what was found there. */
  looked: string[];
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** Loads the first candidate that loads; throws E_RUNTIME_LOAD saying what was looked for and what to do. */
export function loadFirst<T>(search: AddonSearch, load: (file: string) => unknown, facts: PlatformFacts = hostFacts()): LoadedAddon<T> {
  const failures: string[] = [];
  for (const candidate of search.candidates) {
    try {
      return { binding: load(candidate.file) as T, file: candidate.file, origin: candidate.origin, looked: search.looked };
    } catch (error) {
      failures.push(`${candidate.origin}: ${candidate.file} does not load: ${firstLine(error)}`);
    }
  }
  const libc = facts.platform !== 'linux' ? '' : facts.glibc ? `, glibc ${facts.glibc}` : ', not glibc';
  throw new RuntimeLoadError(
    'E_RUNTIME_LOAD',
    `the dynamic-ofa native addon could not be loaded for ${facts.platform}-${facts.arch} (Node ${process.version}${libc}). Looked for:\n` +
      `${[...search.looked, ...failures].map((l) => `  - ${l}`).join('\n')}\n${addonAdvice(search)}`,
  );
}
