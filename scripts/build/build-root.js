#!/usr/bin/env node
'use strict';
// The Debian 11 (bullseye) build root: GCC 10, CMake 3.18, the aarch64-linux-gnu cross compilers and arm64
// runtime libraries (for the emulated test), made with mmdebstrap into the git-ignored cache and reused while
// its recipe is unchanged. Nothing on this machine's system changes; the archive address comes from its apt
// configuration. Usage: node scripts/build/build-root.js [--rebuild]
const fs = require('node:fs');
const path = require('node:path');

const { debianSourceLines } = require('./debian-archive');
const { BUILD_SUITE, PLATFORMS, cacheDir } = require('./platforms');
const { requireCommand, requireRoot, run } = require('./tools');

const RECIPE = {
  suite: BUILD_SUITE,
  variant: 'essential',
  architectures: ['amd64', 'arm64'],
  include: ['g++', 'make', 'cmake', 'g++-aarch64-linux-gnu', 'libstdc++6:arm64'],
  // Man pages, docs and translations are never used in the root.
  dpkgOptions: ['path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/doc/*', 'path-include=/usr/share/doc/*/copyright', 'path-exclude=/usr/share/locale/*'],
};
const STAMP = '.dynamic-ofa-build-root.json';

function buildRootDir() {
  return cacheDir(`${BUILD_SUITE}-root`);
}

function mountsUnder(dir) {
  const prefix = `${path.resolve(dir)}/`;
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(prefix));
}

/** Removes a root, refusing while anything is mounted inside it (a bind mount would expose the host's files). */
function removeRoot(dir) {
  const mounted = mountsUnder(dir);
  if (mounted.length > 0) throw new Error(`refusing to delete ${dir}: still mounted there: ${mounted.join(', ')} (umount them first)`);
  fs.rmSync(dir, { recursive: true, force: true });
}

function isCurrent(dir) {
  try {
    return fs.readFileSync(path.join(dir, STAMP), 'utf8') === JSON.stringify(RECIPE);
  } catch {
    return false;
  }
}

/** The build root's path, made first when missing or made from another recipe. */
function ensureBuildRoot({ rebuild = false, log = console.log } = {}) {
  const dir = buildRootDir();
  if (!rebuild && isCurrent(dir)) return dir;
  requireRoot('making the build root');
  requireCommand('mmdebstrap', 'apt-get install mmdebstrap');
  const partial = `${dir}.partial`;
  removeRoot(partial);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  log(`making the ${BUILD_SUITE} build root in ${dir} (mmdebstrap; downloads about 150 MB) ...`);
  run('mmdebstrap', [
    `--variant=${RECIPE.variant}`,
    `--architectures=${RECIPE.architectures.join(',')}`,
    `--include=${RECIPE.include.join(',')}`,
    ...RECIPE.dpkgOptions.map((o) => `--dpkgopt=${o}`),
    '--aptopt=Acquire::Languages "none"',
    '--quiet',
    BUILD_SUITE,
    partial,
    ...debianSourceLines(BUILD_SUITE),
  ]);
  fs.writeFileSync(path.join(partial, STAMP), JSON.stringify(RECIPE));
  removeRoot(dir);
  fs.renameSync(partial, dir);
  return dir;
}

/** Runs argv inside the root (chroot, clean environment); throws with its output when it fails. */
function inBuildRoot(rootDir, argv) {
  return run('chroot', [rootDir, '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', 'HOME=/root', 'LANG=C.UTF-8', ...argv]);
}

/** Folders holding the root's runtime libraries for a platform (for its dynamic loader or an emulator). */
function runtimeLibraryDirs(rootDir, cpu) {
  const { gnuTriple } = PLATFORMS[cpu];
  return [path.join(rootDir, 'lib', gnuTriple), path.join(rootDir, 'usr', 'lib', gnuTriple)];
}

module.exports = { ensureBuildRoot, inBuildRoot, buildRootDir, runtimeLibraryDirs };

if (require.main === module) {
  try {
    const start = Date.now();
    const dir = ensureBuildRoot({ rebuild: process.argv.includes('--rebuild') });
    console.log(`${dir} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`build-root: ${error.message}`);
    process.exit(1);
  }
}
