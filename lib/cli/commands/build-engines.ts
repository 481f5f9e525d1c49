import { Command, Option } from 'commander';

import { type Device, DEVICES, isDevice } from '../../devices/devices';
import { type Precision, PRECISIONS } from '../../engines/fingerprint';
import { InvalidArgumentError } from '../../errors';
import { buildEngines, type BuildEnginesEvent, type BuildEnginesResult } from '../jobs/build-and-profile';
import { table } from '../helpers';
import { defaultFamilyDir, emitJson, positive, progressBar } from '../common';

function parseDevices(value: string): Device[] {
  const list = value.split(',').map((d) => d.trim()).filter(Boolean);
  for (const d of list) {
    if (!isDevice(d)) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `unknown device '${d}'; devices: ${DEVICES.join(', ')}`);
  }
  return list as Device[];
}

interface Flags {
  family: string;
  device?: Device[];
  precision: Precision;
  force?: boolean;
  rebuild: boolean;
  cache?: string;
  runs: number;
  warmupMs: number;
  threads?: number;
  workspace: number;
  gpuFallback: boolean;
  json?: string | boolean;
}

function printResult(result: BuildEnginesResult): void {
  const ms = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(3));
  const mib = (bytes: number | undefined): string => (bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(2));
  console.log(table(
    ['device', 'subnet', 'engine', 'p50 ms', 'p90 ms', 'p99 ms', 'gpu p50 ms', 'gpu-fallback layers', 'DLA loadables', 'GPU layers', 'activations MiB'],
    result.results.map((r) => [r.device, r.id, r.engine, ms(r.hostMs?.p50), ms(r.hostMs?.p90), ms(r.hostMs?.p99), ms(r.deviceMs?.p50), r.gpuFallbackLayers ?? '-',
      r.dlaLoadables ?? '-', r.gpuLayers ?? '-', mib(r.activationBytes)]),
  ));
  console.log(`profiles: ${Object.values(result.profiles).join(', ')}`);
}

function makeCommand(name: string, description: string, building: boolean): Command {
  const command = new Command(name)
    .description(description)
    .option('--family <dir>', 'family folder', defaultFamilyDir())
    .option('--device <list>', `comma-separated: ${DEVICES.join(', ')} (default: every device this build and machine have)`, parseDevices)
    .addOption(new Option('--precision <p>', 'TensorRT engine precision').choices(PRECISIONS).default('fp16'))
    .option('--cache <dir>', 'engine cache folder (default <family>/.engine-cache, or a per-user cache when read-only)')
    .option('--runs <n>', 'measured runs per sub-network', positive('runs'), 200)
    .option('--warmup-ms <ms>', 'warm-up time per sub-network before measuring (at least 5 runs)', Number, 200)
    .option('--threads <n>', 'ONNX Runtime threads for cpu (default: all cores)', positive('threads'))
    .option('--workspace <mib>', 'TensorRT builder workspace, MiB', positive('workspace'), 256)
    .option('--no-gpu-fallback', 'DLA: fail instead of running unsupported layers on the GPU')
    .option('--json [path]', 'write the result as JSON to path (or stdout)');
  if (building) {
    command.option('--force', 'rebuild engines even when the cache is fresh').option('--no-rebuild', 'fail instead of building a missing, stale or corrupt engine');
  }
  return command.action(async (o: Flags) => {
    const quiet = o.json === true;
    const bar = quiet ? { update: () => {}, stop: () => {} } : progressBar(name);
    const say = (text: string): void => {
      if (quiet) return;
      bar.stop();
      console.error(text);
    };
    const onEvent = (e: BuildEnginesEvent): void => {
      switch (e.type) {
        case 'start':
          say(`family ${e.family} (${e.subnets} sub-networks), devices ${e.devices.join(', ')}, cache ${e.cacheDir}${e.cacheNote ? ` (${e.cacheNote})` : ''}`);
          break;
        case 'check':
          say(`${e.device} ${e.subnet}: ${e.decision.action === 'use' ? 'cached' : `build (${e.decision.reason})`}`);
          break;
        case 'progress':
          bar.update(Math.max(0, Math.round(e.progress.fraction * 100)), 100, `${e.device} ${e.subnet} ${e.progress.stage}`);
          break;
        case 'built':
          say(`${e.device} ${e.subnet}: built in ${(e.report.buildMs / 1000).toFixed(1)} s, ${e.report.planBytes} bytes` +
            (e.device === 'gpu' ? '' : `, ${e.report.gpuFallbackLayers}/${e.report.layers} network layers not DLA-capable`) +
            (e.report.placement
              ? `; built engine: ${e.report.placement.dlaLoadables} DLA loadables, ${e.report.placement.gpuLayers} GPU layers, ` +
                `${e.report.placement.reformatLayers} reformats${e.report.placement.disagreement ? ` (${e.report.placement.disagreement})` : ''}`
              : e.report.inspectionError ? `; the built engine could not be inspected: ${e.report.inspectionError}` : ''));
          break;
        case 'dla-budget':
          say(`${e.device}: ${e.message}`);
          break;
        case 'profiling':
          bar.update(Math.round(e.fraction * 100), 100, `profile ${e.device} ${e.subnet}`);
          break;
        case 'profiled':
          say(`${e.device}: profile written to ${e.file}`);
          break;
      }
    };
    const result = await buildEngines({
      family: o.family, precision: o.precision, runs: o.runs, warmupMs: o.warmupMs, workspaceMiB: o.workspace, gpuFallback: o.gpuFallback,
      force: building ? o.force === true : false, rebuild: building ? o.rebuild : false, onEvent,
      ...(o.device ? { devices: o.device } : {}),
      ...(o.cache ? { cache: o.cache } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
    }).finally(bar.stop);
    if (quiet) emitJson(true, result);
    else {
      printResult(result);
      emitJson(o.json, result);
    }
  });
}

export const buildEnginesCommand = makeCommand(
  'build-engines',
  'build missing or stale TensorRT engines (gpu, dla0, dla1), then profile every sub-network on every device into per-device latency profiles',
  true,
);

export const profileCommand = makeCommand(
  'profile',
  'profile every sub-network on every device (cached engines only; nothing is built) into per-device latency profiles',
  false,
);
