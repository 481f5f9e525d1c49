#!/usr/bin/env node
'use strict';
// CI check of the committed TensorRT linux-arm64 binaries (scripts/build/tensorrt-prebuilt/tensorrt<major>/), part of
// npm test: each is current (its manifest's sourceHash is the tree's; a stale one names the command that rebuilds
// it), an AArch64 ELF that needs no TensorRT, parser or CUDA library (NEEDED, undefined symbols, symbol floors), and
// under linux-arm64 emulation (platform-run.js: qemu-user, Node for arm64, the bullseye root's libraries) it loads,
// runs the bundled family on the CPU with the outputs of this machine's CPU build, and refuses device 'gpu' with
// E_BACKEND_UNAVAILABLE naming the TensorRT library it did not find; with Debian's arm64 libcudart of its CUDA major
// on DYNAMIC_OFA_TENSORRT_LIBRARY_PATH, it loads that runtime and resolves every CUDA entry point with dlsym. The
// TensorRT path itself needs a Jetson.
// Usage: node scripts/dev/check-tensorrt-prebuilt.js [--no-emulation]   (the emulation needs the build root: root)
const fs = require('node:fs');
const path = require('node:path');

const { fetchCudaRuntime } = require('../build/fetch-cuda-headers');
const { VARIANTS, sourceHash } = require('../build/tensorrt-prebuilt');
const { TENSORRT_PREBUILT_DIR, onnxRuntimeNode, prebuildPath, repoRoot } = require('../build/platforms');
const { run } = require('../build/tools');
const { checkReport } = require('./check-report');
const { inspect, problemsOf } = require('../build/elf');
const { maxRelativeDifference, probeJson } = require('./platform-run');
const { platformTestHost } = require('./release-fixture');

const report = checkReport('check:tensorrt-prebuilt');
const { check } = report;
const TOLERANCE = 1e-4;
const TENSORRT_LIBRARIES = /libnvinfer|libnvonnxparser|libcudart|libcuda\.so/;

/** Undefined dynamic symbols that neither a versioned C/C++ runtime symbol nor Node-API's own resolve. */
function unexpectedUndefined(file) {
  const table = run('readelf', ['--dyn-syms', '--wide', file]);
  return table.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[6] === 'UND' && f[7])
    .map((f) => f[7]).filter((name) => !/@(GLIBC|GLIBCXX|CXXABI|GCC)_/.test(name) && !/^(napi|node_api)_/.test(name) && !/^_ITM_|^__gmon_start__$/.test(name));
}

/** The probe's JSON from `where` ('host' or 'arm64'), or null after a failed check. */
function probe(where, binary, { libraryPath, probeOnly = false } = {}) {
  const env = binary ? { DYNAMIC_OFA_BINARY: binary, DYNAMIC_OFA_ORT_LIBRARY: onnxRuntimeNode('arm64').library } : {};
  if (libraryPath) env.DYNAMIC_OFA_TENSORRT_LIBRARY_PATH = libraryPath;
  const args = [path.join(__dirname, 'tensorrt-prebuilt-probe.js'), ...(probeOnly ? ['--probe-only'] : [])];
  return probeJson(where, args, {
    env,
    cwd: repoRoot,
    timeoutMs: 10 * 60 * 1000,
    check,
    name: `the probe runs on ${where}${binary ? ` with ${path.relative(repoRoot, binary)}` : ''}`,
    onRun: (result) => console.log(`  [${result.seconds.toFixed(1)} s] ${binary ? path.relative(repoRoot, binary) : 'the CPU build'} on ${where}`),
  });
}

function main() {
  const emulate = !process.argv.includes('--no-emulation');
  const current = sourceHash();
  const present = [];
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const dir = path.join(TENSORRT_PREBUILT_DIR, variant.folder);
    const binary = path.join(dir, prebuildPath('arm64'));
    const rebuild = `node scripts/build/tensorrt-prebuilt.js ${name} (as root; TensorRT ${variant.tensorrt.headers} headers in deps/${variant.tensorrt.tree}/include, ` +
      'see scripts/dev/check-tensorrt.sh), then commit the folder';
    if (!check(`${variant.folder}: committed (${variant.jetpack})`, fs.existsSync(binary) && fs.existsSync(path.join(dir, 'manifest.json')), `missing; build it: ${rebuild}`)) continue;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    check(`${variant.folder}: current (its sourceHash is the tree's)`, manifest.sourceHash === current,
      `stale: built from ${manifest.sourceHash.slice(0, 12)} (commit ${manifest.builtFrom?.commit}), the tree is ${current.slice(0, 12)}; rebuild: ${rebuild}`);
    check(`${variant.folder}: manifest names TensorRT ${variant.tensorrt.headers} and CUDA ${variant.cuda.headers} (${variant.cuda.soname}) headers`,
      manifest.tensorrt?.headers === variant.tensorrt.headers && manifest.cuda?.headers === variant.cuda.headers && manifest.cuda?.soname === variant.cuda.soname);
    const elf = inspect(binary);
    const problems = problemsOf(elf, 'arm64');
    check(`${variant.folder}: AArch64, NEEDED ${elf.needed.join(' ')}: no TensorRT, parser or CUDA library, within the symbol floors`,
      problems.length === 0 && !elf.needed.some((n) => TENSORRT_LIBRARIES.test(n)), problems.join('; '));
    const undefinedSymbols = unexpectedUndefined(binary);
    check(`${variant.folder}: every undefined symbol is the C/C++ runtime's or Node-API's`, undefinedSymbols.length === 0, undefinedSymbols.slice(0, 20).join(', '));
    present.push({ name, variant, binary });
  }
  // The emulated runs need the bullseye root (root, mmdebstrap): skipped where this host cannot make it, except in CI.
  if (!emulate || present.length === 0 || !platformTestHost('check:tensorrt-prebuilt, the emulated runs')) return;

  const reference = probe('host');
  for (const { variant, binary } of reference ? present : []) {
    const run = probe('arm64', binary);
    if (!run) continue;
    const trtLibrary = `libnvinfer.so.${variant.tensorrt.headers.split('.')[0]}`;
    check(`${variant.folder} on arm64 (Node ${run.node}): loads, backends ${run.backends?.join(', ')}, tensorrtProbe unavailable naming ${trtLibrary}`,
      run.arch === 'arm64' && run.backends?.includes('tensorrt') && run.probe?.available === false && run.probe.reason.includes(trtLibrary) &&
      run.probe.compiled?.tensorrt === variant.tensorrt.headers && run.probe.compiled?.cuda === variant.cuda.headers, JSON.stringify(run.probe));
    const d = maxRelativeDifference(run.subnets.map((subnet, i) => [subnet.output, reference.subnets[i]?.output]));
    check(`${variant.folder} on arm64: the CPU path runs every sub-network (${run.subnets.length}), outputs equal to this machine's CPU build within ${TOLERANCE} (max ${d.toExponential(2)})`,
      run.subnets.length === reference.subnets.length && d <= TOLERANCE);
    check(`${variant.folder} on arm64: device 'gpu' fails with E_BACKEND_UNAVAILABLE naming ${trtLibrary}`,
      run.gpu?.loaded === false && run.gpu.code === 'E_BACKEND_UNAVAILABLE' && run.gpu.message.includes(trtLibrary), JSON.stringify(run.gpu));

    // A real CUDA runtime of the variant's major (Debian's arm64 libcudart; without a GPU driver 11.x cannot say
    // its version, 12.x can): loaded, every entry point resolved, and only TensorRT reported missing.
    const cudart = fetchCudaRuntime(variant.cuda.headers, 'arm64');
    const withCuda = probe('arm64', binary, { libraryPath: path.dirname(cudart), probeOnly: true });
    const cuda = withCuda?.probe?.libraries?.find((l) => l.name === variant.cuda.soname);
    const cudaMajor = Number(variant.cuda.headers.split('.')[0]);
    const answered = cudaMajor >= 12 ? cuda?.version === variant.cuda.headers && !cuda.error : /driver/.test(cuda?.error ?? '');
    check(`${variant.folder} on arm64 with Debian's arm64 ${variant.cuda.soname} (CUDA ${variant.cuda.headers}): loaded, every CUDA entry point resolved` +
      `${cudaMajor >= 12 ? `, version ${cuda?.version}` : ' (no driver here, so no version)'}; only ${trtLibrary} missing`,
    cuda?.loaded === true && cuda.path === cudart && answered && !/has no entry point/.test(cuda.error ?? '') && withCuda.probe.reason.includes(trtLibrary),
    JSON.stringify(withCuda?.probe));
  }
}

try {
  main();
} catch (error) {
  check('check-tensorrt-prebuilt ran', false, error.stack ?? error.message);
}
process.exitCode = report.finish();
