import * as fs from 'node:fs';
import * as path from 'node:path';

import { Command } from 'commander';

import { backends } from '../../backends/backends';
import { type Device, DEVICES } from '../../devices/devices';
import { existingCacheDirs } from '../../engines/cache-folder';
import { type EngineCacheSummary, summarizeEngineCache } from '../../engines/engine-summary';
import { standinNote, tensorRtStatus } from '../../backends/tensorrt-status';
import { getBinding } from '../../native/addon';
import { loadManifest, subnetResolution } from '../../family/manifest';
import { loadFamily } from '../../model/load-family';
import type { LoadTime, SubnetMemory, WeightSharing } from '../../model/dynamic-model';
import { loadedAddon } from '../../native/addon';
import { resolveOrtLibrary } from '../../native/ort-library';
import { packageRoot } from '../../util/package-root';
import { profileLatencies, profilePath, readProfile } from '../../family/latency-profile';
import type { NativeTensorRtInfo, NativeTensorRtProbe } from '../../native/addon';
import { table } from '../helpers';
import { defaultFamilyDir, emitJson } from '../common';

export const infoCommand = new Command('info')
  .description('version, backends compiled in, devices, and a family\'s levels (accuracy, MACs, reference and profiled latency per device)')
  .option('--family <dir>', 'family folder', defaultFamilyDir())
  .option('--no-measure', 'do not load the family to measure its latency here')
  .option('--json [path]', 'write the information as JSON to path (or stdout)')
  .action(async (o: { family: string; measure: boolean; json?: string | boolean }) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    const available = backends();
    const { manifest, dir } = loadManifest(o.family);
    let measured: number[] | undefined;
    let memory: FamilyMemoryInfo | undefined;
    if (o.measure) {
      const rssBefore = process.memoryUsage().rss;
      const model = await loadFamily(dir, { warmupRuns: 10 });
      const residentBytes = process.memoryUsage().rss - rssBefore;
      measured = model.subnets.map((s) => s.latencyMs);
      const subnets = model.subnets.map((s) => ({ id: s.id, ...s.memory }));
      memory = { modelFileBytes: subnets.reduce((sum, s) => sum + s.modelFileBytes, 0), residentBytes, loadTime: { ...model.loadTime }, weightSharing: { ...model.weightSharing }, subnets };
      await model.close();
    }
    // Latency profiles measured on this machine (build-engines / profile), by device.
    const profiled: Partial<Record<Device, number[]>> = {};
    for (const cacheDir of existingCacheDirs(dir, manifest.name)) {
      for (const device of DEVICES) {
        if (profiled[device]) continue;
        try {
          profiled[device] = profileLatencies(readProfile(profilePath(cacheDir, device)), manifest.subnets.map((s) => s.id));
        } catch {
          // no profile for this device here (or one of another version of the family)
        }
      }
    }
    const profiledDevices = DEVICES.filter((d) => profiled[d]);
    const engines: EngineCacheSummary[] = existingCacheDirs(dir, manifest.name).flatMap((cacheDir) => summarizeEngineCache(cacheDir, manifest));
    const trt = tensorRtStatus(getBinding());
    const deviceKeys = [...new Set(manifest.subnets.flatMap((s) => Object.keys(s.latencyMs ?? {})))];
    const levels = manifest.subnets.map((s, i) => ({
      index: i, id: s.id, precision: s.precision ?? 'fp32', accuracy: s.accuracy.value, accuracySource: s.accuracy.source, resolution: subnetResolution(s),
      macs: s.macs, params: s.params, referenceLatencyMs: s.latencyMs ?? {}, ...(measured ? { cpuLatencyMs: measured[i] } : {}),
      profiledLatencyMs: Object.fromEntries(profiledDevices.map((d) => [d, profiled[d]![i]])),
    }));
    const addon = loadedAddon();
    let ortLibrary: string;
    try {
      ortLibrary = resolveOrtLibrary();
    } catch (error) {
      ortLibrary = `none: ${(error as Error).message.split('\n')[0]}`;
    }
    const info = {
      version: pkg.version, node: process.version, platform: `${process.platform}-${process.arch}`,
      addon: { file: addon.file, origin: addon.origin, looked: addon.looked }, ortLibrary,
      backends: available, devices: available.filter((b) => b.available).flatMap((b) => b.devices),
      ...(trt.probe ? { tensorrt: { ...trt.probe, ...(trt.info ? { info: trt.info } : {}) } } : {}),
      engines,
      family: { name: manifest.name, dir, weights: manifest.weights ?? 'unknown', levels, ...(memory ? { memory } : {}) },
    };
    if (o.json === true) {
      emitJson(true, info);
      return;
    }
    console.log(`dynamic-ofa ${info.version} (Node ${info.node}, ${info.platform})`);
    console.log(`addon: ${addon.origin} (${addon.file})`);
    console.log(`ONNX Runtime library: ${ortLibrary}`);
    for (const b of available) console.log(`  ${b.name.padEnd(16)} ${b.available ? `available${b.version ? ` (${b.version})` : ''}: ${b.devices.join(', ')}` : `unavailable: ${b.reason ?? ''}`}`);
    if (trt.probe) console.log(tensorRtLines(trt.probe, trt.info).map((l) => `    ${l}`).join('\n'));
    console.log(`devices: ${info.devices.join(', ') || 'none'}`);
    for (const e of engines) console.log(`  ${engineLine(e)}`);
    console.log('');
    console.log(`family '${manifest.name}' (${dir}), weights: ${info.family.weights}`);
    const mm = (v: number | undefined, scale: number): string => (v === undefined ? '-' : (v / scale).toFixed(2));
    console.log(table(
      ['level', 'id', 'precision', 'top-1 %', 'source', 'res', 'MMACs', 'M params', ...deviceKeys.map((k) => `${k} ms`), ...profiledDevices.map((d) => `${d} profiled ms`), ...(measured ? ['cpu here ms'] : [])],
      levels.map((l) => [l.index, l.id, l.precision, l.accuracy.toFixed(2), l.accuracySource, l.resolution ?? '-', mm(l.macs, 1e6), mm(l.params, 1e6),
        ...deviceKeys.map((k) => l.referenceLatencyMs[k]?.toFixed(2) ?? '-'), ...profiledDevices.map((d) => l.profiledLatencyMs[d]!.toFixed(3)),
        ...(measured ? [measured[l.index]!.toFixed(3)] : [])]),
    ));
    if (memory) {
      const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
      console.log(`loaded on cpu in ${memory.loadTime.totalMs.toFixed(0)} ms; resident +${mib(memory.residentBytes)} MiB (ONNX Runtime's own pages included), ` +
        `${(memory.residentBytes / memory.modelFileBytes).toFixed(2)}x its ${mib(memory.modelFileBytes)} MiB of model files; heap at load per level: ` +
        `${memory.subnets.map((s) => `${s.id} ${mib(s.loadHeapBytes + s.firstRunHeapBytes)}`).join(', ')} MiB (docs/memory.md)`);
      const ws = memory.weightSharing;
      console.log(ws.enabled ? `shared weights: ${mib(ws.heldWeightBytes)} MiB held for ${mib(ws.weightBytes)} MiB of weights in the sub-networks' models` : `shared weights: off (${ws.reason ?? ''})`);
    }
    emitJson(o.json, info);
  });

/** What the measuring load cost (`info` without --no-measure): RSS growth, load time, per level SubnetMemory. */
interface FamilyMemoryInfo {
  modelFileBytes: number;
  /** RSS growth over the load in this process: every level resident and warmed up, ONNX Runtime's library included. */
  residentBytes: number;
  loadTime: LoadTime;
  weightSharing: WeightSharing;
  subnets: ({ id: string } & SubnetMemory)[];
}

function tensorRtLines(probe: NativeTensorRtProbe, trtInfo: NativeTensorRtInfo | undefined): string[] {
  const lines = [`TensorRT build for TensorRT ${probe.compiled.tensorrt} / CUDA ${probe.compiled.cuda} headers; libraries loaded at run time:`];
  for (const l of probe.libraries) lines.push(`  ${l.name.padEnd(22)} ${l.loaded && !l.error ? `${l.version ?? 'loaded'} (${l.path ?? '?'})` : l.error ?? 'not loaded'}`);
  if (probe.build) lines.push(`TensorRT build: ${probe.build} (engines and timing caches are kept per build)`);
  if (trtInfo?.cuda) {
    const c = trtInfo.cuda;
    lines.push(`CUDA device ${c.name} (sm ${c.computeCapability}, ${c.multiProcessors} SMs, ${(c.totalMemory / 2 ** 30).toFixed(1)} GiB${c.integrated ? ', integrated' : ''}), ` +
      `${trtInfo.dlaCores} DLA cores, waits by ${c.blockingSync ?? 'stream synchronize'}`);
  }
  if (trtInfo?.dlaNote) lines.push(trtInfo.dlaNote);
  const note = standinNote(trtInfo);
  if (note) lines.push(`NOTE: ${note}`);
  return lines;
}

function engineLine(e: EngineCacheSummary): string {
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  const parts = [`${e.device} ${e.precision}: ${e.engines}/${e.subnets} engines (${mib(e.planBytes)} of plans) in ${e.cacheDir}`];
  if (e.sharedActivationBytes !== undefined) {
    parts.push(`activation memory ${mib(e.sharedActivationBytes)} shared (${mib(e.separateActivationBytes!)} if each context owned its own)`);
  }
  const b = e.dlaBudget;
  if (b) {
    parts.push(b.message ? `DLA budget: ${b.message}` : `${b.total} DLA loadables of the ${b.limit} a core holds`);
    if (b.unknown.length > 0) parts.push(`DLA loadables not recorded for ${b.unknown.join(', ')} (rebuild them)`);
  }
  return parts.join('; ');
}
