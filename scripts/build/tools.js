'use strict';
// Small helpers the build and platform scripts share: checking for a tool with an install hint, running a
// command with its output kept for the error, timing steps, reading an option.
const { spawnSync } = require('node:child_process');

/** Throws a message naming what to install when `command` is not on PATH. */
function requireCommand(command, installHint) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`'${command}' is not installed: ${installHint}`);
  return found.stdout.trim();
}

function requireRoot(what) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${what} needs root (mmdebstrap's root mode and chroot); run it as root, as CI does`);
  }
}

/** Runs a command; throws with the tail of its output when it fails. stdio 'inherit' streams instead. */
function run(command, args, { cwd, env, stdio = 'pipe', timeoutMs } = {}) {
  const result = spawnSync(command, args, {
    cwd, env, encoding: 'utf8', maxBuffer: 256 * 2 ** 20, timeout: timeoutMs,
    stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().slice(-4000);
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}${output ? `:\n${output}` : ''}`);
  }
  return result.stdout ?? '';
}

/** Runs fn, prints and returns its wall time; `times` collects { step, seconds } for a summary. */
async function timed(step, fn, times) {
  const start = process.hrtime.bigint();
  const value = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  [${seconds.toFixed(1)} s] ${step}`);
  if (times) times.push({ step, seconds });
  return value;
}

/** The value after `--name` on the command line, else fallback. */
function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

module.exports = { requireCommand, requireRoot, run, timed, option };
