#!/usr/bin/env node
/*
 * npm run build-engines -- [--family DIR] [--device cpu,gpu,dla0,dla1] [--precision fp16|int8|fp32] [--force]
 *                          [--cache DIR] [--no-rebuild] [--runs N] [--warmup-ms MS] [--threads N]
 *                          [--workspace MIB] [--no-gpu-fallback] [--json]
 *
 * Builds the TensorRT engines that are missing or stale (gpu, dla0, dla1), then profiles every sub-network on
 * every requested device (warm-up, then many runs; p50/p90/p99) and writes one latency profile per device
 * (<cache>/profile-<device>.json) for the runtime manager. `cpu` profiles the ONNX Runtime path of the addon.
 * Plain JS over dist/ (npm run build:ts first). Exit codes: 0 ok, 1 failure, 2 bad usage or device not in
 * this build.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');

function loadDist() {
  try {
    return {
      cache: require(path.join(dist, 'engine-cache.js')),
      profile: require(path.join(dist, 'profile.js')),
      manifest: require(path.join(dist, 'family-manifest.js')),
      native: require(path.join(dist, 'native.js')),
    };
  } catch (error) {
    throw usage(`cannot load the compiled library from ${dist} (${error.message}); run \`npm run build:ts\` first`);
  }
}

class UsageError extends Error {}
const usage = (message) => new UsageError(message);

const HELP = `usage: npm run build-engines -- [options]
  --family DIR        family folder (default engines/fashion-ofa)
  --device LIST       cpu,gpu,dla0,dla1 (default: every device this build and machine have)
  --precision P       fp16 (default) | int8 | fp32 (gpu only) for TensorRT engines
  --force             rebuild engines even when the cache is fresh
  --no-rebuild        fail (instead of rebuilding) when an engine is missing, stale or corrupt
  --cache DIR         engine cache folder (default <family>/.engine-cache, or a per-user cache if read-only)
  --runs N            measured runs per sub-network (default 200)
  --warmup-ms MS      warm-up time per sub-network before measuring (default 200, at least 5 runs)
  --threads N         ONNX Runtime threads for cpu (default: all cores)
  --workspace MIB     TensorRT builder workspace (default 256)
  --no-gpu-fallback   DLA: fail instead of running unsupported layers on the GPU
  --json              print the result as JSON instead of a table`;

function parseArgs(argv) {
  const options = { family: 'engines/fashion-ofa', devices: undefined, precision: 'fp16', force: false, rebuild: true,
    cache: undefined, runs: 200, warmupMs: 200, threads: undefined, workspaceMiB: 256, gpuFallback: true, json: false };
  const positive = (name, text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw usage(`${name} must be a positive integer; got ${JSON.stringify(text)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--family': options.family = value(); break;
      case '--device': case '--devices': options.devices = value().split(',').map((d) => d.trim()).filter(Boolean); break;
      case '--precision': options.precision = value(); break;
      case '--force': options.force = true; break;
      case '--no-rebuild': options.rebuild = false; break;
      case '--cache': options.cache = value(); break;
      case '--runs': options.runs = positive('--runs', value()); break;
      case '--warmup-ms': { const n = Number(value()); if (!(n >= 0)) throw usage('--warmup-ms must be >= 0'); options.warmupMs = n; break; }
      case '--threads': options.threads = positive('--threads', value()); break;
      case '--workspace': options.workspaceMiB = positive('--workspace', value()); break;
      case '--no-gpu-fallback': options.gpuFallback = false; break;
      case '--json': options.json = true; break;
      case '-h': case '--help': options.help = true; break;
      default: throw usage(`unknown option ${arg}\n${HELP}`);
    }
  }
  if (!['fp16', 'int8', 'fp32'].includes(options.precision)) throw usage(`--precision must be fp16, int8 or fp32; got ${options.precision}`);
  for (const d of options.devices ?? []) {
    if (!['cpu', 'gpu', 'dla0', 'dla1'].includes(d)) throw usage(`unknown device '${d}'; devices: cpu, gpu, dla0, dla1`);
  }
  return options;
}

// ---- output -------------------------------------------------------------------------------------------------

function makeProgress(stream, quiet) {
  const tty = Boolean(stream.isTTY);
  let open = false;
  return {
    /** A bar on a terminal (redrawn in place), one line per 25% otherwise. */
    bar(label, fraction, note = '') {
      if (quiet) return;
      const width = 28;
      const f = Math.max(0, Math.min(1, fraction));
      if (tty) {
        const filled = Math.round(f * width);
        stream.write(`\r${label.padEnd(30)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${note}`.slice(0, 140).padEnd(100));
        open = true;
        if (f >= 1) this.end();
      } else if (f === 0 || f >= 1) {
        stream.write(`${label} ${f >= 1 ? 'done' : 'start'}${note ? ` ${note}` : ''}\n`);
      }
    },
    line(text) {
      if (quiet) return;
      this.end();
      stream.write(`${text}\n`);
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c)[i === 0 || i === 1 ? 'padEnd' : 'padStart'](widths[i])).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (v) => (v === undefined ? '-' : v.toFixed(3));

// ---- profiling ----------------------------------------------------------------------------------------------

/**
 * Profiles every sub-network of a loaded native family: per sub-network, warm-up for `warmupMs` (at least
 * `minWarmupRuns` runs), then `runs` measured runs back to back on a fixed random input.
 */
function profileNativeFamily(nativeFamily, { runs, warmupMs, minWarmupRuns = 5, onProgress = () => {} }) {
  const info = nativeFamily.subnetInfo();
  const results = [];
  info.forEach((subnet, index) => {
    const count = subnet.input.shape.reduce((a, b) => a * b, 1);
    const input = new Float32Array(count);
    for (let i = 0; i < count; i++) input[i] = Math.sin(i * 12.9898) * 0.5;
    new Float32Array(nativeFamily.inputBuffer, 0, count).set(input);
    const started = process.hrtime.bigint();
    let warm = 0;
    while (warm < minWarmupRuns || Number(process.hrtime.bigint() - started) / 1e6 < warmupMs) {
      nativeFamily.runSync(index);
      warm++;
    }
    const host = [];
    const device = [];
    for (let r = 0; r < runs; r++) {
      const result = nativeFamily.runSync(index);
      host.push(result.latencyMs);
      if (result.deviceMs !== undefined) device.push(result.deviceMs);
      if ((r + 1) % Math.max(1, Math.floor(runs / 20)) === 0 || r + 1 === runs) onProgress(index, (r + 1) / runs);
    }
    results.push({ index, warmupRuns: warm, host, device });
  });
  return results;
}

function hostInfo(l4tRelease) {
  const cpus = os.cpus();
  const host = { hostname: os.hostname(), platform: process.platform, arch: process.arch, cpuModel: cpus[0]?.model?.trim() || 'unknown', cpus: cpus.length };
  if (l4tRelease) host.l4tRelease = l4tRelease;
  return host;
}

// ---- main ---------------------------------------------------------------------------------------------------

async function run(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const options = parseArgs(argv);
  if (options.help) {
    stdout.write(`${HELP}\n`);
    return { exitCode: 0 };
  }
  const lib = loadDist();
  const binding = lib.native.getBinding();
  const compiled = binding.backends();
  const hasTrt = compiled.includes('tensorrt') && typeof binding.buildEngine === 'function' && typeof binding.tensorrtInfo === 'function';
  const trtInfo = hasTrt ? binding.tensorrtInfo() : undefined;

  const available = ['cpu'];
  if (trtInfo?.cuda) {
    available.push('gpu');
    for (let core = 0; core < Math.min(2, trtInfo.dlaCores); core++) available.push(`dla${core}`);
  }
  const devices = options.devices ?? available;
  const trtRequested = devices.filter((d) => d !== 'cpu');
  if (trtRequested.length > 0 && !hasTrt) {
    throw usage(`TensorRT is not in this build: device${trtRequested.length > 1 ? 's' : ''} ${trtRequested.join(', ')} cannot be built or profiled. ` +
      'This addon was compiled without TensorRT/CUDA (backends(): ' + compiled.join(', ') + '). ' +
      'Rebuild it where TensorRT is installed (a Jetson with JetPack 5.1+/6, or TENSORRT_ROOT set): npm run rebuild:native. Only cpu is available here.');
  }
  const missing = devices.filter((d) => !available.includes(d));
  if (missing.length > 0) {
    throw usage(`device${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not available on this machine` +
      (trtInfo?.cudaError ? ` (CUDA: ${trtInfo.cudaError})` : ` (TensorRT ${trtInfo?.version}, ${trtInfo?.dlaCores ?? 0} DLA cores)`) + `; available: ${available.join(', ')}`);
  }
  if (options.precision === 'fp32' && devices.some((d) => d.startsWith('dla'))) throw usage('DLA runs fp16 or int8 only; use --precision fp32 with --device gpu');

  const family = lib.manifest.loadManifest(options.family);
  const choice = lib.cache.resolveCacheDir(family.dir, family.manifest.name, options.cache);
  const progress = makeProgress(stderr, options.json);
  progress.line(`family ${family.manifest.name} (${family.manifest.subnets.length} sub-networks), devices ${devices.join(', ')}, cache ${choice.dir}` +
    (choice.reason ? ` (${choice.reason})` : ''));
  const ortLibrary = lib.native.resolveOrtLibrary();
  const l4tRelease = lib.cache.readL4tRelease();
  const platform = trtInfo?.cuda ? lib.cache.platformFromNative(trtInfo, l4tRelease) : undefined;
  const summary = [];
  const profiles = {};

  for (const device of devices) {
    let models = family.modelPaths;
    let engines;
    if (device !== 'cpu') {
      engines = await lib.cache.ensureEngines({
        family, device, precision: options.precision, cacheDir: choice.dir, platform, builder: binding.buildEngine,
        force: options.force, rebuild: options.rebuild, workspaceMiB: options.workspaceMiB, gpuFallback: options.gpuFallback,
        calibrationData: (id) => {
          const index = family.manifest.subnets.findIndex((s) => s.id === id);
          const resolution = family.manifest.subnets[index].resolution;
          return lib.cache.writeCalibrationData(family, resolution, path.join(choice.dir, 'calibration', `${id}.r${resolution}.f32`));
        },
        onEvent: (event) => {
          const label = `${device} ${event.subnet}`;
          if (event.type === 'check') progress.line(`${label}: ${event.decision.action === 'use' ? 'cached' : `build (${event.decision.reason})`}`);
          else if (event.type === 'progress') progress.bar(`${label} ${event.progress.stage}`, event.progress.fraction < 0 ? 0 : event.progress.fraction, event.progress.message);
          else if (event.type === 'built') {
            const r = event.report;
            progress.line(`${label}: built in ${(r.buildMs / 1000).toFixed(1)} s, ${r.planBytes} bytes` +
              (device === 'gpu' ? '' : `, ${r.gpuFallbackLayers}/${r.layers} layers fall back to the GPU`));
          }
        },
      });
      models = engines.map((e) => e.enginePath);
    }
    const nativeFamily = await binding.loadFamily({
      models, device, ortLibrary, warmupRuns: 1, channels: family.manifest.input.channels, format: family.manifest.input.format,
      mean: family.manifest.input.mean, std: family.manifest.input.std,
      ...(device === 'cpu' && options.threads !== undefined ? { threads: options.threads } : {}),
    });
    let measured;
    try {
      measured = profileNativeFamily(nativeFamily, {
        runs: options.runs,
        warmupMs: options.warmupMs,
        onProgress: (index, fraction) => progress.bar(`profile ${device} ${family.manifest.subnets[index].id}`, fraction, `${options.runs} runs`),
      });
    } finally {
      nativeFamily.close();
    }
    const backend = device === 'cpu'
      ? { name: 'onnxruntime-cpu', version: binding.runtimeVersion(ortLibrary) }
      : { name: 'tensorrt', version: trtInfo.version };
    const deviceKey = device === 'cpu'
      ? `cpu:${hostInfo().cpuModel}:threads=${options.threads ?? 'all'}`
      : `${platform.gpuName}:sm${platform.computeCapability}:${device}:trt${platform.tensorrtVersion}:${options.precision}`;
    const profile = {
      schemaVersion: lib.profile.PROFILE_SCHEMA_VERSION,
      family: family.manifest.name,
      device,
      deviceKey,
      backend,
      createdAt: new Date().toISOString(),
      host: hostInfo(l4tRelease),
      method: { warmupMs: options.warmupMs, minWarmupRuns: 5, runs: options.runs, ...(device === 'cpu' && options.threads !== undefined ? { threads: options.threads } : {}) },
      subnets: measured.map((m) => {
        const entry = { id: family.manifest.subnets[m.index].id, index: m.index, runs: m.host.length, hostMs: lib.profile.latencyStats(m.host) };
        if (m.device.length > 0) entry.deviceMs = lib.profile.latencyStats(m.device);
        const engine = engines?.[m.index];
        if (engine) {
          entry.engine = { file: path.relative(choice.dir, engine.enginePath), fingerprint: engine.fingerprint, precision: options.precision };
          if (engine.report && device !== 'gpu') entry.engine.gpuFallbackLayers = engine.report.gpuFallbackLayers;
        }
        return entry;
      }),
    };
    const file = lib.profile.profilePath(choice.dir, device);
    lib.profile.writeProfile(file, profile);
    profiles[device] = file;
    progress.line(`${device}: profile written to ${file}`);
    profile.subnets.forEach((s, i) => {
      const engine = engines?.[i];
      summary.push({ device, id: s.id, engine: engine ? engine.action : '-', hostMs: s.hostMs, deviceMs: s.deviceMs, fallback: s.engine?.gpuFallbackLayers });
    });
  }

  if (options.json) {
    stdout.write(`${JSON.stringify({ cacheDir: choice.dir, cacheSource: choice.source, profiles, results: summary }, null, 2)}\n`);
  } else {
    const rows = summary.map((r) => [r.device, r.id, r.engine, ms(r.hostMs.p50), ms(r.hostMs.p90), ms(r.hostMs.p99), ms(r.deviceMs?.p50), r.fallback ?? '-']);
    stdout.write(`\n${table(rows, ['device', 'subnet', 'engine', 'p50 ms', 'p90 ms', 'p99 ms', 'gpu p50 ms', 'gpu-fallback layers'])}\n`);
  }
  return { exitCode: 0, profiles, summary, cacheDir: choice.dir };
}

module.exports = { run, parseArgs, profileNativeFamily, UsageError };

if (require.main === module) {
  run(process.argv.slice(2)).then(
    ({ exitCode }) => { process.exitCode = exitCode; },
    (error) => {
      process.stderr.write(`build-engines: ${error.message}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}
