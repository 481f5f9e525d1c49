#!/usr/bin/env node
'use strict';
// Builds the CPU (ONNX Runtime) addon from the current sources for linux-x64 and/or linux-arm64 with prebuildify
// inside the bullseye build root (GCC 10; arm64 with the aarch64-linux-gnu cross compilers; prebuildify-in-root.js),
// with ONNX Runtime's headers copied in. The build tree stays in the root, so a re-run recompiles only what changed.
// Output: prebuildify's prebuilds/ tree, `prebuilds/linux-<cpu>/dynamic-ofa.napi.glibc.node` (stripped), in the cache.
// Usage: node scripts/build/platform-addon.js [x64] [arm64]   (default: both)
const fs = require('node:fs');
const path = require('node:path');

const { ensureBuildRoot } = require('./build-root');
const { fetchDebianHeaders, findHeaders } = require('./ort-headers');
const { prebuildifyInRoot } = require('./prebuildify-in-root');
const { requireRoot } = require('./tools');
const { PLATFORMS, repoRoot, cacheDir } = require('./platforms');

const WORK = '/work/dynamic-ofa';

function packageDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [repoRoot] }));
}

/** ONNX Runtime's headers as a source build finds them, else Debian's (this machine has a Debian archive: mmdebstrap needs one). */
function onnxRuntimeHeaders() {
  const destRoot = path.join(repoRoot, 'deps');
  return findHeaders({ destRoot }) ?? fetchDebianHeaders(destRoot);
}

/** Builds for `cpu` with prebuildify; returns the prebuilds/ tree copied into the cache. */
function buildAddon(rootDir, cpu) {
  const work = `${WORK}/linux-${cpu}`;
  const built = prebuildifyInRoot(rootDir, {
    work, cpu, includes: { onnxruntime: onnxRuntimeHeaders() },
    // The platform packages hold the CPU (ONNX Runtime) build; TensorRT variants are built against JetPack.
    cmakeOptions: { ONNXRUNTIME_INCLUDE_DIR: `${work}/include/onnxruntime`, DYNAMIC_OFA_TENSORRT: 'OFF' },
  });
  const out = cacheDir('platform-build', `linux-${cpu}`, 'prebuilds');
  fs.rmSync(out, { recursive: true, force: true });
  fs.cpSync(built.prebuilds, out, { recursive: true });
  return out;
}

/** Builds every requested platform; returns { cpu: prebuilds/ tree }. */
function buildPlatformAddons(cpus = Object.keys(PLATFORMS), { log = console.log } = {}) {
  requireRoot('building in the build root (chroot)');
  const rootDir = ensureBuildRoot({ log });
  const built = {};
  for (const cpu of cpus) built[cpu] = buildAddon(rootDir, cpu);
  return built;
}

module.exports = { buildPlatformAddons, packageDir, onnxRuntimeHeaders };

if (require.main === module) {
  try {
    const cpus = process.argv.slice(2);
    for (const [cpu, prebuilds] of Object.entries(buildPlatformAddons(cpus.length > 0 ? cpus : undefined))) {
      for (const file of fs.readdirSync(prebuilds, { recursive: true }).filter((f) => f.endsWith('.node'))) {
        console.log(`linux-${cpu}: ${path.join(prebuilds, file)} (${(fs.statSync(path.join(prebuilds, file)).size / 1024).toFixed(0)} KiB)`);
      }
    }
  } catch (error) {
    console.error(`platform-addon: ${error.message}`);
    process.exit(1);
  }
}
