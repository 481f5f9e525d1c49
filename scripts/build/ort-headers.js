#!/usr/bin/env node
'use strict';
// ONNX Runtime's C headers for a source build of the addon (the library itself is loaded at run time). Shipped
// in the package: install.js uses it before dist/ exists, so node builtins only. Order:
//   1. ONNXRUNTIME_INCLUDE_DIR;
//   2. a system install (/usr/include/onnxruntime, /usr/local/include/onnxruntime);
//   3. deps/onnxruntime/include (what an earlier fetch left);
//   4. on Debian: libonnxruntime-dev from Debian's archive, through a private sources list made from this
//      machine's apt configuration (nothing on the system changes);
//   5. ONNX Runtime's release archive of the version the platform packages ship, from its GitHub release page,
//      checked against the SHA-256 pinned below before anything is unpacked.
// Usage: node scripts/build/ort-headers.js [DEST_ROOT]   (prints the include folder; default DEST_ROOT: deps/)
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { configuredDebianArchives, extractDeb, hostDebianArchitecture, privateApt } = require('./debian-archive');

const HEADER = 'onnxruntime_c_api.h';
const SYSTEM_DIRS = ['/usr/include/onnxruntime', '/usr/local/include/onnxruntime'];
// Debian's package of ONNX Runtime's headers (also where its copyright file comes from, onnxruntime-notices.js).
const DEBIAN_HEADERS = { suite: 'trixie', package: 'libonnxruntime-dev' };

// The release the platform packages ship (onnxruntime-node's pinned version). The digests are the SHA-256 that
// GitHub publishes for these release assets.
const ORT_RELEASE = {
  version: '1.30.0',
  urlBase: 'https://github.com/microsoft/onnxruntime/releases/download/v1.30.0/',
  archives: {
    x64: { file: 'onnxruntime-linux-x64-1.30.0.tgz', sha256: 'a5ed5a3cac51fbb2e90da632ae43d19212faaa20e76484e62bcb7c23ddb3b3fd' },
    arm64: { file: 'onnxruntime-linux-aarch64-1.30.0.tgz', sha256: 'e16a27a8ed330bbc698df7330b0cf56e722f354e3bcc92118682c74ef3c3e3da' },
  },
};

class HeadersNotFoundError extends Error {}

const hasHeader = (dir) => Boolean(dir) && fs.existsSync(path.join(dir, HEADER));

/** Headers already on this machine (steps 1-3), or null. A set ONNXRUNTIME_INCLUDE_DIR without them throws. */
function findHeaders({ destRoot, env = process.env }) {
  const override = env.ONNXRUNTIME_INCLUDE_DIR;
  if (override) {
    if (hasHeader(override)) return path.resolve(override);
    throw new HeadersNotFoundError(`ONNXRUNTIME_INCLUDE_DIR=${override} has no ${HEADER}`);
  }
  return [...SYSTEM_DIRS, path.join(destRoot, 'onnxruntime', 'include')].find(hasHeader) ?? null;
}

function replaceDir(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

/** Step 4: Debian's libonnxruntime-dev into destRoot/onnxruntime/include; returns the folder. */
function fetchDebianHeaders(destRoot) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-ort-apt-'));
  try {
    const apt = privateApt({ work, suite: DEBIAN_HEADERS.suite, architecture: hostDebianArchitecture() });
    const [deb] = apt.download([DEBIAN_HEADERS.package], path.join(work, 'download'));
    const unpacked = path.join(work, 'unpacked');
    extractDeb(deb, unpacked);
    const headers = path.join(unpacked, 'usr', 'include', 'onnxruntime');
    if (!hasHeader(headers)) throw new Error(`${path.basename(deb)} has no ${HEADER}`);
    const target = path.join(destRoot, 'onnxruntime', 'include');
    replaceDir(headers, target);
    fs.writeFileSync(path.join(destRoot, 'onnxruntime', 'SOURCE'), `${path.basename(deb)} (Debian ${DEBIAN_HEADERS.suite})\n`);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Which release archive serves `cpu` (Node's process.arch); throws for one ONNX Runtime publishes none of. */
function releaseArchive(cpu) {
  const archive = ORT_RELEASE.archives[cpu];
  if (!archive) throw new HeadersNotFoundError(`ONNX Runtime ${ORT_RELEASE.version} has no Linux release archive for ${cpu} (known: ${Object.keys(ORT_RELEASE.archives).join(', ')})`);
  return archive;
}

/**
 * Step 5: downloads the release archive, checks its SHA-256 before unpacking, and keeps its include/ folder as
 * destRoot/onnxruntime/include. urlBase and sha256 default to the pinned release (tests serve their own).
 */
async function downloadReleaseHeaders(destRoot, { cpu = process.arch, urlBase = ORT_RELEASE.urlBase, sha256, timeoutMs = 120000 } = {}) {
  const archive = releaseArchive(cpu);
  const expected = sha256 ?? archive.sha256;
  const url = new URL(archive.file, urlBase).href;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-ort-release-'));
  try {
    let response;
    try {
      response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new Error(`cannot download ${url}: ${error.cause?.message ?? error.message}`);
    }
    if (!response.ok) throw new Error(`cannot download ${url}: HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const got = crypto.createHash('sha256').update(bytes).digest('hex');
    if (got !== expected) throw new Error(`${url}: SHA-256 ${got} is not the pinned ${expected}; nothing was unpacked`);
    const file = path.join(work, archive.file);
    fs.writeFileSync(file, bytes);
    execFileSync('tar', ['-xzf', file, '-C', work, '--wildcards', '*/include/*'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const top = fs.readdirSync(work, { withFileTypes: true }).find((e) => e.isDirectory() && hasHeader(path.join(work, e.name, 'include')));
    if (!top) throw new Error(`${archive.file} has no */include/${HEADER}`);
    const target = path.join(destRoot, 'onnxruntime', 'include');
    replaceDir(path.join(work, top.name, 'include'), target);
    fs.writeFileSync(path.join(destRoot, 'onnxruntime', 'SOURCE'), `${url} (sha256 ${got})\n`);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The include folder, found or fetched in the order above. Throws HeadersNotFoundError naming every step
 * tried and what to set. release: { urlBase, sha256 } overrides for tests only.
 */
async function ensureHeaders({ destRoot, env = process.env, cpu = process.arch, log = () => {}, release = {}, debian = true } = {}) {
  const found = findHeaders({ destRoot, env });
  if (found) return found;
  const tried = [`ONNXRUNTIME_INCLUDE_DIR (not set), ${SYSTEM_DIRS.join(', ')}, ${path.join(destRoot, 'onnxruntime', 'include')}: no ${HEADER}`];
  if (debian && configuredDebianArchives().length > 0) {
    log(`fetching ONNX Runtime's C headers (Debian ${DEBIAN_HEADERS.suite} ${DEBIAN_HEADERS.package}) into ${destRoot} ...`);
    try {
      return fetchDebianHeaders(destRoot);
    } catch (error) {
      tried.push(`Debian's ${DEBIAN_HEADERS.package} (${DEBIAN_HEADERS.suite}): ${String(error.stderr ?? '').trim().split('\n').pop() || error.message}`);
    }
  } else {
    tried.push('Debian\'s archive: not a Debian machine (no Debian archive in /etc/apt)');
  }
  try {
    log(`downloading ONNX Runtime ${ORT_RELEASE.version}'s release archive for its C headers into ${destRoot} ...`);
    return await downloadReleaseHeaders(destRoot, { cpu, ...release });
  } catch (error) {
    tried.push(`ONNX Runtime ${ORT_RELEASE.version}'s release archive: ${error.message}`);
  }
  throw new HeadersNotFoundError(
    `ONNX Runtime's C headers (${HEADER}) were not found:\n${tried.map((t) => `  - ${t}`).join('\n')}\n` +
      `Set ONNXRUNTIME_INCLUDE_DIR to a folder holding ${HEADER} (the include/ folder of ONNX Runtime ${ORT_RELEASE.version}'s ` +
      `release archive, ${releaseArchiveNames()}, or of any ONNX Runtime >= 1.17) and install again.`,
  );
}

function releaseArchiveNames() {
  return Object.values(ORT_RELEASE.archives).map((a) => a.file).join(' or ');
}

module.exports = { DEBIAN_HEADERS, ensureHeaders, findHeaders, fetchDebianHeaders, downloadReleaseHeaders, HeadersNotFoundError, ORT_RELEASE, HEADER };

if (require.main === module) {
  const destRoot = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'deps'));
  ensureHeaders({ destRoot, log: (m) => console.error(`ort-headers: ${m}`) })
    .then((dir) => console.log(dir))
    .catch((error) => {
      console.error(`ort-headers: ${error.message}`);
      process.exitCode = 1;
    });
}
