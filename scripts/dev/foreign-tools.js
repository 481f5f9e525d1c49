'use strict';
// Tools to run a platform's binaries on this machine, fetched into the git-ignored cache with the ordinary
// clients: Node for linux-<cpu> from npm's node-linux-<cpu> package (the version this Node runs, else the newest
// of its major), and a static qemu-aarch64 from Debian 13's qemu-user (Debian 12's qemu-user-static passes the
// host's /proc/cpuinfo through, which crashes ONNX Runtime's CPU detection; 13's emulates it).
const fs = require('node:fs');
const path = require('node:path');

const { extractDeb, hostDebianArchitecture, privateApt } = require('../build/debian-archive');
const { npmPack } = require('../build/main-package');
const { cacheDir } = require('../build/platforms');
const { requireCommand, run } = require('../build/tools');

const QEMU_SUITE = 'trixie';

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

/** Path of a static qemu-aarch64 (user-mode emulation), fetched once from Debian's qemu-user. */
function qemuAarch64() {
  const dest = cacheDir('qemu-user');
  const binary = path.join(dest, 'qemu-aarch64');
  if (fs.existsSync(binary)) return binary;
  requireCommand('apt-get', 'a Debian or Ubuntu machine with apt is needed to fetch qemu-user');
  const work = path.join(dest, 'apt');
  const [deb] = privateApt({ work, suite: QEMU_SUITE, architecture: hostDebianArchitecture() }).download(['qemu-user'], path.join(work, 'download'));
  // Only the one binary: the package unpacks to hundreds of MB.
  extractDeb(deb, work, ['./usr/bin/qemu-aarch64']);
  fs.renameSync(path.join(work, 'usr', 'bin', 'qemu-aarch64'), binary);
  fs.writeFileSync(path.join(dest, 'SOURCE'), `${path.basename(deb)} (Debian ${QEMU_SUITE})\n`);
  fs.rmSync(work, { recursive: true, force: true });
  return binary;
}

module.exports = { nodeForPlatform, qemuAarch64 };
