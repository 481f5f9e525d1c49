#!/usr/bin/env node
'use strict';
// prebuildify calls this in place of node-gyp (`--node-gyp scripts/build/prebuild-cmake.js`): released prebuildify
// only knows node-gyp, so this translates `rebuild --target=V --arch=A --release|--debug` into a cmake-js
// rebuild of this CMake project. prebuildify then takes build/Release/*.node into prebuilds/<platform>-<arch>/.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const { fetchHeaders } = require('./fetch-ort-headers');
const headers = process.env.ONNXRUNTIME_INCLUDE_DIR || fetchHeaders(path.join(root, 'deps'));
const cmakeArgs = [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', `--CDONNXRUNTIME_INCLUDE_DIR=${headers}`];
const arch = option('arch');
if (arch) cmakeArgs.push('--arch', arch);
if (args.includes('--debug')) cmakeArgs.push('--debug');
for (const [key, value] of Object.entries(process.env)) {
  const m = key.match(/^DYNAMIC_OFA_CMAKE_OPTION_(.+)$/);
  if (m) cmakeArgs.push(`--CD${m[1]}=${value}`);
}
const result = spawnSync(process.execPath, cmakeArgs, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
