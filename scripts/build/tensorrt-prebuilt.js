#!/usr/bin/env node
'use strict';
// The TensorRT-enabled linux-arm64 addons shipped for Jetsons, made by prebuildify in the bullseye build root
// (prebuildify-in-root.js: cmake-js, GCC 10, aarch64-linux-gnu) and committed as release artifacts in
// scripts/build/tensorrt-prebuilt/tensorrt<major>/: prebuilds/linux-arm64/dynamic-ofa.glibc.node (node-gyp-build's
// layout, as the platform package carries it) and a manifest.json. They link neither TensorRT, its ONNX parser nor the CUDA runtime (loaded with dlopen at run time),
// so they need only header trees to build: TensorRT's from NVIDIA's public repository in the git-ignored deps/
// (see scripts/dev/check-tensorrt.sh), CUDA's from Debian (scripts/build/fetch-cuda-headers.js). Each build is also
// linked a second time with -Wl,--no-undefined against the C and C++ runtime and a stub of Node-API alone.
// Usage: node scripts/build/tensorrt-prebuilt.js [jetpack5] [jetpack6]   (default: both; as root, like the root)
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { ensureBuildRoot, inBuildRoot } = require('./build-root');
const { inspect, problemsOf } = require('./elf');
const { fetchCudaHeaders } = require('./fetch-cuda-headers');
const { onnxRuntimeHeaders, packageDir } = require('./platform-addon');
const { prebuildifyInRoot } = require('./prebuildify-in-root');
const { TENSORRT_PREBUILT_DIR, mainPackage, platform, prebuildPath, repoRoot } = require('./platforms');
const { requireRoot } = require('./tools');

/** One entry per shipped variant: the JetPack it is for and the header trees it is built against. */
const VARIANTS = {
  jetpack5: {
    folder: 'tensorrt8',
    jetpack: 'JetPack 5.1.x (L4T R35): TensorRT 8.5.2, CUDA 11.4',
    tensorrt: { headers: '8.5.2.2', tree: 'tensorrt-8.5.2' },
    cuda: { headers: '11.8', soname: 'libcudart.so.11.0' },
  },
  jetpack6: {
    folder: 'tensorrt10',
    jetpack: 'JetPack 6.1/6.2 (L4T R36.4): TensorRT 10.3.0, CUDA 12.6',
    tensorrt: { headers: '10.3.0.26', tree: 'tensorrt-10.3' },
    cuda: { headers: '12.4', soname: 'libcudart.so.12' },
  },
};
const WORK = '/work/dynamic-ofa-tensorrt'; // inside the root; apart from platform-addon.js's work folder
const ARM64 = platform('arm64');
const COMPILER = `${ARM64.compilerPrefix}g++`;
// What a build is made of: every file of these, in the repository (the build compiles every binding/ source).
const SOURCE_ROOTS = ['CMakeLists.txt', 'binding', 'scripts/build/tensorrt-prebuilt.js', 'scripts/build/prebuildify-in-root.js', 'scripts/build/prebuildify-cmake-js.js'];

/** The files `sourceHash` covers, relative to the repository, sorted. */
function sourceFiles(root = repoRoot) {
  const files = [];
  const walk = (relative) => {
    const full = path.join(root, relative);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      for (const entry of fs.readdirSync(full).sort()) walk(path.join(relative, entry));
    } else {
      files.push(relative.split(path.sep).join('/'));
    }
  };
  SOURCE_ROOTS.forEach(walk);
  return files.sort();
}

/** SHA-256 over every source file's path and bytes: what a committed binary was built from. */
function sourceHash(root = repoRoot) {
  const hash = crypto.createHash('sha256');
  for (const file of sourceFiles(root)) hash.update(`${file}\0`).update(fs.readFileSync(path.join(root, file))).update('\0');
  return hash.digest('hex');
}

/** "<MAJOR>.<MINOR>..." of a macro expression in a header tree, through the host preprocessor. */
function preprocess(includeDir, header, expression) {
  const out = execFileSync('g++', ['-E', '-P', '-x', 'c++', `-I${includeDir}`, '-'], { input: `#include <${header}>\n${expression}\n`, encoding: 'utf8' });
  return out.trim().split('\n').pop().replace(/\s+/g, '');
}

/** The variant's header trees on this machine, checked to be the versions the manifest will name. */
function headerTrees(variant) {
  const tensorrt = path.join(repoRoot, 'deps', variant.tensorrt.tree, 'include');
  if (!fs.existsSync(path.join(tensorrt, 'NvInferVersion.h')) || !fs.existsSync(path.join(tensorrt, 'NvOnnxParser.h'))) {
    throw new Error(`TensorRT ${variant.tensorrt.headers} headers (with NvOnnxParser.h) are not in ${tensorrt}: export them from NVIDIA's public ` +
      'TensorRT repository as scripts/dev/check-tensorrt.sh describes (they stay out of the repository)');
  }
  const trtVersion = preprocess(tensorrt, 'NvInferVersion.h', 'NV_TENSORRT_MAJOR.NV_TENSORRT_MINOR.NV_TENSORRT_PATCH.NV_TENSORRT_BUILD');
  if (trtVersion !== variant.tensorrt.headers) throw new Error(`${tensorrt} holds TensorRT ${trtVersion}, not ${variant.tensorrt.headers}`);
  const cuda = fetchCudaHeaders(variant.cuda.headers);
  const cudart = Number(preprocess(cuda, 'cuda_runtime_api.h', 'CUDART_VERSION'));
  const cudaVersion = `${Math.floor(cudart / 1000)}.${(cudart % 1000) / 10}`;
  if (cudaVersion !== variant.cuda.headers) throw new Error(`${cuda} holds CUDA ${cudaVersion}, not ${variant.cuda.headers}`);
  return { tensorrt, cuda };
}

function packageVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')).version;
}

/** Writes a stand-in for the Node-API functions the node executable provides (for the -Wl,--no-undefined link only) into `<work>/stub`. */
function writeNodeApiStub(rootDir, work) {
  const { symbols } = require(packageDir('node-api-headers'));
  const napi = new Set(Object.entries(symbols).filter(([v]) => Number(v.slice(1)) <= mainPackage.binary.napi_versions[0])
    .flatMap(([, s]) => [...s.js_native_api_symbols, ...s.node_api_symbols]));
  const dir = path.join(rootDir, work.slice(1), 'stub');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_api_stub.c'), [...napi].sort().map((s) => `void ${s}(void) {}\n`).join(''));
}

/** The object files of a CMake build tree, inside the root. */
function objectFiles(rootDir, buildDir) {
  const dir = path.join(rootDir, buildDir.slice(1), 'CMakeFiles', 'dynamic_ofa.dir');
  return fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.o')).map((f) => `${buildDir}/CMakeFiles/dynamic_ofa.dir/${f}`).sort();
}

/** The binding/ files the compiler read (its -MD dependency files), relative to the staged source folder. */
function compiledBindingFiles(rootDir, buildDir, srcDir) {
  const dir = path.join(rootDir, buildDir.slice(1), 'CMakeFiles', 'dynamic_ofa.dir');
  const used = new Set();
  for (const file of fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.d'))) {
    for (const token of fs.readFileSync(path.join(dir, file), 'utf8').split(/[\s\\]+/)) {
      if (token.startsWith(`${srcDir}/binding/`)) used.add(token.slice(srcDir.length + 1));
    }
  }
  return used;
}

function buildVariant(rootDir, name, log) {
  const variant = VARIANTS[name];
  const trees = headerTrees(variant);
  const work = `${WORK}/${name}`;
  const include = (dir) => `${work}/include/${dir}`;
  const built = prebuildifyInRoot(rootDir, {
    work, cpu: 'arm64',
    includes: { onnxruntime: onnxRuntimeHeaders(), tensorrt: trees.tensorrt, cuda: trees.cuda },
    // cmake-js sets CMAKE_CXX_FLAGS itself: -MD (the compiler's dependency files, read below) goes beside CMake's
    // own Release flags for GCC.
    cmakeOptions: {
      CMAKE_CXX_FLAGS_RELEASE: '-O3 -DNDEBUG -MD', ONNXRUNTIME_INCLUDE_DIR: include('onnxruntime'), DYNAMIC_OFA_TENSORRT: 'ON',
      TENSORRT_INCLUDE_DIR: include('tensorrt'), TENSORRT_ONNX_PARSER_INCLUDE_DIR: include('tensorrt'), CUDA_INCLUDE_DIR: include('cuda'),
    },
  });
  const { buildDir } = built;
  writeNodeApiStub(rootDir, work);

  const sources = sourceFiles();
  const compiled = compiledBindingFiles(rootDir, buildDir, `${work}/package`);
  const unused = sources.filter((f) => f.startsWith('binding/') && !compiled.has(f));
  if (unused.length > 0) log(`  note: ${unused.join(', ')} not compiled into ${name} (still covered by sourceHash)`);
  // The same objects again, with every symbol resolved at link time: the C and C++ runtime and Node-API's stub only.
  inBuildRoot(rootDir, [COMPILER.replace('g++', 'gcc'), '-shared', '-fPIC', '-o', `${work}/stub/libnode_api_stub.so`, `${work}/stub/node_api_stub.c`]);
  inBuildRoot(rootDir, [COMPILER, '-shared', '-o', `${buildDir}/no-undefined-check.node`, ...objectFiles(rootDir, buildDir),
    '-Wl,--no-undefined', `-L${work}/stub`, '-lnode_api_stub', '-ldl', '-lpthread']);

  const outDir = path.join(TENSORRT_PREBUILT_DIR, variant.folder);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.cpSync(built.prebuilds, path.join(outDir, 'prebuilds'), { recursive: true });
  const file = path.join(outDir, prebuildPath('arm64'));
  // The checks npm test applies to the committed binary (check-tensorrt-prebuilt.js), at build time.
  const elf = inspect(file);
  const problems = problemsOf(elf, 'arm64');
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
  const { needed } = elf;

  const [trtMajor, trtMinor] = variant.tensorrt.headers.split('.').map(Number);
  const manifest = {
    jetpack: variant.jetpack,
    tensorrt: { headers: variant.tensorrt.headers, major: trtMajor, minor: trtMinor },
    cuda: { headers: variant.cuda.headers, major: Number(variant.cuda.headers.split('.')[0]), soname: variant.cuda.soname },
    napiVersion: mainPackage.binary.napi_versions[0],
    sourceHash: sourceHash(),
    compiler: inBuildRoot(rootDir, [COMPILER, '--version']).split('\n')[0],
    builtFrom: {
      commit: execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim() +
        (execFileSync('git', ['-C', repoRoot, 'status', '--porcelain', '--', ...SOURCE_ROOTS], { encoding: 'utf8' }).trim() ? ' with uncommitted source changes' : ''),
      sources: sources.length,
      root: 'Debian 11 (bullseye) build root, scripts/build/build-root.js',
      builder: `prebuildify ${packageVersion('prebuildify')} --napi --tag-libc --strip, cmake-js ${packageVersion('cmake-js')} (scripts/build/prebuildify-cmake-js.js)`,
      linkCheck: '-Wl,--no-undefined against libc, libdl, libpthread, libstdc++, libgcc_s, libm and a stub of Node-API',
    },
    needed,
  };
  fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { file, manifest };
}

/** Builds the requested variants (default: all); returns { name: { file, manifest } }. */
function buildTensorRtPrebuilts(names = Object.keys(VARIANTS), { log = console.log } = {}) {
  requireRoot('cross-building in the build root (chroot)');
  const rootDir = ensureBuildRoot({ log });
  const built = {};
  for (const name of names) {
    if (!VARIANTS[name]) throw new Error(`unknown variant '${name}'; known: ${Object.keys(VARIANTS).join(', ')}`);
    built[name] = buildVariant(rootDir, name, log);
  }
  return built;
}

module.exports = { VARIANTS, sourceFiles, sourceHash, buildTensorRtPrebuilts };

if (require.main === module) {
  try {
    const names = process.argv.slice(2);
    for (const [name, { file, manifest }] of Object.entries(buildTensorRtPrebuilts(names.length > 0 ? names : undefined))) {
      console.log(`${name}: ${path.relative(repoRoot, file)} (${(fs.statSync(file).size / 1024).toFixed(0)} KiB), NEEDED ${manifest.needed.join(', ')}, ` +
        `TensorRT ${manifest.tensorrt.headers} / CUDA ${manifest.cuda.headers} headers, ${manifest.compiler}`);
    }
  } catch (error) {
    console.error(`tensorrt-prebuilt: ${error.message}`);
    process.exit(1);
  }
}
