/**
 * What the stand-in suite's tests share: the environment scripts/dev/tensorrt-standin.js sets up, scenario
 * scripts run in their own processes (the stand-in reads its environment once per process, and a fault or a lost
 * device lasts for the process), the CLI, and the summary each test file adds to.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..', '..');
export const bundledFamily = path.join(repoRoot, 'engines', 'fashion-ofa');
export const tinyFamily = path.join(repoRoot, 'test', 'fixtures', 'tiny-family');
export const int8Family = path.join(repoRoot, 'test', 'fixtures', 'int8-family');

/** The stand-in's library folder; the suite runs only through npm run test:tensorrt-standin. */
export function standinLibraryDir(): string {
  const dir = process.env.DYNAMIC_OFA_STANDIN_LIBRARY_DIR;
  if (!dir || !process.env.DYNAMIC_OFA_BINARY) {
    throw new Error('the stand-in suite runs through `npm run test:tensorrt-standin`, which builds the TensorRT addon and the stand-in libraries');
  }
  return dir;
}

/** The TensorRT major the stand-in and the addon under test were built for (10, or 8 where deps/ has its headers). */
export function tensorrtMajor(): number {
  standinLibraryDir();
  return Number(process.env.DYNAMIC_OFA_STANDIN_TENSORRT_MAJOR ?? '10');
}

/** The file names the addon loads for that major. */
export function libraryNames(major = tensorrtMajor()): { nvinfer: string; parser: string; cudart: string } {
  return major >= 10
    ? { nvinfer: 'libnvinfer.so.10', parser: 'libnvonnxparser.so.10', cudart: 'libcudart.so.12' }
    : { nvinfer: `libnvinfer.so.${major}`, parser: `libnvonnxparser.so.${major}`, cudart: 'libcudart.so.11.0' };
}

export interface ProcessOutcome<T> {
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The scenario's JSON line, when it printed one. */
  result?: T;
  stdout: string;
  stderr: string;
}

/** Runs `node <file> <args...>` with the stand-in environment plus `env`; never throws for the child's failure. */
export function runNode<T>(file: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240000): ProcessOutcome<T> {
  standinLibraryDir();
  const child = spawnSync(process.execPath, [file, ...args], {
    cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20,
  });
  const timedOut = (child.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const last = child.stdout.trim().split('\n').pop() ?? '';
  let result: T | undefined;
  try {
    result = last.startsWith('{') ? (JSON.parse(last) as T) : undefined;
  } catch {
    result = undefined;
  }
  return { status: child.status, signal: child.signal, timedOut, result, stdout: child.stdout, stderr: child.stderr };
}

/** A scenario script of scenarios/ with its JSON arguments. */
export function scenario<T>(name: string, args: object, env: NodeJS.ProcessEnv = {}, timeoutMs?: number): ProcessOutcome<T> {
  return runNode<T>(path.join(__dirname, 'scenarios', `${name}.js`), [JSON.stringify(args)], env, timeoutMs);
}

/** The scenario's result; fails the test with the child's output when it printed none or exited non-zero. */
export function resultOf<T>(outcome: ProcessOutcome<T>): T {
  if (outcome.status !== 0 || outcome.result === undefined) {
    throw new Error(`scenario failed (status ${outcome.status}, signal ${outcome.signal}, timed out ${outcome.timedOut}):\n` +
      `${outcome.stdout.slice(-3000)}\n${outcome.stderr.slice(-3000)}`);
  }
  return outcome.result;
}

/** The CLI (dist/cli/main.js) with the stand-in environment. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): ProcessOutcome<unknown> {
  return runNode(path.join(repoRoot, 'dist', 'cli', 'main.js'), args, env, timeoutMs);
}

/** A scratch copy of a family folder (engines and profiles are written beside it). */
export function copyFamily(source: string, label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dofa-standin-${label}-`));
  for (const entry of fs.readdirSync(source)) {
    if (entry.startsWith('.')) continue;
    fs.copyFileSync(path.join(source, entry), path.join(dir, entry));
  }
  return dir;
}

/**
 * The summary fragment of one test file, written to DYNAMIC_OFA_STANDIN_SUMMARY_DIR/<name>.json after every
 * change (scripts/dev/tensorrt-standin.js merges the fragments: numbers named max* by maximum, other numbers
 * summed, arrays as sets, objects key by key).
 */
export function summaryFragment(name: string): Record<string, unknown> & { save(): void } {
  const fragment: Record<string, unknown> = {};
  const save = (): void => {
    const dir = process.env.DYNAMIC_OFA_STANDIN_SUMMARY_DIR;
    if (dir) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(fragment));
  };
  return Object.assign(fragment, { save }) as Record<string, unknown> & { save(): void };
}
