#!/usr/bin/env node
'use strict';
// Builds the addon from the current sources for linux-x64 and/or linux-arm64 inside the bullseye build root
// (GCC 10; arm64 with the aarch64-linux-gnu cross compilers). cmake runs directly, without cmake-js or Node:
// the Node-API headers (node-api-headers), node-addon-api and the ONNX Runtime headers are copied in. The build
// tree stays in the root, so a re-run recompiles only what changed. Output: the stripped addon.
// Usage: node scripts/build/platform-addon.js [x64] [arm64]   (default: both)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureBuildRoot, inBuildRoot } = require('./build-root');
const { fetchDebianHeaders, findHeaders } = require('./ort-headers');
const { requireRoot } = require('./tools');
const { ADDON_FILE, PLATFORMS, platform, repoRoot, cacheDir } = require('./platforms');

// What the CMake project needs from the repository (everything else stays out of the root).
const SOURCE_ENTRIES = ['CMakeLists.txt', 'binding'];
const WORK = '/work/dynamic-ofa';

function packageDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [repoRoot] }));
}

/** ONNX Runtime's headers as a source build finds them, else Debian's (this machine has a Debian archive: mmdebstrap needs one). */
function onnxRuntimeHeaders() {
  const destRoot = path.join(repoRoot, 'deps');
  return findHeaders({ destRoot }) ?? fetchDebianHeaders(destRoot);
}

/**
 * Copies the sources into `<work>/src` and the headers into `<work>/include/{node-api,node-addon-api,onnxruntime}`
 * plus each of `extraIncludes` ({ folder name: header tree }), `work` being a folder inside the root as the root
 * sees it. Timestamps are kept, so unchanged files are not recompiled. Returns the folder on this machine.
 */
function stageSources(rootDir, work = WORK, extraIncludes = {}) {
  const host = path.join(rootDir, work.slice(1));
  const copy = (from, to) => fs.cpSync(from, to, { recursive: true, preserveTimestamps: true, dereference: true });
  for (const dir of ['src', 'include']) fs.rmSync(path.join(host, dir), { recursive: true, force: true });
  for (const entry of SOURCE_ENTRIES) copy(path.join(repoRoot, entry), path.join(host, 'src', entry));
  copy(path.join(packageDir('node-api-headers'), 'include'), path.join(host, 'include', 'node-api'));
  const addonApi = packageDir('node-addon-api');
  fs.mkdirSync(path.join(host, 'include', 'node-addon-api'), { recursive: true });
  for (const header of fs.readdirSync(addonApi).filter((f) => f.endsWith('.h'))) {
    copy(path.join(addonApi, header), path.join(host, 'include', 'node-addon-api', header));
  }
  copy(onnxRuntimeHeaders(), path.join(host, 'include', 'onnxruntime'));
  for (const [name, tree] of Object.entries(extraIncludes)) copy(tree, path.join(host, 'include', name));
  return host;
}

/** Configures and builds for `cpu`; returns the stripped addon's path in the cache. */
function buildAddon(rootDir, cpu) {
  const { compilerPrefix, cmakeProcessor } = platform(cpu);
  const buildDir = `${WORK}/build-${cpu}`;
  const cross = compilerPrefix
    ? ['-DCMAKE_SYSTEM_NAME=Linux', `-DCMAKE_SYSTEM_PROCESSOR=${cmakeProcessor}`, `-DCMAKE_CXX_COMPILER=${compilerPrefix}g++`]
    : [];
  inBuildRoot(rootDir, [
    'cmake', '-S', `${WORK}/src`, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', ...cross,
    `-DCMAKE_JS_INC=${WORK}/include/node-api;${WORK}/include/node-addon-api`,
    `-DONNXRUNTIME_INCLUDE_DIR=${WORK}/include/onnxruntime`,
    // The platform packages hold the CPU (ONNX Runtime) build; TensorRT variants are built against JetPack.
    '-DDYNAMIC_OFA_TENSORRT=OFF',
  ]);
  inBuildRoot(rootDir, ['cmake', '--build', buildDir, '--parallel', String(os.availableParallelism())]);
  const built = `${buildDir}/${ADDON_FILE}`;
  if (!fs.existsSync(path.join(rootDir, built.slice(1)))) throw new Error(`the build produced no ${built} inside ${rootDir}`);
  const stripped = `${buildDir}/stripped/${ADDON_FILE}`;
  inBuildRoot(rootDir, ['mkdir', '-p', `${buildDir}/stripped`]);
  inBuildRoot(rootDir, [`${compilerPrefix}strip`, '--strip-unneeded', '-o', stripped, built]);
  const out = cacheDir('platform-build', `linux-${cpu}`, ADDON_FILE);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.copyFileSync(path.join(rootDir, stripped.slice(1)), out);
  return out;
}

/** Builds every requested platform; returns { cpu: addonPath }. */
function buildPlatformAddons(cpus = Object.keys(PLATFORMS), { log = console.log } = {}) {
  requireRoot('building in the build root (chroot)');
  const rootDir = ensureBuildRoot({ log });
  stageSources(rootDir);
  const built = {};
  for (const cpu of cpus) built[cpu] = buildAddon(rootDir, cpu);
  return built;
}

module.exports = { buildPlatformAddons, packageDir, stageSources };

if (require.main === module) {
  try {
    const cpus = process.argv.slice(2);
    for (const [cpu, file] of Object.entries(buildPlatformAddons(cpus.length > 0 ? cpus : undefined))) {
      console.log(`linux-${cpu}: ${file} (${(fs.statSync(file).size / 1024).toFixed(0)} KiB)`);
    }
  } catch (error) {
    console.error(`platform-addon: ${error.message}`);
    process.exit(1);
  }
}
