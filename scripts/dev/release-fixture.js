'use strict';
// The release as users get it, shared by test-platforms.js and test-registry.js: the platform packages and the
// main package built and packed (scripts/build/platform-packages.js), published in release order to a local
// registry (verdaccio on 127.0.0.1; everything else through its uplink to npm's configured registry), then
// installed with npm, npm's default configuration, into empty folders.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { makeRelease, publishOrder } = require('../build/platform-packages');
const { mainPackage } = require('../build/platforms');
const { timed } = require('../build/tools');
const { startLocalRegistry } = require('./local-registry');

const PLATFORM_PACKAGES = Object.values(mainPackage.dynamicOfa.platformPackages);
const SCOPE = PLATFORM_PACKAGES[0].split('/')[0];
const COMPILERS = ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'cmake', 'make', 'ninja', 'aarch64-linux-gnu-g++'];

/**
 * Whether this machine can run the platform tests: linux-x64, root (mmdebstrap and chroot), mmdebstrap installed.
 * Where it cannot, the test is skipped, except in CI (CI=true), where .ci/run provides all of it.
 */
function platformTestHost(title) {
  const problems = [];
  if (process.platform !== 'linux' || process.arch !== 'x64') problems.push(`it runs on linux-x64 (this is ${process.platform}-${process.arch})`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) problems.push('it needs root (mmdebstrap and chroot make the build root)');
  if (spawnSync('sh', ['-c', 'command -v mmdebstrap']).status !== 0) problems.push('it needs mmdebstrap (apt-get install mmdebstrap)');
  if (problems.length === 0) return true;
  const message = `${title}: ${problems.join('; ')}`;
  if (process.env.CI) {
    console.error(`${message}; required in CI`);
    process.exitCode = 1;
  } else {
    console.log(`${message}; skipped`);
  }
  return false;
}

/** Builds and packs the release, starts the registry and publishes to it. Returns { release, registry }. */
async function publishedRelease() {
  const release = makeRelease(undefined, { log: () => {} });
  const registry = await startLocalRegistry({ localOnly: [mainPackage.name, `${SCOPE}/*`] });
  try {
    for (const tarball of publishOrder(release)) registry.publish(tarball);
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return { release, registry };
}

/** Stand-ins for compilers and build tools, first on PATH: each records its call and fails. */
function compilerTripwire(dir) {
  const bin = path.join(dir, 'tripwire-bin');
  const log = path.join(dir, 'tripwire.log');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(log, '');
  for (const tool of COMPILERS) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexit 1\n`, { mode: 0o755 });
  }
  return { path: `${bin}:${process.env.PATH}`, calls: () => fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

/**
 * `npm install <args>` (--foreground-scripts, so install scripts' output is in the log) in a new empty folder
 * `name` under the registry's work folder, compilers replaced by the tripwire. Returns { app, status, output,
 * seconds, compilerCalls }.
 */
function npmInstall(registry, name, args, env = {}, { tripwire = true } = {}) {
  const app = path.join(registry.work, name);
  fs.mkdirSync(app, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  const wire = tripwire ? compilerTripwire(app) : null;
  const start = process.hrtime.bigint();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...args], {
    cwd: app, env: registry.npmEnv({ ...(wire ? { PATH: wire.path } : {}), ...env }), encoding: 'utf8', timeout: 15 * 60 * 1000,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { app, status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`, seconds, compilerCalls: wire ? wire.calls() : [] };
}

/** The platform packages installed in app, by name. */
function installedPlatformPackages(app) {
  return PLATFORM_PACKAGES.filter((n) => fs.existsSync(path.join(app, 'node_modules', n, 'package.json')));
}

/** An installed package's folder in app. */
const installedDir = (app, name) => path.join(app, 'node_modules', name);

/**
 * One release test: skipped (failed in CI) where this host cannot run it; else `before(times)` if given, the
 * release packed and published to a local registry, `body({ release, registry, times })`, the registry stopped, the
 * wall times printed, and the exit code set from `report` (a checkReport). A throw is reported as a failed check.
 */
function runReleaseTest(title, report, body, { before } = {}) {
  const main = async () => {
    if (!platformTestHost(title)) return false;
    const times = [];
    if (before) await before(times);
    const { release, registry } = await timed('addons, packages, local registry', () => publishedRelease(), times);
    try {
      await body({ release, registry, times });
    } finally {
      await registry.stop();
    }
    console.log(`wall times: ${times.map((t) => `${t.step} ${t.seconds.toFixed(1)} s`).join('; ')}`);
    return true;
  };
  // A throw is a failed check; only a host that cannot run the test (main returns false) skips finish().
  main()
    .catch((error) => {
      report.check(`${title.replace(':', '-')} ran`, false, error.stack ?? error.message);
    })
    .then((ran) => {
      if (ran !== false) process.exitCode = report.finish();
    });
}

module.exports = { runReleaseTest, platformTestHost, publishedRelease, npmInstall, installedPlatformPackages, installedDir, PLATFORM_PACKAGES };
