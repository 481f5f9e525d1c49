#!/usr/bin/env node
'use strict';
// npm install hook: use a prebuilt or already built addon when one loads, else build from source with cmake-js.
// (node-gyp-build's own install fallback runs node-gyp, which cannot build this CMake project.)
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');

function truthy(value) {
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

// Loads the binary in a child process, so a broken one cannot take this process down.
function existingBinaryLoads() {
  const probe = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], { stdio: 'ignore' });
  return probe.status === 0;
}

function onnxRuntimeHeaders() {
  const candidates = [
    process.env.ONNXRUNTIME_INCLUDE_DIR,
    '/usr/include/onnxruntime',
    '/usr/local/include/onnxruntime',
    path.join(root, 'deps', 'onnxruntime', 'include'),
  ].filter(Boolean);
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'onnxruntime_c_api.h')));
  if (found) return found;
  console.log('dynamic-ofa: fetching ONNX Runtime C headers (Debian libonnxruntime-dev) into deps/ ...');
  return require('./fetch-ort-headers').fetchHeaders(path.join(root, 'deps'));
}

function main() {
  const forceSource = truthy(process.env.npm_config_build_from_source) || truthy(process.env.DYNAMIC_OFA_BUILD_FROM_SOURCE);
  if (!forceSource && existingBinaryLoads()) return 0;
  let headers;
  try {
    headers = onnxRuntimeHeaders();
  } catch (error) {
    console.error(
      `dynamic-ofa: cannot find ONNX Runtime C headers: ${error.message}\n` +
        'Set ONNXRUNTIME_INCLUDE_DIR to a folder containing onnxruntime_c_api.h (ONNX Runtime >= 1.17) and reinstall.',
    );
    return 1;
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, forceSource ? 'rebuild' : 'compile', `--CDONNXRUNTIME_INCLUDE_DIR=${headers}`];
  for (const [key, value] of Object.entries(process.env)) {
    const m = key.match(/^DYNAMIC_OFA_CMAKE_OPTION_(.+)$/);
    if (m) args.push(`--CD${m[1]}=${value}`);
  }
  console.log(`dynamic-ofa: building the native addon from source (cmake-js ${forceSource ? 'rebuild' : 'compile'})`);
  const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error(
      'dynamic-ofa: the native build failed. It needs cmake >= 3.15, a C++17 compiler and make ' +
        '(Debian/Ubuntu: apt-get install cmake g++ make).',
    );
    return build.status || 1;
  }
  return 0;
}

process.exitCode = main();
