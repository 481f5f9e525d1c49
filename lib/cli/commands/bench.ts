import { Command, InvalidArgumentError } from 'commander';

import { type Device, isDevice, DEVICES } from '../../devices/devices';
import { type BenchResult, runBench } from '../jobs/latency-bench';
import { table } from '../helpers';
import { defaultFamilyDir, emitJson, positive, progressBar } from '../common';

export function printBench(result: BenchResult): void {
  const f = (v: number): string => v.toFixed(3);
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
  console.log('ratio: this addon\'s native latency / onnxruntime-node\'s session.run() as timed from JS; "from JS": await model.infer() timed from JS (both interleaved, one run each in turn)');
  console.log('runs on: where infer() ran (the calling thread for sub-networks under inlineBelowMs, else the family\'s thread); GFLOP/s: 2 x MACs / native p50');
  console.log('switch: first inference after 10 on another sub-network; no-switch: next inference after the same 10 ran in a second copy of the family (same cold caches, no switch)');
  console.log(`family ${result.family} (${result.subnets.length} sub-networks) on ${result.device}${result.device === 'cpu' ? '' : ' (onnxruntime-node: cpu)'}, ` +
    `${result.threads} threads, ${result.runs} runs, ${result.cpu} [${result.isa.join(' ')}], Node ${result.node}`);
  if (result.accelerator) console.log(`accelerator: ${result.accelerator.name}`);
  if (result.accelerator?.standinNote) console.log(`NOTE: ${result.accelerator.standinNote}; the targets below do not apply`);
  console.log(table(
    ['subnet', 'ours native p50/p90/p99 ms', 'GFLOP/s', 'onnxruntime-node p50/p90/p99 ms', 'ratio', 'ours from JS p50', 'JS/JS ratio', 'runs on', 'switch p50', 'switch cost', 'no-switch p50', 'switch / no-switch'],
    result.subnets.map((r) => [
      r.id, `${f(r.oursNative.p50)} / ${f(r.oursNative.p90)} / ${f(r.oursNative.p99)}`, r.gflops === null ? '-' : r.gflops.toFixed(1),
      `${f(r.theirsEndToEnd.p50)} / ${f(r.theirsEndToEnd.p90)} / ${f(r.theirsEndToEnd.p99)}`, r.ratio.toFixed(3), f(r.oursEndToEnd.p50), r.endToEndRatio.toFixed(3), r.inline, f(r.switchP50), r.switchCost.toFixed(3),
      f(r.afterOtherWorkP50), r.switchOverOtherWork.toFixed(3),
    ]),
  ));
  const pairs = result.subnets.filter((r) => r.int8OverFp32 !== null);
  if (pairs.length > 0) {
    console.log('int8 against fp32 (each level with a sibling at the other precision; interleaved, native p50):');
    console.log(table(['subnet', 'level precision', 'fp32 p50 ms', 'int8 p50 ms', 'int8 / fp32'],
      pairs.map((r) => [r.id, r.precision, f(r.precisionPairP50Ms!.fp32), f(r.precisionPairP50Ms!.int8), r.int8OverFp32!.toFixed(3)])));
  }
  console.log(`use(): ${result.useMicros.toFixed(3)} us per call`);
  console.log(`runtime manager decision: ${result.decisionCost.map((d) => `${d.policy}${d.signals ? ' with signals' : ''} ${d.meanUs.toFixed(3)} us mean (slowest 1% of batches ${d.p99BatchUs.toFixed(3)} us)`).join(', ')}`);
  const d = result.eventLoopDelayMs;
  console.log(`event-loop delay while inferences run back to back: p50 ${f(d.p50)} ms, p99 ${f(d.p99)} ms, max ${f(d.max)} ms`);
  printMemory(result);
  const dm = result.deviceMemory;
  if (result.device !== 'cpu') {
    console.log(`device memory besides the engines: ${mib(dm.sharedActivationBytes)} MiB of activations shared by every sub-network ` +
      `(${mib(dm.separateActivationBytes)} MiB if each context owned its own), ${mib(dm.ioBytes)} MiB of shared input/output`);
  }
  console.log(`targets: ${Object.entries(result.targets).map(([k, v]) => `${k}=${v ? 'met' : 'MISSED'}`).join(', ')}`);
}

function printMemory(result: BenchResult): void {
  const m = result.memory;
  const f1 = (v: number): string => v.toFixed(1);
  console.log(`memory (docs/memory.md): model files ${f1(m.modelFilesMiB)} MiB; load ${f1(m.loadTime.totalMs)} ms` +
    `${m.loadTime.engineBuildMs > 0 ? ` (building engines ${f1(m.loadTime.engineBuildMs)} ms)` : ''}; in this process RSS +${f1(m.loadGrowthMiB)} MiB at load`);
  console.log('resident, each measured in a fresh process: first load (every sub-network resident, the runtime included), left after close, second load (the family alone)');
  console.log(table(['ONNX Runtime settings', 'first load MiB', 'x model files', 'after close MiB', 'second load MiB', 'C heap in use MiB', 'load ms'],
    m.resident.map((r) => [r.settings, f1(r.firstLoadMiB), (r.firstLoadMiB / m.modelFilesMiB).toFixed(2), f1(r.afterCloseMiB), f1(r.secondLoadMiB), f1(r.heapInUseMiB), f1(r.loadMs)])));
  const ws = m.weightSharing;
  console.log(ws.enabled
    ? `shared weights: ${f1(ws.heldWeightBytes / 2 ** 20)} MiB of distinct weights held for ${f1(ws.weightBytes / 2 ** 20)} MiB in the sub-networks' models ` +
      `(${(ws.weightBytes / Math.max(1, ws.heldWeightBytes)).toFixed(2)}x)`
    : `shared weights: off (${ws.reason ?? ''})`);
  console.log(table(['subnet', 'model file MiB', 'heap at load MiB', 'heap at first run MiB', 'weights MiB', 'already held MiB'],
    m.subnets.map((s) => [s.id, f1(s.modelFileMiB), f1(s.loadHeapMiB), f1(s.firstRunHeapMiB), f1(s.weightMiB), f1(s.reusedWeightMiB)])));
  if (result.loadTimes) {
    const t = result.loadTimes;
    console.log(`load ms, each pair in a fresh process: shared weights cold cache ${t.sharedCold.toFixed(0)}, warm ${t.sharedWarm.toFixed(0)}; ` +
      `own weights ${t.plain.toFixed(0)}, again ${t.plainAgain.toFixed(0)}`);
  }
  if (result.sessionDefaults) {
    console.log('native p50 against ONNX Runtime\'s default memory settings (an arena per session) and against own weights per sub-network (shareWeights: false), interleaved:');
    console.log(table(['subnet', 'ours p50 ms', 'defaults p50 ms', 'ours / defaults', 'own weights p50 ms', 'ours / own weights'],
      result.sessionDefaults.map((r) => [r.id, r.oursP50.toFixed(3), r.defaultsP50.toFixed(3), r.ratio.toFixed(3), r.plainWeightsP50.toFixed(3), r.sharedOverPlain.toFixed(3)])));
  }
}

function deviceOption(value: string): Device {
  if (!isDevice(value)) throw new InvalidArgumentError(`unknown device '${value}' (known: ${DEVICES.join(', ')})`);
  return value;
}

export const benchCommand = new Command('bench')
  .description('native latency of every sub-network next to onnxruntime-node, switch cost, use() time, event-loop delay, memory')
  .option('--family <dir>', 'family folder', defaultFamilyDir())
  .option('--runs <n>', 'timed runs per measurement', positive('runs'), 300)
  .option('--threads <n>', 'ONNX Runtime threads (both sides)', positive('threads'), 1)
  .option('--device <device>', 'where this addon runs the family (gpu, dla0, dla1: TensorRT; onnxruntime-node stays on the CPU)', deviceOption, 'cpu')
  .option('--json [path]', 'write the figures as JSON to path (or stdout)')
  .action(async (o: { family: string; runs: number; threads: number; device: Device; json?: string | boolean }) => {
    const bar = progressBar('bench');
    const result = await runBench({ family: o.family, device: o.device, runs: o.runs, threads: o.threads, onProgress: bar.update }).finally(bar.stop);
    if (o.json === true) emitJson(true, result);
    else {
      printBench(result);
      emitJson(o.json, result);
    }
  });
