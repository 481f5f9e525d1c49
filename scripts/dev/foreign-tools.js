'use strict';
// Tools to run a platform's binaries on this machine, fetched into the git-ignored cache with the ordinary
// clients: Node for linux-<cpu> (scripts/build/node-for-platform.js), and a static qemu-aarch64 from Debian 13's
// qemu-user (Debian 12's qemu-user-static passes the host's /proc/cpuinfo through, which crashes ONNX Runtime's
// CPU detection; 13's emulates it).
const fs = require('node:fs');
const path = require('node:path');

const { extractDeb, hostDebianArchitecture, privateApt } = require('../build/debian-archive');
const { nodeForPlatform } = require('../build/node-for-platform');
const { cacheDir } = require('../build/platforms');
const { requireCommand } = require('../build/tools');

const QEMU_SUITE = 'trixie';

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
