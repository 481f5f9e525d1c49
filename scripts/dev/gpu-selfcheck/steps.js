'use strict';
// The steps of the GPU self-check (check.js runs each in its own process): 'info' (what the addon reports about
// TensorRT and the CUDA device), 'build' (engines for device 'gpu' through the library's build job) and 'case' (the
// family on 'gpu' against the family on 'cpu': switches, queued requests, image input, a second family, timings).
const fs = require('node:fs');
const path = require('node:path');

const TIMING_RUNS = 30;
const TIMING_NOTE = "stand-in TensorRT: each network runs on the CPU through ONNX Runtime inside a CUDA host function; " +
  'only the CUDA runtime calls (copies, events, streams, graphs) are real. These are no GPU figures.';
// The addon's override for mapped (zero-copy) I/O buffers on a discrete GPU, when the addon has it.
const ZERO_COPY_ENV = 'DYNAMIC_OFA_TRT_ZERO_COPY';
// The library modules the check requires (prepare.js bundles what they require from node_modules).
const DIST_MODULES = { api: 'index.js', addon: 'native/addon.js', jobs: 'cli/jobs/build-and-profile.js' };

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by the steps

/** Deterministic floats in [-1, 1): a copy of test/seeded.js, since the bundle carries nothing of test/. */
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
 * Keeps each native model the library loads, to read what the addon reports beyond DynamicModel's view
 * (deviceMemory(): mappedBuffers, cudaGraphs). loadModel's 7th positional value is the backend.
 */
function keepNativeModels(addon) {
  const binding = addon.getBinding();
  const kept = [];
  const load = binding.loadModel;
  binding.loadModel = async (...args) => {
    const native = await load.apply(binding, args);
    kept.push({ backend: args[6], native });
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
  const natives = keepNativeModels(addon);
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

const STEPS = { info: infoStep, build: buildStep, case: caseStep };

module.exports = { STEPS, describeError, round, DIST_MODULES, TIMING_NOTE, ZERO_COPY_ENV };
