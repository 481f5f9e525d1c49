#!/usr/bin/env node
'use strict';
// The cmake-js backend for prebuildify, given to it as its node-gyp (`prebuildify --node-gyp <this file>`):
// released prebuildify (6.0.1) runs only `node-gyp rebuild --target=.. --devdir=.. --arch=.. --release|--debug`
// and then takes build/Release/*.node. This runs cmake-js in the package folder (cwd) instead: `cmake-js
// configure`, then `cmake-js build`, into build/Release. CMake reconfigures an existing build tree in place, so a
// repeated run recompiles only what changed. DYNAMIC_OFA_CMAKE_OPTION_<KEY>=<value> passes -D<KEY>=<value> (the
// install script's convention), which is how a cross build names its compiler. Only --arch and --debug matter
// here: --target (the ABI) and --devdir (node-gyp's header cache) do not apply to a Node-API build with cmake-js.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function cmakeOptions(env) {
  return Object.entries(env).flatMap(([key, value]) => {
    const m = key.match(/^DYNAMIC_OFA_CMAKE_OPTION_(.+)$/);
    return m ? [`--CD${m[1]}=${value}`] : [];
  });
}

/** The cmake-js command lines for node-gyp's argv as prebuildify passes it. */
function cmakeJsCommands(argv, env) {
  if (argv[0] !== 'rebuild') throw new Error(`expects prebuildify's 'rebuild ...', got '${argv.join(' ')}'`);
  const arch = argv.find((a) => a.startsWith('--arch='))?.slice('--arch='.length);
  const debug = argv.includes('--debug') ? ['--debug'] : [];
  return [
    ['configure', ...(arch ? ['--arch', arch] : []), ...debug, ...cmakeOptions(env)],
    ['build', ...debug, ...(env.DYNAMIC_OFA_BUILD_JOBS ? ['--parallel', env.DYNAMIC_OFA_BUILD_JOBS] : [])],
  ];
}

function main(argv = process.argv.slice(2), env = process.env) {
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [process.cwd()] });
  for (const args of cmakeJsCommands(argv, env)) {
    console.log(`prebuildify-cmake-js: cmake-js ${args.join(' ')}`);
    const r = spawnSync(process.execPath, [cmakeJs, ...args], { cwd: process.cwd(), env, stdio: 'inherit' });
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

module.exports = { cmakeJsCommands, SHIM: path.resolve(__filename) };

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(`prebuildify-cmake-js: ${error.message}`);
    process.exitCode = 1;
  }
}
