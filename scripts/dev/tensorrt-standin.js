#!/usr/bin/env node
'use strict';
// The TensorRT path run end to end against the stand-in TensorRT and CUDA runtime (test/tensorrt-standin/): for
// each header pair present, builds the stand-in libraries and an x64 addon with TensorRT on, runs the stand-in's own
// C++ tests, then the suite (test/tensorrt-standin/suite/*.test.ts) with the addon and the stand-in on the library
// path, and writes a summary.
//   TensorRT 10.3 (vendored headers) + CUDA 12.4 (Debian's headers, fetched into deps/): always.
//   TensorRT 8.5.2 + CUDA 11.8: when deps/tensorrt-8.5.2/include exists (a development session; never committed).
// Usage: node scripts/dev/tensorrt-standin.js [--json PATH] [--only 10|8] [--sanitize | --valgrind] [--jest-args "..."]
//   --sanitize: everything built with ASan + UBSan (the suite's processes preload the runtimes); any report fails.
//   --valgrind: the stand-in's test programs and one outputs scenario (tiny family, gpu and dla0) under memcheck;
//   a report whose innermost frame of ours (the addon, the stand-in) fails (ONNX Runtime's and the loader's are listed).
// Nothing here proves TensorRT's own behaviour, DLA numerics or speed: see test/tensorrt-standin/README.md.
// In CI (CI=true) a variant that cannot be built is a failure; elsewhere it is skipped with the reason.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { fetchCudaHeaders } = require('../build/fetch-cuda-headers');
const { ensureHeaders } = require('../build/ort-headers');
const { repoRoot } = require('../build/platforms');
const { run, requireCommand, option } = require('../build/tools');
const { addonReports } = require('./valgrind-report');

const standinDir = path.join(repoRoot, 'test', 'tensorrt-standin');
const buildDir = path.join(repoRoot, 'build-standin');
const ci = Boolean(process.env.CI);

const VARIANTS = [
  { major: 10, tensorrt: path.join(standinDir, 'tensorrt-10.3', 'include'), cuda: '12.4' },
  { major: 8, tensorrt: path.join(repoRoot, 'deps', 'tensorrt-8.5.2', 'include'), cuda: '11.8', optional: true },
];

/** The ONNX Runtime library the CPU path uses here (the stand-in's engines run on the same one). */
function ortLibrary() {
  const dir = path.join(repoRoot, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', os.arch() === 'arm64' ? 'arm64' : 'x64');
  const file = path.join(dir, 'libonnxruntime.so.1');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing (npm install)`);
  return file;
}

function configureAndBuild(source, binary, defines) {
  run('cmake', ['-S', source, '-B', binary, ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`)]);
  run('cmake', ['--build', binary, '-j', String(Math.max(1, os.cpus().length))]);
}

/** Builds the stand-in libraries and their test programs; returns { lib, tests }. */
function buildStandin(variant, cudaInclude, ortInclude, sanitize) {
  const binary = path.join(buildDir, `trt${variant.major}${sanitize ? '-sanitize' : ''}`, 'standin');
  configureAndBuild(standinDir, binary, {
    TENSORRT_INCLUDE_DIR: variant.tensorrt,
    CUDA_INCLUDE_DIR: cudaInclude,
    ONNXRUNTIME_INCLUDE_DIR: ortInclude,
    STANDIN_SANITIZE: sanitize ? 'ON' : 'OFF',
  });
  return { lib: path.join(binary, 'lib'), tests: path.join(binary, 'tests') };
}

/** The addon with TensorRT on, compiled against the variant's headers, in its own folder; returns its path. */
function buildAddon(variant, cudaInclude, sanitize) {
  const out = path.join(buildDir, `trt${variant.major}${sanitize ? '-sanitize' : ''}`, 'addon');
  const cmakeJs = path.join(repoRoot, 'node_modules', '.bin', 'cmake-js');
  run(cmakeJs, ['compile', '--out', out, '--CDDYNAMIC_OFA_TENSORRT=ON', `--CDTENSORRT_INCLUDE_DIR=${variant.tensorrt}`,
    `--CDCUDA_INCLUDE_DIR=${cudaInclude}`, ...(sanitize ? ['--CDDYNAMIC_OFA_SANITIZE=ON'] : [])], { cwd: repoRoot });
  const addon = path.join(out, 'Release', 'dynamic_ofa.node');
  if (!fs.existsSync(addon)) throw new Error(`the TensorRT addon was not built at ${addon}`);
  return addon;
}

/** The environment every stand-in run gets. */
function standinEnv(libDir, addon, summaryDir, sanitize, major) {
  const env = {
    ...process.env,
    DYNAMIC_OFA_STANDIN_TENSORRT_MAJOR: String(major),
    DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: libDir,
    DYNAMIC_OFA_STANDIN_ORT_LIBRARY: ortLibrary(),
    DYNAMIC_OFA_STANDIN_LIBRARY_DIR: libDir,
    DYNAMIC_OFA_STANDIN_SUMMARY_DIR: summaryDir,
  };
  if (addon) env.DYNAMIC_OFA_BINARY = addon;
  if (sanitize) {
    const asan = run('g++', ['-print-file-name=libasan.so']).trim();
    const ubsan = run('g++', ['-print-file-name=libubsan.so']).trim();
    env.LD_PRELOAD = `${asan}:${ubsan}`;
    // Node and V8 leak by design at exit; the leak check runs in the stand-in's own test programs instead.
    env.ASAN_OPTIONS = 'detect_leaks=0:abort_on_error=1:halt_on_error=1';
    env.UBSAN_OPTIONS = 'halt_on_error=1:print_stacktrace=1';
  }
  return env;
}

function runStandinTests(testsDir, env) {
  const programs = fs.existsSync(testsDir) ? fs.readdirSync(testsDir).filter((f) => !f.includes('.')).sort() : [];
  if (programs.length === 0) throw new Error(`no stand-in test programs in ${testsDir}`);
  const results = [];
  for (const program of programs) {
    const started = Date.now();
    const result = spawnSync(path.join(testsDir, program), [], { env, encoding: 'utf8', timeout: 300000 });
    const output = `${result.stdout}${result.stderr}`;
    const ok = result.status === 0;
    // The programs print "N passed, N failed" last on stdout; their stderr holds the stand-in's expected messages.
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${program} (${((Date.now() - started) / 1000).toFixed(1)} s) ${result.stdout.trim().split('\n').pop() ?? ''}`);
    if (!ok) console.log(output.split('\n').slice(-40).join('\n'));
    results.push({ program, ok });
  }
  return results;
}

/** Memcheck over the stand-in's programs and one Node scenario; returns whether no report came from our code. */
function runValgrind(testsDir, env) {
  requireCommand('valgrind', 'apt-get install valgrind');
  const ours = /dynamic_ofa\.node|libnvinfer\.so|libnvonnxparser\.so|libcudart\.so|\/tests\/(cuda|trt)_/;
  const memcheck = ['--leak-check=full', '--show-leak-kinds=definite,indirect', '--num-callers=30',
    `--suppressions=${path.join(repoRoot, 'scripts', 'dev', 'valgrind.supp')}`];
  const family = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-standin-valgrind-'));
  for (const f of fs.readdirSync(path.join(repoRoot, 'test', 'fixtures', 'tiny-family'), { withFileTypes: true })) {
    if (f.isFile()) fs.copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'tiny-family', f.name), path.join(family, f.name)); // (not a CPU load's .engine-cache)
  }
  const scenario = path.join(standinDir, 'suite', 'scenarios', 'outputs.js');
  const runs = [
    ...['trt_standin_test', 'trt_plan_test', 'trt_int8_test', 'cuda_runtime_test', 'cuda_capture_test'].map((p) => [path.join(testsDir, p)]),
    ...['gpu', 'dla0'].map((device) => [process.execPath, scenario, JSON.stringify({ family, device, cache: `${family}/.engine-cache`, steps: 8, dlaBudget: 'trim' })]),
  ];
  let clean = true;
  for (const command of runs) {
    const log = path.join(os.tmpdir(), `dofa-standin-valgrind-${path.basename(command[1] ?? command[0])}-${process.pid}.log`);
    const started = Date.now();
    const result = spawnSync('valgrind', [...memcheck, `--log-file=${log}`, ...command], { env, encoding: 'utf8', timeout: 900000 });
    const reports = addonReports(fs.readFileSync(log, 'utf8'), ours);
    const ok = result.status === 0 && reports.length === 0;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} valgrind ${path.basename(command[command.length > 2 ? 1 : 0])}${command.length > 2 ? ` ${JSON.parse(command[2]).device}` : ''} ` +
      `(${((Date.now() - started) / 1000).toFixed(0)} s): ${reports.length} reports from our code, exit ${result.status ?? result.signal}; log ${log}`);
    for (const report of reports.slice(0, 5)) console.log(report);
    clean &&= ok;
  }
  return clean;
}

function runSuite(env, jestArgs) {
  const jest = path.join(repoRoot, 'node_modules', '.bin', 'jest');
  const config = path.join(standinDir, 'suite', 'jest.config.js');
  const result = spawnSync(jest, ['--config', config, '--runInBand', ...jestArgs], { cwd: repoRoot, env, stdio: 'inherit' });
  return result.status === 0;
}

/** Merges the suite's summary fragments (one JSON file per test file) into one object. */
function mergeSummary(summaryDir) {
  const merged = {};
  for (const file of fs.existsSync(summaryDir) ? fs.readdirSync(summaryDir).sort() : []) {
    if (!file.endsWith('.json')) continue;
    const part = JSON.parse(fs.readFileSync(path.join(summaryDir, file), 'utf8'));
    mergeInto(merged, part);
  }
  return merged;
}

function mergeInto(target, part) {
  for (const [key, value] of Object.entries(part)) {
    const existing = target[key];
    if (Array.isArray(existing) && Array.isArray(value)) {
      target[key] = [...new Set([...existing, ...value])];
    } else if (typeof existing === 'number' && typeof value === 'number') {
      target[key] = key.startsWith('max') ? Math.max(existing, value) : existing + value;
    } else if (existing && value && typeof existing === 'object' && typeof value === 'object') {
      mergeInto(existing, value);
    } else {
      target[key] = value;
    }
  }
}

async function main() {
  const only = option('only', undefined);
  const sanitize = process.argv.includes('--sanitize');
  const valgrind = process.argv.includes('--valgrind');
  const jsonPath = option('json', undefined);
  const jestArgs = (option('jest-args', '') || '').split(' ').filter(Boolean);
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'index.js'))) run('npm', ['run', 'build:ts'], { cwd: repoRoot });
  requireCommand('cmake', 'apt-get install cmake');
  requireCommand('g++', 'apt-get install g++');
  const ortInclude = await ensureHeaders({ destRoot: path.join(repoRoot, 'deps'), log: (line) => console.log(line) });

  const summary = { variants: [] };
  let failed = false;
  for (const variant of VARIANTS) {
    if (only && String(variant.major) !== only) continue;
    if (variant.optional && !fs.existsSync(path.join(variant.tensorrt, 'NvInferVersion.h'))) {
      console.log(`TensorRT ${variant.major}: skipped (no headers at ${variant.tensorrt}; see scripts/dev/check-tensorrt.sh)`);
      continue;
    }
    console.log(`TensorRT ${variant.major} stand-in, CUDA ${variant.cuda} headers${sanitize ? ', ASan + UBSan' : ''}:`);
    let built;
    try {
      const cudaInclude = fetchCudaHeaders(variant.cuda, { log: (line) => console.log(`  ${line}`) });
      const standin = buildStandin(variant, cudaInclude, ortInclude, sanitize);
      const addon = buildAddon(variant, cudaInclude, sanitize);
      built = { standin, addon };
    } catch (error) {
      const message = `TensorRT ${variant.major}: cannot build the stand-in suite: ${error.message}`;
      if (ci || variant.major === 10) {
        console.error(message);
        failed = true;
      } else {
        console.log(`${message}; skipped`);
      }
      continue;
    }
    const summaryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-standin-summary-'));
    const env = standinEnv(built.standin.lib, built.addon, summaryDir, sanitize, variant.major);
    const programs = runStandinTests(built.standin.tests, env);
    const suiteOk = valgrind ? runValgrind(built.standin.tests, env) : runSuite(env, jestArgs);
    const variantSummary = { tensorrtMajor: variant.major, standinPrograms: programs, suitePassed: suiteOk, ...mergeSummary(summaryDir) };
    summary.variants.push(variantSummary);
    fs.rmSync(summaryDir, { recursive: true, force: true });
    if (!suiteOk || programs.some((p) => !p.ok)) failed = true;
  }
  if (summary.variants.length === 0) failed = true;
  if (jsonPath) fs.writeFileSync(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`tensorrt stand-in: ${failed ? 'FAILED' : 'passed'} (${summary.variants.map((v) => `TensorRT ${v.tensorrtMajor}`).join(', ') || 'nothing ran'})`);
  process.exit(failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  });
}

module.exports = { VARIANTS, buildStandin, buildAddon, ortLibrary };
