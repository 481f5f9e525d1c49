#!/usr/bin/env node
'use strict';
// The committed Jetson binaries (scripts/build/tensorrt-prebuilt/tensorrt<major>/) run end to end against an arm64 build of
// the stand-in TensorRT and CUDA runtime (test/tensorrt-standin/), under linux-arm64 emulation (platform-run.js:
// qemu-user, npm's Node for arm64, the bullseye root's libraries). For each variant whose stand-in headers are here
// (TensorRT 10.3 + CUDA 12.4 always; 8.5.2 + CUDA 11.8 when deps/tensorrt-8.5.2/include exists): the stand-in's
// libraries are cross-compiled in the bullseye build root the binaries are built in (aborting_interfaces.h generated
// by this machine's Node first), then `info` must report TensorRT available on the stand-in device, and the outputs
// scenario (tiny family, steps 8) must match the CPU path on 'gpu' and on 'dla0' (dlaBudget 'trim').
// Proves the committed binaries' TensorRT path on arm64 against TensorRT's interfaces, not TensorRT itself.
// Usage: node scripts/dev/tensorrt-prebuilt-standin.js [--only 10|8]   (as root: the build root and chroot)
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureBuildRoot, inBuildRoot } = require('../build/build-root');
const { fetchCudaHeaders } = require('../build/fetch-cuda-headers');
const { ensureHeaders } = require('../build/ort-headers');
const { VARIANTS: PREBUILT } = require('../build/tensorrt-prebuilt');
const { TENSORRT_PREBUILT_DIR, onnxRuntimeNode, platform, prebuildPath, repoRoot } = require('../build/platforms');
const { option, run } = require('../build/tools');
const { checkReport } = require('./check-report');
const { runNode } = require('./platform-run');
const { VARIANTS: STANDIN } = require('./tensorrt-standin');
const { platformTestHost } = require('./release-fixture');

const report = checkReport('check:tensorrt-prebuilt-standin');
const { check } = report;
const TOLERANCE = 1e-4;
const WORK = '/work/dynamic-ofa-standin'; // inside the root
const COMPILER = `${platform('arm64').compilerPrefix}g++`;
const standinDir = path.join(repoRoot, 'test', 'tensorrt-standin');
const LIBRARIES = ['common', 'cuda', 'tensorrt', 'parser'];

/** The arm64 stand-in for `variant` built in the root (reused while its inputs are unchanged); returns its lib folder on this machine. */
function buildStandin(rootDir, standin, prebuilt, ortInclude) {
  const work = `${WORK}/trt${standin.major}`;
  const host = path.join(rootDir, work.slice(1));
  const trees = { tensorrt: standin.tensorrt, cuda: fetchCudaHeaders(standin.cuda), onnxruntime: ortInclude };
  const hash = crypto.createHash('sha256').update(fs.readFileSync(__filename)).update(JSON.stringify(trees));
  for (const dir of LIBRARIES) {
    for (const f of fs.readdirSync(path.join(standinDir, dir)).sort()) hash.update(f).update(fs.readFileSync(path.join(standinDir, dir, f)));
  }
  const stamp = path.join(host, 'lib', 'inputs.sha256');
  const digest = hash.digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return path.join(host, 'lib');

  fs.rmSync(host, { recursive: true, force: true });
  for (const dir of LIBRARIES) fs.cpSync(path.join(standinDir, dir), path.join(host, 'src', dir), { recursive: true });
  for (const [name, tree] of Object.entries(trees)) fs.cpSync(tree, path.join(host, 'include', name), { recursive: true, dereference: true });
  fs.mkdirSync(path.join(host, 'generated'), { recursive: true });
  fs.mkdirSync(path.join(host, 'lib'));
  run(process.execPath, [path.join(standinDir, 'tensorrt', 'generate-aborting-interfaces.js'), standin.tensorrt, path.join(host, 'generated', 'aborting_interfaces.h')]);

  // As CMakeLists.txt builds them (Release, without -Werror: the root's GCC 10 is not the compiler they are kept clean with).
  const [cudaMajor, cudaMinor] = standin.cuda.split('.').map(Number);
  const flags = ['-std=c++17', '-O2', '-DNDEBUG', '-fPIC', '-fvisibility=hidden', '-Wall', '-Wextra', `-I${work}/src`, `-I${work}/generated`,
    ...Object.keys(trees).map((name) => `-isystem${work}/include/${name}`)];
  const sources = (dir) => fs.readdirSync(path.join(host, 'src', dir)).filter((f) => f.endsWith('.cc')).map((f) => `${work}/src/${dir}/${f}`);
  const link = (soname) => ['-shared', '-o', `${work}/lib/${soname}`, `-Wl,-soname,${soname}`, '-Wl,--no-undefined', '-Wl,--enable-new-dtags', '-Wl,-rpath,$ORIGIN'];
  const trtMajor = standin.major;
  const libraries = [
    [prebuilt.cuda.soname, 'cuda', [`-DSTANDIN_CUDART_VERSION=${cudaMajor * 1000 + cudaMinor * 10}`]],
    [`libnvinfer.so.${trtMajor}`, 'tensorrt', [`-L${work}/lib`, `-l:${prebuilt.cuda.soname}`]],
    [`libnvonnxparser.so.${trtMajor}`, 'parser', [`-L${work}/lib`, `-l:libnvinfer.so.${trtMajor}`]],
  ];
  for (const [soname, dir, extra] of libraries) {
    const start = Date.now();
    inBuildRoot(rootDir, [COMPILER, ...flags, ...sources(dir), ...sources('common'), ...link(soname), ...extra, '-ldl', '-lpthread']);
    console.log(`  [${((Date.now() - start) / 1000).toFixed(1)} s] ${soname} cross-compiled in the build root`);
  }
  fs.writeFileSync(stamp, digest);
  return path.join(host, 'lib');
}

/** Runs `node ...args` on arm64; returns the JSON of its stdout (or of its last line), or null after a failed check. */
function emulated(name, args, env) {
  const result = runNode('arm64', args, { cwd: repoRoot, env, timeoutMs: 20 * 60 * 1000 });
  console.log(`  [${result.seconds.toFixed(1)} s] ${name}`);
  try {
    return JSON.parse(result.stdout);
  } catch {
    // a scenario's one JSON line comes last
  }
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    check(name, false, `exit ${result.status}: ${(result.stderr || result.stdout).slice(-3000)}`);
    return null;
  }
}

function runVariant(rootDir, standin, prebuilt, ortInclude) {
  const binary = path.join(TENSORRT_PREBUILT_DIR, prebuilt.folder, prebuildPath('arm64'));
  if (!check(`${prebuilt.folder}: committed`, fs.existsSync(binary))) return;
  let lib;
  try {
    lib = buildStandin(rootDir, standin, prebuilt, ortInclude);
  } catch (error) {
    check(`${prebuilt.folder}: the arm64 stand-in (TensorRT ${standin.major}, CUDA ${standin.cuda} headers) builds in the build root`, false, error.message);
    return;
  }
  const ort = onnxRuntimeNode('arm64').library;
  const env = { DYNAMIC_OFA_BINARY: binary, DYNAMIC_OFA_ORT_LIBRARY: ort, DYNAMIC_OFA_STANDIN_ORT_LIBRARY: ort, DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: lib };
  const info = emulated(`${prebuilt.folder} on arm64: info`, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'info', '--no-measure', '--json'], env);
  if (info) {
    const trt = info.tensorrt ?? {};
    const device = trt.info?.cuda?.name ?? '';
    check(`${prebuilt.folder} on arm64 (${info.platform}): info shows TensorRT ${trt.version} available on '${device}', ` +
      `libraries from the stand-in, compiled for ${trt.compiled?.tensorrt} / CUDA ${trt.compiled?.cuda}, devices ${info.devices?.join(', ')}`,
    info.platform === 'linux-arm64' && trt.available === true && device.startsWith('dynamic-ofa stand-in') &&
      trt.compiled?.tensorrt === prebuilt.tensorrt.headers && trt.libraries?.every((l) => l.loaded && path.dirname(l.path) === lib) &&
      info.devices?.includes('gpu') && info.devices.includes('dla0'), JSON.stringify(trt));
  }
  const family = fs.mkdtempSync(path.join(os.tmpdir(), `dofa-prebuilt-standin-${standin.major}-`));
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'tiny-family'), family, { recursive: true });
  const scenario = path.join(standinDir, 'suite', 'scenarios', 'outputs.js');
  for (const device of ['gpu', 'dla0']) {
    const args = { family, device, cache: path.join(family, '.engine-cache'), steps: 8, ...(device === 'dla0' ? { dlaBudget: 'trim' } : {}) };
    const result = emulated(`${prebuilt.folder} on arm64: outputs scenario on ${device}`, [scenario, JSON.stringify(args)], env);
    if (!result) continue;
    check(`${prebuilt.folder} on arm64: ${device} runs ${result.subnetsRun?.length} sub-networks (${result.subnetsRun?.join(' ')}), ${result.imageRuns} image runs, ` +
      `outputs equal to the CPU path within ${TOLERANCE} (max ${result.maxAbsDiff?.toExponential(2)})`,
    result.device === device && result.subnetsRun?.length > 0 && result.maxAbsDiff <= TOLERANCE, JSON.stringify(result));
  }
  fs.rmSync(family, { recursive: true, force: true });
}

async function main() {
  if (!platformTestHost('check:tensorrt-prebuilt-standin')) return false;
  const only = option('only', undefined);
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'index.js'))) run('npm', ['run', 'build:ts'], { cwd: repoRoot });
  const rootDir = ensureBuildRoot();
  const ortInclude = await ensureHeaders({ destRoot: path.join(repoRoot, 'deps'), log: (line) => console.log(line) });
  for (const standin of STANDIN) {
    if (only && String(standin.major) !== only) continue;
    const prebuilt = Object.values(PREBUILT).find((v) => v.tensorrt.headers.startsWith(`${standin.major}.`) && v.cuda.headers === standin.cuda);
    if (standin.optional && !fs.existsSync(path.join(standin.tensorrt, 'NvInferVersion.h'))) {
      console.log(`skip ${prebuilt.folder}: no TensorRT ${standin.major} headers at ${path.relative(repoRoot, standin.tensorrt)} (see scripts/dev/check-tensorrt.sh)`);
      continue;
    }
    console.log(`${prebuilt.folder} against the arm64 stand-in (TensorRT ${standin.major}, CUDA ${standin.cuda} headers):`);
    runVariant(rootDir, standin, prebuilt, ortInclude);
  }
}

// A host that cannot run it skips (platformTestHost set the exit code: 1 in CI); a throw is a failed check.
main().catch((error) => check('tensorrt-prebuilt-standin ran', false, error.stack ?? error.message))
  .then((ran) => { if (ran !== false) process.exitCode = report.finish(); });
