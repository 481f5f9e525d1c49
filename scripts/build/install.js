#!/usr/bin/env node
'use strict';
// npm install hook. Where this platform's package (an optional dependency: prebuilt addon + ONNX Runtime) has an
// addon that loads, or a local build already does, there is nothing to do: no compiler, no download. Whether one
// loads is node-gyp-build's answer, in a child process: it resolves the addon in a folder (build/Release, then
// prebuilds/<platform>-<arch>/) and requires it. Otherwise the addon is built from source with cmake-js, after
// finding or fetching ONNX Runtime's C headers (ort-headers.js).
// Runs before `prepare` in a clone, so it uses no dist/ and node builtins only (plus node-gyp-build, and cmake-js to
// build).
// npm_config_build_from_source=true (npm rebuild --build-from-source) or DYNAMIC_OFA_BUILD_FROM_SOURCE=1 forces
// a source build; DYNAMIC_OFA_CMAKE_OPTION_<KEY>=<value> passes -D<KEY>=<value> to CMake.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function truthy(value) {
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** Whether node-gyp-build finds an addon in `dir` and it loads, in a child process (a broken one cannot take the install down). */
function loadsInChild(dir) {
  const nodeGypBuild = require.resolve('node-gyp-build');
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(nodeGypBuild)})(${JSON.stringify(dir)})`], { stdio: 'ignore', timeout: 60000 });
  return probe.status === 0;
}

/** This platform's package as the main package names it: { name, dir } or { name?, reason }. */
function platformPackage(root) {
  const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const name = main.dynamicOfa?.platformPackages?.[`${process.platform}-${process.arch}`];
  if (!name) return { reason: `no platform package for ${process.platform}-${process.arch}` };
  try {
    return { name, dir: path.dirname(require.resolve(`${name}/package.json`, { paths: [root] })) };
  } catch {
    return { name, reason: `${name} is not installed` };
  }
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
    if (pkg.dir && loadsInChild(pkg.dir)) {
      console.log(`dynamic-ofa: using the prebuilt addon of ${pkg.name}; nothing to build`);
      return 0;
    }
    if (fs.existsSync(path.join(root, 'build', 'Release')) && loadsInChild(root)) return 0;
    console.log(`dynamic-ofa: ${pkg.dir ? `${pkg.name} has no addon that loads here` : pkg.reason}; building the addon from source`);
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
