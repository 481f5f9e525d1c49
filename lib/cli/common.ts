/** What every CLI command shares: defaults, output, progress bars and error reporting. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SingleBar } from 'cli-progress';

import { DynamicOfaError, type ErrorCode } from '../errors';
import { packageRoot } from '../util/package-root';

/** The bundled default family (or, in a repository checkout before it exists, the test fixture family). */
export function defaultFamilyDir(): string {
  const bundled = path.join(packageRoot, 'engines', 'fashion-ofa');
  if (fs.existsSync(path.join(bundled, 'family.json'))) return bundled;
  const fixture = path.join(packageRoot, 'test', 'fixtures', 'tiny-family');
  return fs.existsSync(path.join(fixture, 'family.json')) ? fixture : bundled;
}

/** The families the contention scenario runs on by default: the bundled one, and the ImageNet reference
 * family when its ONNX files have been exported (npm run export -- --family engines/ofa-mbv3-w12). */
export function defaultScenarioFamilies(): string {
  const list = [defaultFamilyDir()];
  const w12 = path.join(packageRoot, 'engines', 'ofa-mbv3-w12');
  try {
    const subnets = (JSON.parse(fs.readFileSync(path.join(w12, 'family.json'), 'utf8')) as { subnets: { model: string }[] }).subnets;
    if (subnets.every((s) => fs.existsSync(path.join(w12, s.model)))) list.push(w12);
  } catch {
    // not there: the bundled family only
  }
  return list.join(',');
}

export const defaultOutDir = (name: string): string => path.join(process.cwd(), 'dynamic-ofa-results', name);

/** A progress bar on stderr when it is a terminal; silent otherwise (logs and --json stay clean). */
export function progressBar(label: string): { update: (done: number, total: number, what: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {what}`, stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update: (done, total, what) => {
      if (!started) {
        bar.start(total, done, { what });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { what });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** Writes JSON to a file, or to stdout when `target` is true (a bare --json). */
export function emitJson(target: string | boolean | undefined, value: unknown): void {
  const text = JSON.stringify(value, null, 2);
  if (target === true) {
    process.stdout.write(`${text}\n`);
  } else if (typeof target === 'string') {
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    fs.writeFileSync(target, text);
    console.log(`JSON written to ${target}`);
  }
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  E_FAMILY_INVALID: 'fix the listed JSON paths in family.json (format: docs/families.md in the repository), or pass --family with another folder',
  E_MODEL_LOAD: 'the model file is damaged or is not a single-input/single-output float network: export it again (dynamic-ofa export)',
  E_RUNTIME_LOAD: 'the message names every place looked at and what to install or set (docs/installing.md in the repository)',
  E_BACKEND_UNAVAILABLE: 'run `dynamic-ofa info` to see the devices this build can use',
  E_THREADS: 'all models in one process share a thread pool: use the same --threads everywhere',
  E_INVALID_ARGUMENT: 'see --help for the accepted values',
};

const USAGE_CODES = new Set<ErrorCode>(['E_INVALID_ARGUMENT', 'E_BACKEND_UNAVAILABLE', 'E_THREADS']);

/** Prints an error with its code and a hint, and sets a failing exit code. Never throws. */
export function reportError(error: unknown): void {
  if (error instanceof DynamicOfaError) {
    console.error(`error [${error.code}]: ${error.message}`);
    const hint = HINTS[error.code];
    if (hint) console.error(`hint: ${hint}`);
    // 2: the request cannot be served here as asked (bad usage, device not in this build); 1: it failed.
    process.exitCode = USAGE_CODES.has(error.code) ? 2 : 1;
    return;
  } else if (error instanceof Error) {
    console.error(`error: ${error.message}`);
  } else {
    console.error(`error: ${String(error)}`);
  }
  process.exitCode = 1;
}

/** Parses a positive number option; throws a typed error naming the option. */
export function positive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new DynamicOfaError('E_INVALID_ARGUMENT', `--${name} must be a positive number; got '${value}'`);
    return n;
  };
}
