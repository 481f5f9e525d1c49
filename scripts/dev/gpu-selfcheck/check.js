#!/usr/bin/env node
'use strict';
// The GPU self-check (see README.md beside this file): the TensorRT addon on a real CUDA runtime and driver, with the
// stand-in TensorRT (test/tensorrt-standin/) running each network on the CPU through ONNX Runtime. Every
// sub-network's output on device 'gpu' is compared with the CPU path, in several cases (CUDA graphs off and on,
// mapped host memory where the addon can be told to use it). Each step runs in its own child process: the addon
// reads its environment when a family loads, the blocking-sync device flag holds for the process, and a crash
// must not take the summary with it.
//   node check.js --package DIR --family DIR --work DIR --json FILE [--steps N] [--seed N]
// --package: the folder whose dist/ is the library (default: this repository). The addon, ONNX Runtime and the
// TensorRT/CUDA libraries come from the environment run.sh sets (DYNAMIC_OFA_BINARY, DYNAMIC_OFA_ORT_LIBRARY,
// DYNAMIC_OFA_TENSORRT_LIBRARY_PATH, LD_LIBRARY_PATH). SELFCHECK_EXPECTED_CUDART: the libcudart that must be loaded.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { STEPS, describeError, round, DIST_MODULES, TIMING_NOTE, ZERO_COPY_ENV } = require('./steps');

const TOLERANCE = 1e-4;
const STEP_TIMEOUT_MS = 150000;

/** The cases, each in its own process with its environment; `what` says what it exercises. */
const CASES = [
  { name: 'gpu', env: {}, what: 'device memory (cudaMalloc) + async copies, blocking-sync events, enqueueV3' },
  { name: 'gpu-cuda-graph', env: { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' }, what: 'as gpu, each engine captured into a CUDA graph and replayed' },
  { name: 'gpu-mapped', env: { [ZERO_COPY_ENV]: '1' }, what: 'mapped pinned host memory bound directly (zero-copy)' },
];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: runs the steps in child processes and writes the summary

/** The environment of a step: the cases' variables only where the case sets them, whatever the caller's has. */
function stepEnvironment(env) {
  const base = { ...process.env };
  for (const c of CASES) for (const name of Object.keys(c.env)) delete base[name];
  return { ...base, ...env };
}

/** Runs one step in a child process; returns its JSON result, or { error } with the child's last words. */
function runStep(step, args, env = {}) {
  const child = spawnSync(process.execPath, [__filename, '--step', step, '--args', JSON.stringify(args)], {
    env: stepEnvironment(env), encoding: 'utf8', timeout: STEP_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = (child.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed;
  try {
    parsed = last.startsWith('{') ? JSON.parse(last) : undefined;
  } catch {
    parsed = undefined;
  }
  if (child.status === 0 && parsed && !parsed.uncaught) return parsed;
  const how = child.error ? child.error.message : `exit ${child.status ?? child.signal}`;
  return { error: parsed?.uncaught ? `${parsed.uncaught.name}: ${parsed.uncaught.message}` : `step '${step}' failed (${how})`, stack: parsed?.stack };
}

/** The device facts the summary and run.sh's gate read. */
function deviceSummary(info) {
  const cuda = info?.info?.cuda;
  if (!cuda) return undefined;
  return {
    name: cuda.name, computeCapability: cuda.computeCapability, integrated: cuda.integrated, canMapHostMemory: cuda.canMapHostMemory,
    multiProcessors: cuda.multiProcessors, totalMemoryMiB: Math.round(cuda.totalMemory / 2 ** 20),
    cudaRuntimeVersion: cuda.runtimeVersion, cudaDriverVersion: cuda.driverVersion, blockingSync: cuda.blockingSync,
  };
}

/** The libcudart every step loaded: one, and the one run.sh chose (SELFCHECK_EXPECTED_CUDART). */
function cudartErrors(stepResults) {
  const errors = [];
  const expected = process.env.SELFCHECK_EXPECTED_CUDART ? fs.realpathSync(process.env.SELFCHECK_EXPECTED_CUDART) : undefined;
  for (const [name, result] of stepResults) {
    const cudarts = (result.mapped ?? []).filter((f) => /\/libcudart\.so/.test(f));
    if (cudarts.length !== 1) errors.push(`${name}: ${cudarts.length} CUDA runtimes mapped (${cudarts.join(', ') || 'none'})`);
    else if (expected && cudarts[0] !== expected) errors.push(`${name}: loaded ${cudarts[0]}, expected ${expected}`);
  }
  return errors;
}

function printSummary(summary) {
  const device = summary.device;
  log('');
  log(`device: ${device ? `${device.name} (compute ${device.computeCapability}, integrated ${device.integrated}, CUDA runtime ${device.cudaRuntimeVersion}, driver ${device.cudaDriverVersion}, blocking sync: ${device.blockingSync})` : 'none'}`);
  log(`libcudart: ${summary.cudaRuntimePath ?? 'not loaded'}${summary.cudaRuntimeSource ? ` (${summary.cudaRuntimeSource})` : ''}`);
  for (const c of summary.cases) {
    if (c.skipped) {
      log(`  case ${c.name}: skipped (${c.skipped})`);
      continue;
    }
    log(`  case ${c.name}: ${c.ok ? 'ok' : 'FAILED'}  max |gpu - cpu| ${c.maxAbsDiff ?? '-'} over ${c.comparisons ?? 0} comparisons, ${c.subnetsRun?.length ?? 0} sub-networks${c.error ? `  ${c.error}` : ''}`);
    for (const row of c.timings?.rows ?? []) {
      log(`      ${row.subnet}: stand-in gpu ${row.gpuHostMsP50} ms host / ${row.gpuDeviceMsP50} ms CUDA events, cpu ${row.cpuMsP50} ms`);
    }
  }
  log(`  (${TIMING_NOTE})`);
  for (const error of summary.errors) log(`ERROR: ${error}`);
  log(`gpu self-check: ${summary.ok ? 'passed' : 'FAILED'} (max |gpu - cpu| ${summary.maxAbsDiff}, tolerance ${TOLERANCE}, ${summary.wallSeconds} s)`);
}

function runCases(args) {
  const results = [];
  for (const caseSpec of CASES) {
    log(`case ${caseSpec.name}: ${caseSpec.what}`);
    const result = runStep('case', { ...args, caseSpec }, caseSpec.env);
    const errors = [...(result.error ? [result.error] : []), ...(result.reportErrors ?? [])];
    if (!result.error && !(result.maxAbsDiff <= TOLERANCE)) errors.push(`max |gpu - cpu| ${result.maxAbsDiff} > ${TOLERANCE}`);
    if (!result.error && result.subnetsRun.length !== result.subnets.length) errors.push(`ran ${result.subnetsRun.length} of ${result.subnets.length} sub-networks`);
    results.push({ name: caseSpec.name, env: caseSpec.env, what: caseSpec.what, ok: errors.length === 0, ...result, error: errors.join('; ') || undefined });
  }
  return results;
}

async function parent() {
  const started = Date.now();
  const packageDir = path.resolve(option('package', path.join(__dirname, '..', '..', '..')));
  const family = path.resolve(option('family', path.join(packageDir, 'engines', 'fashion-ofa')));
  const work = path.resolve(option('work', undefined) ?? fs.mkdtempSync('/tmp/dofa-gpu-selfcheck-'));
  const jsonPath = option('json', path.join(work, 'selfcheck.json'));
  const args = { packageDir, family, cache: path.join(work, 'engine-cache'), steps: Number(option('steps', 60)), seed: Number(option('seed', 1)) };
  fs.mkdirSync(work, { recursive: true });
  const errors = [];

  log('step info: tensorrtProbe / tensorrtInfo');
  const info = runStep('info', args);
  if (info.error) errors.push(`info: ${info.error}`);
  else if (!info.probe.available) errors.push(`TensorRT path not available: ${info.probe.reason}`);
  else if (!info.info?.cuda) errors.push(`no CUDA device: ${info.info?.cudaError}`);

  let build;
  let cases = [];
  if (errors.length === 0) {
    log('step build: build-engines job (gpu)');
    build = runStep('build', args);
    if (build.error) errors.push(`build: ${build.error}`);
    else cases = runCases(args);
  }
  for (const c of cases) if (c.error) errors.push(`${c.name}: ${c.error}`);
  errors.push(...cudartErrors([['info', info], ...(build && !build.error ? [['build', build]] : []), ...cases.filter((c) => c.mapped).map((c) => [c.name, c])]));

  const ran = cases.filter((c) => !c.skipped && c.comparisons);
  const summary = {
    ok: errors.length === 0 && ran.length > 0,
    cudaRuntimePath: (info.mapped ?? []).find((f) => /\/libcudart\.so/.test(f)),
    cudaRuntimeSource: process.env.SELFCHECK_CUDART_SOURCE,
    device: deviceSummary(info),
    tensorrt: info.probe ? { version: info.probe.version, compiled: info.probe.compiled, libraries: info.probe.libraries } : undefined,
    addon: info.addonFile,
    tolerance: TOLERANCE,
    maxAbsDiff: ran.length ? Math.max(...ran.map((c) => c.maxAbsDiff ?? Infinity)) : null,
    subnetsRun: [...new Set(ran.flatMap((c) => c.subnetsRun ?? []))],
    cases,
    build,
    errors,
    node: process.version,
    wallSeconds: round((Date.now() - started) / 1000, 1),
  };
  if (ran.length === 0 && errors.length === 0) summary.errors.push('no case ran');
  fs.writeFileSync(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  printSummary(summary);
  log(`summary: ${jsonPath}`);
  process.exitCode = summary.ok ? 0 : 1;
}

/** A child: runs one step and prints its result as one JSON line. */
function child(step) {
  const args = JSON.parse(option('args', '{}'));
  Promise.resolve()
    .then(() => STEPS[step](args))
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error) => {
      process.stdout.write(`${JSON.stringify({ uncaught: describeError(error), stack: error?.stack })}\n`);
      process.exitCode = 3;
    });
}

if (require.main === module) {
  const step = option('step', undefined);
  if (step) child(step);
  else parent().catch((error) => {
    log(error.stack ?? String(error));
    process.exitCode = 1;
  });
}

module.exports = { DIST_MODULES };
