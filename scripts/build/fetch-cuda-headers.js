#!/usr/bin/env node
'use strict';
// CUDA runtime headers (and the small libcudart runtime library, for symbol checks) of one CUDA version, from
// Debian's non-free nvidia-cuda-dev / libcudart packages, into a git-ignored folder: <dest>/cuda-<version>/include
// and <dest>/cuda-<version>/lib-<debian arch>/. Only the suite and component change; the archive address comes
// from this machine's apt configuration (scripts/build/debian-archive.js). The .deb files are large (the whole
// toolkit); only usr/include is unpacked and the download is deleted afterwards.
// Usage: node scripts/build/fetch-cuda-headers.js [11.8|12.4|11.2 ...] [--dest deps]   (default: 11.8 12.4)
const fs = require('node:fs');
const path = require('node:path');

const { privateApt, extractDeb } = require('./debian-archive');
const { repoRoot } = require('./platforms');
const { option } = require('./tools');

// CUDA version -> the Debian suite whose non-free nvidia-cuda-dev carries it, and its runtime library package.
const CUDA_SUITES = {
  11.2: { suite: 'bullseye', runtimePackage: 'libcudart11.0', soname: 'libcudart.so.11.0' },
  11.8: { suite: 'bookworm', runtimePackage: 'libcudart11.0', soname: 'libcudart.so.11.0' },
  12.4: { suite: 'trixie', runtimePackage: 'libcudart12', soname: 'libcudart.so.12' },
};

function cudaDir(version, dest = path.join(repoRoot, 'deps')) {
  return path.join(dest, `cuda-${version}`);
}

/** <dest>/cuda-<version>/include, fetched when missing. */
function fetchCudaHeaders(version, { dest, log = console.log } = {}) {
  const spec = CUDA_SUITES[version];
  if (!spec) throw new Error(`no Debian suite known for CUDA ${version}; known: ${Object.keys(CUDA_SUITES).join(', ')}`);
  const dir = cudaDir(version, dest);
  const include = path.join(dir, 'include');
  if (fs.existsSync(path.join(include, 'cuda_runtime_api.h'))) return include;
  const work = path.join(dir, '.apt');
  log(`fetching nvidia-cuda-dev ${version} (Debian ${spec.suite} non-free; several hundred MB) ...`);
  const [deb] = privateApt({ work, suite: spec.suite, architecture: 'amd64', component: 'non-free' })
    .download(['nvidia-cuda-dev'], path.join(work, 'download'));
  const partial = `${include}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  extractDeb(deb, partial, ['./usr/include']);
  fs.renameSync(path.join(partial, 'usr', 'include'), include);
  fs.rmSync(partial, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, 'SOURCE'), `${path.basename(deb)} (Debian ${spec.suite} non-free), usr/include only\n`);
  fs.rmSync(work, { recursive: true, force: true });
  return include;
}

/** The runtime library (libcudart.so.<major>) of that CUDA version for a Debian architecture, fetched when missing. */
function fetchCudaRuntime(version, architecture, { dest } = {}) {
  const spec = CUDA_SUITES[version];
  if (!spec) throw new Error(`no Debian suite known for CUDA ${version}`);
  const libDir = path.join(cudaDir(version, dest), `lib-${architecture}`);
  const library = path.join(libDir, spec.soname);
  if (fs.existsSync(library)) return library;
  const work = path.join(libDir, '.apt');
  const [deb] = privateApt({ work, suite: spec.suite, architecture, component: 'non-free' })
    .download([spec.runtimePackage], path.join(work, 'download'));
  const unpacked = path.join(work, 'unpacked');
  extractDeb(deb, unpacked);
  const found = fs.readdirSync(unpacked, { recursive: true }).find((f) => path.basename(f) === spec.soname);
  if (!found) throw new Error(`${path.basename(deb)} holds no ${spec.soname}`);
  fs.copyFileSync(fs.realpathSync(path.join(unpacked, found)), library);
  fs.rmSync(work, { recursive: true, force: true });
  return library;
}

module.exports = { CUDA_SUITES, cudaDir, fetchCudaHeaders, fetchCudaRuntime };

if (require.main === module) {
  try {
    const dest = option('dest', path.join(repoRoot, 'deps'));
    const versions = process.argv.slice(2).filter((a) => !a.startsWith('--') && a !== dest);
    for (const version of versions.length > 0 ? versions : ['11.8', '12.4']) {
      console.log(`CUDA ${version}: ${fetchCudaHeaders(version, { dest })}`);
    }
  } catch (error) {
    console.error(`fetch-cuda-headers: ${error.message}`);
    process.exit(1);
  }
}
