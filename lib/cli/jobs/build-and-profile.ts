/**
 * build-engines: builds the TensorRT engines that are missing or stale (gpu, dla0, dla1), then profiles every
 * sub-network on every requested device (warm-up, then many runs; p50/p90/p99) and writes one latency profile
 * per device for the runtime manager. `cpu` profiles the ONNX Runtime path of the addon.
 */
import * as os from 'node:os';
import * as path from 'node:path';

import { availableDevices, type Device, type TrtDevice } from '../../devices/devices';
import { loadEnginesOnDevice } from '../../engines/dla-load';
import { type EnsuredEngine, ensureEngines, type EnsureEvent, loadRebuildingRefused } from '../../engines/ensure-engines';
import { platformFromNative, readL4tRelease, type TrtPlatform } from '../../engines/platform';
import type { Precision } from '../../engines/fingerprint';
import { resolveCacheDir } from '../../engines/cache-folder';
import { calibrationDataFor } from '../../engines/calibration';
import { BackendUnavailableError, InvalidArgumentError } from '../../errors';
import { type LoadedManifest, loadManifest } from '../../family/manifest';
import { buildNativeEngine, getBinding, loadNativeModel, type NativeBinding, type NativeLoadBase, type NativeModel, SHARED_INPUT, TIMING } from '../../native/addon';
import { elementCount } from '../../model/input-checks';
import { nativeLoadBase } from '../../model/load-family';
import { onnxModelFiles } from '../../model/model-files';
import { assertDeviceAvailable } from '../../backends/backends';
import { tensorRtStatus } from '../../backends/tensorrt-status';
import { type LatencyProfile, PROFILE_SCHEMA_VERSION, profilePath, type SubnetProfile, writeProfile } from '../../family/latency-profile';
import { cpuModel } from '../../util/host';
import { type LatencyStats, latencyStats } from '../../util/latency-stats';

export interface BuildEnginesOptions {
  family: string;
  /** Default: every device this build and machine have. */
  devices?: Device[];
  precision?: Precision;
  /** Rebuild engines even when the cache is fresh. */
  force?: boolean;
  /** false: fail when an engine is missing, stale or corrupt instead of building it. Default true. */
  rebuild?: boolean;
  /** Engine cache folder; default <family>/.engine-cache, or a per-user cache when the family folder is read-only. */
  cache?: string;
  runs?: number;
  warmupMs?: number;
  threads?: number;
  workspaceMiB?: number;
  gpuFallback?: boolean;
  onEvent?: (event: BuildEnginesEvent) => void;
}

export type BuildEnginesEvent =
  | { type: 'start'; family: string; subnets: number; devices: Device[]; cacheDir: string; cacheNote?: string }
  | ({ device: Device } & EnsureEvent)
  | { type: 'dla-budget'; device: Device; message: string; dropped: string[] }
  | { type: 'profiling'; device: Device; subnet: string; fraction: number }
  | { type: 'profiled'; device: Device; file: string };

export interface BuildEnginesRow {
  device: Device;
  id: string;
  engine: 'cached' | 'built' | '-';
  /** Absent for an engine built but not profiled: it did not fit the DLA core beside the others (see dlaLoadables). */
  hostMs?: LatencyStats;
  deviceMs?: LatencyStats;
  gpuFallbackLayers?: number;
  /** From the built engine: DLA loadables (DLA subgraphs) and the layers left on the GPU. */
  dlaLoadables?: number;
  gpuLayers?: number;
  /** Activation memory a context of this engine needs, bytes. */
  activationBytes?: number;
}

export interface BuildEnginesResult {
  cacheDir: string;
  cacheSource: string;
  profiles: Partial<Record<Device, string>>;
  results: BuildEnginesRow[];
}

/**
 * Profiles every sub-network of a loaded native model: warm-up for `warmupMs` (at least `minWarmupRuns`
 * runs), then `runs` measured runs back to back on a fixed input. Runs are asynchronous, so the event loop
 * (and a progress display) keeps turning.
 */
export async function profileNativeModel(
  model: NativeModel,
  options: { runs: number; warmupMs: number; minWarmupRuns?: number; onProgress?: (index: number, fraction: number) => void },
): Promise<{ index: number; warmupRuns: number; host: number[]; device: number[] }[]> {
  const minWarmupRuns = options.minWarmupRuns ?? 5;
  const results = [];
  for (const [index, subnet] of model.subnetInfo().entries()) {
    const count = elementCount(subnet.input.shape);
    const input = new Float32Array(model.inputBuffer, 0, count);
    for (let i = 0; i < count; i++) input[i] = Math.sin(i * 12.9898) * 0.5;
    const started = performance.now();
    let warm = 0;
    while (warm < minWarmupRuns || performance.now() - started < options.warmupMs) {
      await model.run(index, ...SHARED_INPUT);
      warm++;
    }
    const host: number[] = [];
    const device: number[] = [];
    const every = Math.max(1, Math.floor(options.runs / 20));
    for (let r = 0; r < options.runs; r++) {
      await model.run(index, ...SHARED_INPUT);
      host.push(model.timings[TIMING.latencyMs]!);
      const deviceMs = model.timings[TIMING.deviceMs]!;
      if (deviceMs >= 0) device.push(deviceMs);
      if ((r + 1) % every === 0 || r + 1 === options.runs) options.onProgress?.(index, (r + 1) / options.runs);
    }
    results.push({ index, warmupRuns: warm, host, device });
  }
  return results;
}

function hostInfo(l4tRelease: string | undefined): LatencyProfile['host'] {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(), platform: process.platform, arch: process.arch, cpuModel: cpuModel(), cpus: cpus.length,
    ...(l4tRelease ? { l4tRelease } : {}),
  };
}

/**
 * The family on `device` for profiling: the ONNX models on the CPU, the engines on the GPU, and on a DLA core the
 * sub-networks that fit its loadables (what does not fit cannot be profiled together).
 */
async function loadForProfiling(
  binding: NativeBinding,
  device: Device,
  family: LoadedManifest,
  engines: readonly EnsuredEngine[] | undefined,
  base: NativeLoadBase,
  emit: (event: BuildEnginesEvent) => void,
): Promise<{ native: NativeModel; kept: number[] }> {
  if (device === 'cpu' || !engines) {
    return { native: await loadNativeModel(binding, { ...base, models: onnxModelFiles(family), dlaLoadableLimit: 0 }), kept: family.modelPaths.map((_, i) => i) };
  }
  const { native, kept, decision } = await loadEnginesOnDevice(binding, device, engines, { action: 'profile', mode: 'trim', base });
  if (decision?.message) emit({ type: 'dla-budget', device, message: decision.message, dropped: decision.dropped });
  return { native, kept };
}

export async function buildEngines(options: BuildEnginesOptions): Promise<BuildEnginesResult> {
  const precision = options.precision ?? 'fp16';
  const runs = options.runs ?? 200;
  const warmupMs = options.warmupMs ?? 200;
  const emit = options.onEvent ?? (() => {});
  const binding = getBinding();
  const trt = tensorRtStatus(binding);
  const trtInfo = trt.info;
  const available = availableDevices(trt.reason === undefined ? trtInfo : undefined);
  const devices = options.devices ?? available;
  const trtRequested = devices.filter((d) => d !== 'cpu');
  for (const device of devices) assertDeviceAvailable(device, trt);
  if (trtRequested.length > 0 && trt.probe && !trt.probe.canBuild) {
    throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `engines cannot be built here: ${trt.probe.buildReason ?? 'the ONNX parser is missing'}`);
  }
  if (precision === 'fp32' && devices.some((d) => d.startsWith('dla'))) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', 'DLA runs fp16 or int8 only; use precision fp32 with device gpu');
  }

  const family = loadManifest(options.family);
  const choice = resolveCacheDir(family.dir, family.manifest.name, options.cache);
  emit({ type: 'start', family: family.manifest.name, subnets: family.manifest.subnets.length, devices, cacheDir: choice.dir, ...(choice.reason ? { cacheNote: choice.reason } : {}) });
  const l4tRelease = readL4tRelease();
  const platform: TrtPlatform | undefined = trtInfo?.cuda ? platformFromNative(trtInfo, l4tRelease) : undefined;
  const results: BuildEnginesRow[] = [];
  const profiles: Partial<Record<Device, string>> = {};
  const calibrationData = calibrationDataFor(family, choice.dir);

  for (const device of devices) {
    const base = nativeLoadBase(family.manifest, device, { threads: options.threads, warmupRuns: 1, copyBuffers: false });
    const ensure = (trtDevice: TrtDevice, refused: readonly string[]): Promise<EnsuredEngine[]> => ensureEngines({
      family, device: trtDevice, precision, cacheDir: choice.dir, platform: platform!, builder: (request, onProgress) => buildNativeEngine(binding, request, onProgress),
      force: options.force ?? false, rebuild: options.rebuild ?? true, refused,
      ...(options.workspaceMiB !== undefined ? { workspaceMiB: options.workspaceMiB } : {}),
      ...(options.gpuFallback !== undefined ? { gpuFallback: options.gpuFallback } : {}),
      calibrationData,
      onEvent: (event) => emit({ device, ...event }),
    });
    let engines: EnsuredEngine[] | undefined;
    let native: NativeModel;
    let kept: number[];
    if (device === 'cpu') {
      ({ native, kept } = await loadForProfiling(binding, device, family, undefined, base, emit));
    } else {
      // A cached engine TensorRT refuses (another build than its header says) is rebuilt once, as loadFamily does.
      const loaded = await loadRebuildingRefused((refused) => ensure(device, refused), (e) => loadForProfiling(binding, device, family, e, base, emit));
      ({ loaded: { native, kept }, engines } = loaded);
    }
    let measured;
    try {
      measured = await profileNativeModel(native, {
        runs, warmupMs,
        onProgress: (index, fraction) => emit({ type: 'profiling', device, subnet: family.manifest.subnets[kept[index]!]!.id, fraction }),
      });
    } finally {
      native.close();
    }
    const backend: LatencyProfile['backend'] = device === 'cpu'
      ? { name: 'onnxruntime-cpu', version: binding.runtimeVersion(base.ortLibrary) }
      : { name: 'tensorrt', version: trtInfo!.version };
    const deviceKey = device === 'cpu'
      ? `cpu:${hostInfo(undefined).cpuModel}:threads=${options.threads ?? 'all'}`
      : `${platform!.gpuName}:sm${platform!.computeCapability}:${device}:trt${platform!.tensorrtVersion}:${precision}`;
    const profile: LatencyProfile = {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      family: family.manifest.name,
      device,
      deviceKey,
      backend,
      createdAt: new Date().toISOString(),
      host: hostInfo(l4tRelease),
      method: { warmupMs, minWarmupRuns: 5, runs, ...(device === 'cpu' && options.threads !== undefined ? { threads: options.threads } : {}) },
      subnets: measured.map((m): SubnetProfile => {
        const index = kept[m.index]!;
        const entry: SubnetProfile = { id: family.manifest.subnets[index]!.id, index, runs: m.host.length, hostMs: latencyStats(m.host) };
        if (m.device.length > 0) entry.deviceMs = latencyStats(m.device);
        const engine = engines?.[index];
        if (engine) {
          entry.engine = { file: path.relative(choice.dir, engine.enginePath), fingerprint: engine.fingerprint, precision };
          if (engine.report && device !== 'gpu') entry.engine.gpuFallbackLayers = engine.report.gpuFallbackLayers;
        }
        return entry;
      }),
    };
    const file = profilePath(choice.dir, device);
    writeProfile(file, profile);
    profiles[device] = file;
    emit({ type: 'profiled', device, file });
    // Every sub-network gets a row, in family order: the profiled ones with their latency, the engines the DLA
    // budget left out of profiling with what they would cost a core.
    const profiled = new Map(profile.subnets.map((s) => [s.index, s]));
    family.manifest.subnets.forEach((subnet, index) => {
      const s = profiled.get(index);
      const engine = engines?.[index];
      if (!s && !engine) return;
      const row: BuildEnginesRow = { device, id: subnet.id, engine: engine?.action ?? '-' };
      if (s) row.hostMs = s.hostMs;
      if (s?.deviceMs) row.deviceMs = s.deviceMs;
      if (engine?.report && device !== 'gpu') row.gpuFallbackLayers = engine.report.gpuFallbackLayers;
      if (engine?.placement) Object.assign(row, { dlaLoadables: engine.placement.dlaLoadables, gpuLayers: engine.placement.gpuLayers });
      if (engine?.activationBytes !== undefined) row.activationBytes = engine.activationBytes;
      results.push(row);
    });
  }
  return { cacheDir: choice.dir, cacheSource: choice.source, profiles, results };
}
