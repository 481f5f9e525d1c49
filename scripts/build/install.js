#!/usr/bin/env node
'use strict';
// npm install hook. Where this platform's package (an optional dependency: prebuilt addon + ONNX Runtime) loads,
// or a local build already does, there is nothing to do: no compiler, no download. Otherwise the addon is built
// from source with cmake-js, after finding or fetching ONNX Runtime's C headers (ort-headers.js).
// Runs before `prepare` in a clone, so it uses no dist/ and node builtins only (plus cmake-js to build).
// npm_config_build_from_source=true (npm rebuild --build-from-source) or DYNAMIC_OFA_BUILD_FROM_SOURCE=1 forces
// a source build; DYNAMIC_OFA_CMAKE_OPTION_<KEY>=<value> passes -D<KEY>=<value> to CMake.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ADDON_FILE = 'dynamic_ofa.node';

function truthy(value) {
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** Loads a binary in a child process, so a broken one cannot take the install down. */
function loadsInChild(file) {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { stdio: 'ignore', timeout: 60000 });
  return probe.status === 0;
}

/** This platform's package as the main package names it: { name, addon } or { name?, reason }. */
function platformPackage(root) {
  const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const name = main.dynamicOfa?.platformPackages?.[`${process.platform}-${process.arch}`];
  if (!name) return { reason: `no platform package for ${process.platform}-${process.arch}` };
  let manifestFile;
  try {
    manifestFile = require.resolve(`${name}/package.json`, { paths: [root] });
  } catch {
    return { name, reason: `${name} is not installed` };
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  return { name, addon: path.join(path.dirname(manifestFile), manifest.dynamicOfa?.addon ?? ADDON_FILE) };
}

function cmakeOptions(env) {
  return Object.entries(env).flatMap(([key, value]) => {
    const m = key.match(/^DYNAMIC_OFA_CMAKE_OPTION_(.+)$/);
    return m ? [`--CD${m[1]}=${value}`] : [];
  });
}

/** Test-only overrides of the release archive's address and digest (both must be set). */
function releaseOverride(env) {
  const urlBase = env.DYNAMIC_OFA_TEST_ORT_RELEASE_URL;
  const sha256 = env.DYNAMIC_OFA_TEST_ORT_RELEASE_SHA256;
  if (!urlBase || !sha256) return {};
  console.log(`dynamic-ofa: TEST OVERRIDE: ONNX Runtime release archive from ${urlBase} (sha256 ${sha256})`);
  return { urlBase, sha256 };
}

/** Returns the exit code. */
async function main({ root = path.join(__dirname, '..', '..'), env = process.env } = {}) {
  const forceSource = truthy(env.npm_config_build_from_source) || truthy(env.DYNAMIC_OFA_BUILD_FROM_SOURCE);
  if (!forceSource) {
    const pkg = platformPackage(root);
    if (pkg.addon && loadsInChild(pkg.addon)) {
      console.log(`dynamic-ofa: using the prebuilt addon of ${pkg.name}; nothing to build`);
      return 0;
    }
    const local = path.join(root, 'build', 'Release', ADDON_FILE);
    if (fs.existsSync(local) && loadsInChild(local)) return 0;
    console.log(`dynamic-ofa: ${pkg.addon ? `${pkg.name}'s addon does not load here` : pkg.reason}; building the addon from source`);
  }
  let headers;
  try {
    const { ensureHeaders } = require('./ort-headers');
    headers = await ensureHeaders({ destRoot: path.join(root, 'deps'), env, log: (m) => console.log(`dynamic-ofa: ${m}`), release: releaseOverride(env) });
  } catch (error) {
    console.error(`dynamic-ofa: ${error.message}`);
    return 1;
  }
  const mode = forceSource ? 'rebuild' : 'compile';
  const args = [require.resolve('cmake-js/bin/cmake-js', { paths: [root] }), mode, `--CDONNXRUNTIME_INCLUDE_DIR=${headers}`, ...cmakeOptions(env)];
  console.log(`dynamic-ofa: building the native addon from source (cmake-js ${mode}; ONNX Runtime headers: ${headers})`);
  const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  if (build.status !== 0) {
    console.error(
      'dynamic-ofa: the native build failed. It needs cmake >= 3.16, a C++17 compiler and make ' +
        '(Debian/Ubuntu: apt-get install cmake g++ make).',
    );
    return build.status || 1;
  }
  return 0;
}

module.exports = { main, platformPackage };

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
