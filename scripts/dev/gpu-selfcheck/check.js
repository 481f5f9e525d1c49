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

const TOLERANCE = 1e-4;
const STEP_TIMEOUT_MS = 150000;
const TIMING_RUNS = 30;
const TIMING_NOTE = "stand-in TensorRT: each network runs on the CPU through ONNX Runtime inside a CUDA host function; " +
  'only the CUDA runtime calls (copies, events, streams, graphs) are real. These are no GPU figures.';
// The addon's override for mapped (zero-copy) I/O buffers on a discrete GPU, when the addon has it.
const ZERO_COPY_ENV = 'DYNAMIC_OFA_TRT_ZERO_COPY';
// The library modules the check requires (prepare.js bundles what they require from node_modules).
const DIST_MODULES = { api: 'index.js', addon: 'native/addon.js', jobs: 'cli/jobs/build-and-profile.js' };

/** The cases, each in its own process with its environment; `what` says what it exercises. */
const CASES = [
  { name: 'gpu', env: {}, what: 'device memory (cudaMalloc) + async copies, blocking-sync events, enqueueV3' },
  { name: 'gpu-cuda-graph', env: { DYNAMIC_OFA_TRT_CUDA_GRAPH: '1' }, what: 'as gpu, each engine captured into a CUDA graph and replayed' },
  { name: 'gpu-mapped', env: { [ZERO_COPY_ENV]: '1' }, what: 'mapped pinned host memory bound directly (zero-copy)', needsZeroCopyOverride: true },
];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by the steps

/** Deterministic floats in [-1, 1) (the generator of test/helpers.ts and the stand-in suite). */
function seededFloats(count, seed) {
  const out = new Float32Array(count);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Largest |a - b|; NaN or Infinity anywhere is a failure, not a small number. */
function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`output lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new Error(`non-finite output at ${i}: ${a[i]} vs ${b[i]}`);
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return max;
}

function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const round = (value, digits = 4) => (value === undefined ? undefined : Number(value.toFixed(digits)));
const elementCount = (shape) => shape.reduce((a, b) => a * b, 1);

function describeError(error) {
  return { name: error?.constructor?.name ?? typeof error, code: error?.code, message: String(error?.message ?? error) };
}

/** The shared libraries of interest mapped into this process, by real path (what the dynamic loader really took). */
function mappedLibraries(pattern = /\/lib(cudart|nvinfer|nvonnxparser|onnxruntime)\.so[^/]*$/) {
  const paths = new Set();
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const file = line.slice(line.indexOf('/'));
    if (line.includes('/') && pattern.test(file)) paths.add(file.trim());
  }
  return [...paths].sort();
}

function libraryApi(packageDir) {
  return Object.fromEntries(Object.entries(DIST_MODULES).map(([name, file]) => [name, require(path.join(packageDir, 'dist', file))]));
}

// ---------------------------------------------------------------------------------------------------------------
// Step 'info': what the addon found (tensorrtProbe: libraries and their paths; tensorrtInfo: the device)

async function infoStep({ packageDir }) {
  const { addon } = libraryApi(packageDir);
  const binding = addon.getBinding();
  const probe = binding.tensorrtProbe();
  const info = probe.available ? binding.tensorrtInfo() : undefined;
  return { addonFile: addon.loadedAddon().file, backends: binding.backends(), probe, info, mapped: mappedLibraries() };
}

// ---------------------------------------------------------------------------------------------------------------
// Step 'build': the library's build path (build-engines job: ensureEngines through the addon, then profiling)

async function buildStep({ packageDir, family, cache }) {
  const { jobs } = libraryApi(packageDir);
  const built = [];
  const started = Date.now();
  const result = await jobs.buildEngines({
    family, devices: ['gpu'], cache, runs: TIMING_RUNS, warmupMs: 20,
    onEvent: (event) => {
      if (event.type === 'built') built.push({ subnet: event.subnet, buildMs: round(event.report.buildMs, 1), planBytes: event.report.planBytes });
    },
  });
  const profile = result.results.map((row) => ({
    subnet: row.id, engine: row.engine, hostMsP50: round(row.hostMs?.p50), deviceMsP50: round(row.deviceMs?.p50),
  }));
  return { seconds: round((Date.now() - started) / 1000, 1), cacheDir: result.cacheDir, built, profile, timingNote: TIMING_NOTE, mapped: mappedLibraries() };
}

// ---------------------------------------------------------------------------------------------------------------
// Step 'case': the family on 'gpu' against the family on 'cpu'

/**
 * Keeps each native family the library loads, to read what the addon reports beyond DynamicModel's view
 * (deviceMemory(): mappedBuffers, cudaGraphs).
 */
function keepNativeFamilies(addon) {
  const binding = addon.getBinding();
  const kept = [];
  const load = binding.loadFamily;
  binding.loadFamily = async (options) => {
    const native = await load.call(binding, options);
    kept.push({ backend: options.backend, native });
    return native;
  };
  return kept;
}

/** Compares GPU results with the CPU family on the same input; records the largest difference per sub-network. */
function makeComparer(cpu) {
  const perSubnet = {};
  const cpuIndex = new Map(cpu.subnets.map((s) => [s.id, s.index]));
  let comparisons = 0;
  return {
    perSubnet,
    count: () => comparisons,
    async check(gpuResult, input) {
      const reference = await cpu.infer(input, { subnet: cpuIndex.get(gpuResult.id) });
      const diff = maxAbsDiff(gpuResult.output, reference.output);
      perSubnet[gpuResult.id] = Math.max(perSubnet[gpuResult.id] ?? 0, diff);
      comparisons++;
    },
  };
}

function inputFor(model, subnet, seed) {
  return seededFloats(elementCount(model.subnets[subnet].inputShape), seed);
}

/** Every sub-network once, then random switches: each run's output must be its own input's, not a stale one. */
async function switches(gpu, compare, steps, seed) {
  const n = gpu.subnets.length;
  for (let step = 0; step < n + steps; step++) {
    const subnet = step < n ? step : Math.floor((seededFloats(1, seed * 1000 + step)[0] + 1) / 2 * n) % n;
    const input = inputFor(gpu, subnet, seed * 7919 + step);
    gpu.use(subnet);
    const result = await gpu.infer(input);
    if (result.subnet !== subnet) throw new Error(`ran sub-network ${result.subnet}, asked for ${subnet}`);
    await compare.check(result, input);
  }
}

/** Requests queued on the family's thread, each input overwritten right after its call. */
async function queued(gpu, compare, seed) {
  const pending = [];
  for (let i = 0; i < 3 * gpu.subnets.length; i++) {
    const subnet = (i * 5) % gpu.subnets.length;
    const input = inputFor(gpu, subnet, seed * 31 + i);
    const kept = input.slice();
    pending.push(gpu.infer(input, { subnet, inline: false }).then((result) => ({ result, kept })));
    input.fill(0.5);
  }
  const results = await Promise.all(pending);
  for (const { result, kept } of results) await compare.check(result, kept);
  return results.length;
}

/** inferSync on the calling thread, the shared output view, and warm() between runs. */
async function syncAndWarm(gpu, compare, seed) {
  let runs = 0;
  for (let subnet = 0; subnet < gpu.subnets.length; subnet++) {
    const input = inputFor(gpu, subnet, seed * 131 + subnet);
    await gpu.warm((subnet + 1) % gpu.subnets.length);
    const result = gpu.inferSync(input, { subnet, sharedOutput: true });
    await compare.check({ ...result, output: result.output.slice() }, input);
    runs++;
  }
  return runs;
}

/** Frames preprocessed natively on both paths: sample images, and a larger RGBA frame with a row stride. */
function frames(family, channels) {
  const side = 28;
  const samples = path.join(family, 'sample-images.u8');
  const pixels = fs.existsSync(samples) ? new Uint8Array(fs.readFileSync(samples)) : Uint8Array.from(seededFloats(3 * side * side * channels, 5), (v) => Math.floor((v + 1) * 127.999));
  const list = [];
  for (let i = 0; i < 3; i++) {
    const data = pixels.subarray(i * side * side * channels, (i + 1) * side * side * channels);
    list.push({ data, width: side, height: side, format: channels === 1 ? 'gray' : 'rgb' });
  }
  const width = 40;
  const height = 36;
  const stride = width * 4 + 8;
  const rgba = Uint8Array.from(seededFloats(stride * height, 11), (v) => Math.floor((v + 1) * 127.999));
  list.push({ data: rgba, width, height, format: 'rgba', stride });
  return list;
}

async function images(gpu, compare, family) {
  let runs = 0;
  for (const frame of frames(family, gpu.manifest.input.channels)) {
    for (let subnet = 0; subnet < gpu.subnets.length; subnet++) {
      await compare.check(await gpu.infer(frame, { subnet }), frame);
      runs++;
    }
  }
  return runs;
}

/** A second family on the same GPU (its own stream) with requests queued on both at once. */
async function secondFamily(gpu, compare, { api, family, cache, seed }) {
  const other = await api.loadFamily(family, { device: 'gpu', cache, buildEngines: false, warmupRuns: 1 });
  try {
    const pending = [];
    for (let i = 0; i < 2 * gpu.subnets.length; i++) {
      for (const [model, offset] of [[gpu, 0], [other, 500]]) {
        const subnet = (i + offset) % model.subnets.length;
        const input = inputFor(model, subnet, seed * 577 + i + offset);
        pending.push(model.infer(input, { subnet, inline: false }).then((result) => ({ result, input })));
      }
    }
    const results = await Promise.all(pending);
    for (const { result, input } of results) await compare.check(result, input);
    return results.length;
  } finally {
    await other.close();
  }
}

/** Median latencies per sub-network on both paths (labelled: the stand-in's, not a GPU's). */
async function timings(gpu, cpu) {
  const rows = [];
  for (let subnet = 0; subnet < gpu.subnets.length; subnet++) {
    const input = inputFor(gpu, subnet, 99);
    const host = [];
    const device = [];
    const cpuHost = [];
    for (let i = 0; i < TIMING_RUNS; i++) {
      const r = await gpu.infer(input, { subnet });
      host.push(r.latencyMs);
      if (r.deviceMs !== undefined) device.push(r.deviceMs);
      cpuHost.push((await cpu.infer(input, { subnet })).latencyMs);
    }
    rows.push({ subnet: gpu.subnets[subnet].id, gpuHostMsP50: round(median(host)), gpuDeviceMsP50: round(median(device)), cpuMsP50: round(median(cpuHost)) });
  }
  return rows;
}

/** What the addon reports about its own TensorRT family: mapped I/O, and how many engines replay a CUDA graph. */
function addonReport(native) {
  const memory = native.deviceMemory();
  return { deviceMemory: memory, zeroCopy: memory.mappedBuffers, cudaGraphs: memory.cudaGraphs, subnets: native.subnetInfo().length };
}

/** Errors in what the addon reports for this case: it must have done what the case asked for. */
function reportErrors(caseSpec, report) {
  const errors = [];
  if (caseSpec.env.DYNAMIC_OFA_TRT_CUDA_GRAPH === '1' && report.cudaGraphs !== report.subnets) {
    errors.push(`CUDA graph capture fell back to enqueueV3 for ${report.subnets - report.cudaGraphs} sub-network(s)`);
  }
  if (caseSpec.env[ZERO_COPY_ENV] === '1' && !report.zeroCopy) errors.push(`${ZERO_COPY_ENV}=1 but the I/O buffers are not mapped`);
  if (!caseSpec.env[ZERO_COPY_ENV] && report.zeroCopy) errors.push('mapped I/O buffers on a discrete GPU without the override');
  return errors;
}

async function caseStep({ packageDir, family, cache, steps, seed, caseSpec }) {
  const { api, addon } = libraryApi(packageDir);
  const natives = keepNativeFamilies(addon);
  const started = Date.now();
  const gpu = await api.loadFamily(family, { device: 'gpu', cache, buildEngines: false, warmupRuns: 2 });
  const cpu = await api.loadFamily(family, { device: 'cpu', warmupRuns: 1 });
  try {
    const compare = makeComparer(cpu);
    await switches(gpu, compare, steps, seed);
    const queuedRuns = await queued(gpu, compare, seed);
    const syncRuns = await syncAndWarm(gpu, compare, seed);
    const imageRuns = await images(gpu, compare, family);
    const twoFamilyRuns = await secondFamily(gpu, compare, { api, family, cache, seed });
    const timingRows = await timings(gpu, cpu);
    const report = addonReport(natives.find((n) => n.backend === 'tensorrt').native);
    const perSubnet = Object.fromEntries(Object.entries(compare.perSubnet).map(([id, d]) => [id, Number(d.toPrecision(3))]));
    return {
      subnets: gpu.subnets.map((s) => s.id),
      subnetsRun: Object.keys(compare.perSubnet),
      maxAbsDiff: Math.max(0, ...Object.values(compare.perSubnet)),
      maxAbsDiffPerSubnet: perSubnet,
      comparisons: compare.count(),
      queuedRuns, syncRuns, imageRuns, twoFamilyRuns,
      deviceMemory: gpu.deviceMemory,
      addonReport: report,
      reportErrors: reportErrors(caseSpec, report),
      timings: { note: TIMING_NOTE, runsPerSubnet: TIMING_RUNS, rows: timingRows },
      seconds: round((Date.now() - started) / 1000, 1),
      mapped: mappedLibraries(),
    };
  } finally {
    await gpu.close();
    await cpu.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: runs the steps in child processes and writes the summary

const STEPS = { info: infoStep, build: buildStep, case: caseStep };

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

/** Whether this addon has the mapped-I/O override (its name is in the binary's strings). */
function hasZeroCopyOverride(addonFile) {
  try {
    return fs.readFileSync(addonFile).includes(Buffer.from(ZERO_COPY_ENV));
  } catch {
    return false;
  }
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

function runCases(args, addonFile) {
  const results = [];
  const zeroCopy = hasZeroCopyOverride(addonFile);
  for (const caseSpec of CASES) {
    if (caseSpec.needsZeroCopyOverride && !zeroCopy) {
      results.push({ name: caseSpec.name, skipped: `this addon has no ${ZERO_COPY_ENV} override; on a discrete GPU it uses cudaMalloc and copies` });
      continue;
    }
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
    else cases = runCases(args, info.addonFile);
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
