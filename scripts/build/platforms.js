'use strict';
// The platforms that get a prebuilt platform package, and the facts every build, packaging and platform-test
// script shares about them (one source for each).
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.join(__dirname, '..', '..');
const mainPackage = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

/** Keyed by Node's process.arch (= npm's `cpu`). */
const PLATFORMS = {
  x64: {
    cpu: 'x64',
    debianArch: 'amd64',
    gnuTriple: 'x86_64-linux-gnu',
    cmakeProcessor: 'x86_64',
    compilerPrefix: '',
    loader: '/lib64/ld-linux-x86-64.so.2',
  },
  arm64: {
    cpu: 'arm64',
    debianArch: 'arm64',
    gnuTriple: 'aarch64-linux-gnu',
    cmakeProcessor: 'aarch64',
    compilerPrefix: 'aarch64-linux-gnu-',
    loader: '/lib/ld-linux-aarch64.so.1',
  },
};

// Debian 11: glibc 2.31, GCC 10, CMake 3.18, the userland of Ubuntu 20.04 / JetPack 5.
const BUILD_SUITE = 'bullseye';
const BUILD_SUITE_GLIBC = '2.31';

// Highest symbol versions any shipped binary may need. GLIBC: Node 20's own floor (2.28). GLIBCXX/CXXABI:
// what the bundled libonnxruntime.so.1 already needs, so the addon never raises the process's floor.
const SYMBOL_FLOORS = { GLIBC: '2.28', GLIBCXX: '3.4.22', CXXABI: '1.3.11' };

// Shared libraries a shipped binary may link: glibc, the GCC runtime, and the bundled ONNX Runtime itself.
const ALLOWED_NEEDED = [
  'libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1',
  'libstdc++.so.6', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1',
];

// What CMake builds (build/Release/dynamic_ofa.node), and the name prebuildify 6 gives it in a platform package:
// an N-API build tagged only with its C library (no ABI tag: node-gyp-build matches it on every Node ABI).
const ADDON_FILE = 'dynamic_ofa.node';
const PREBUILD_FILE = `${mainPackage.name.replace(/\//g, '+')}.glibc.node`;

/** Where a platform package (or a TensorRT variant's folder in it) holds the addon for linux-<cpu>: node-gyp-build's layout. */
function prebuildPath(cpu) {
  return `prebuilds/linux-${cpu}/${PREBUILD_FILE}`;
}
const ORT_LIBRARY_FILE = 'libonnxruntime.so.1';

/** Its name, as the main package's dynamicOfa.platformPackages gives it (the loader reads the same field). */
function platformPackageName(cpu) {
  const name = mainPackage.dynamicOfa?.platformPackages?.[`linux-${cpu}`];
  if (!name) throw new Error(`package.json's dynamicOfa.platformPackages names no package for linux-${cpu}`);
  return name;
}

// TensorRT-enabled linux-arm64 addons built for JetPack's TensorRT majors (committed release artifacts, one
// folder each: tensorrt<major>/{prebuilds/linux-arm64/dynamic-ofa.glibc.node,manifest.json}); every folder present is
// shipped.
const TENSORRT_PREBUILT_DIR = path.join(__dirname, 'tensorrt-prebuilt');

/** Where fetched tools and build roots are cached (git-ignored); DYNAMIC_OFA_CACHE moves it. */
function cacheDir(...parts) {
  return path.join(process.env.DYNAMIC_OFA_CACHE || path.join(repoRoot, '.cache'), ...parts);
}

/** Staged platform packages and their tarballs (git-ignored). */
function platformPackagesDir(...parts) {
  return path.join(repoRoot, 'platform-packages', ...parts);
}

function platform(cpu) {
  const found = PLATFORMS[cpu];
  if (!found) throw new Error(`unknown platform '${cpu}'; known: ${Object.keys(PLATFORMS).join(', ')}`);
  return found;
}

/** The pinned onnxruntime-node release: its version and the libonnxruntime.so.1 it ships for `cpu`. */
function onnxRuntimeNode(cpu) {
  let dir;
  try {
    dir = path.dirname(require.resolve('onnxruntime-node/package.json', { paths: [repoRoot] }));
  } catch {
    throw new Error('onnxruntime-node (a dev dependency: the source of the shipped ONNX Runtime library) is not installed; run `npm ci` in the repository first');
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const bin = path.join(dir, 'bin');
  const napiDirs = fs.existsSync(bin) ? fs.readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse() : [];
  const library = napiDirs.map((d) => path.join(bin, d, 'linux', cpu, ORT_LIBRARY_FILE)).find((f) => fs.existsSync(f));
  if (!library) throw new Error(`onnxruntime-node ${version} at ${dir} ships no linux-${cpu} ${ORT_LIBRARY_FILE}`);
  return { dir, version, library };
}

module.exports = {
  PLATFORMS, BUILD_SUITE, BUILD_SUITE_GLIBC, SYMBOL_FLOORS, ALLOWED_NEEDED, ADDON_FILE, PREBUILD_FILE, ORT_LIBRARY_FILE, TENSORRT_PREBUILT_DIR,
  repoRoot, prebuildPath, mainPackage, platform, platformPackageName, cacheDir, platformPackagesDir, onnxRuntimeNode,
};
