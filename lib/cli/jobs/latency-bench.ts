/**
 * Native latency benchmark: this addon next to onnxruntime-node's JS API on the same models and thread count,
 * switch cost, use() time, event-loop delay during inference, and resident memory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { type DecisionCost, measureDecisionCost } from '../../lab';
import { predictivePolicy } from '../../manager/policies/predictive';
import { stepwisePolicy } from '../../manager/policies/stepwise';
import type { DynamicModel } from '../../model/dynamic-model';
import { loadFamily } from '../../model/load-family';
import { cpuIsa, cpuModel } from '../../util/host';
import { type Percentiles, percentiles } from '../../util/latency-stats';

export interface BenchOptions {
  family: string;
  runs?: number;
  threads?: number;
  /** Called as work advances: (done, total, what). */
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface BenchSubnetRow {
  id: string;
  /** Native latency (steady clock around the backend run). */
  oursNative: Percentiles;
  /** Wall time of `await model.infer()` from JS. */
  oursEndToEnd: Percentiles;
  /** Wall time of `await session.run()` with onnxruntime-node. */
  theirsEndToEnd: Percentiles;
  /** oursNative.p50 / theirsEndToEnd.p50: this addon's native latency vs what onnxruntime-node's API takes. */
  ratio: number;
  /** oursEndToEnd.p50 / theirsEndToEnd.p50: what a JS caller waits for, both sides. */
  endToEndRatio: number;
  /** Where `await model.infer()` ran: on the calling thread (LoadOptions.inlineBelowMs), on the family's thread, or both. */
  inline: 'caller' | 'run thread' | 'mixed';
  /** Achieved arithmetic rate, 2 x MACs / native p50, in GFLOP/s (null when the manifest gives no MACs). */
  gflops: number | null;
  /** p50 native latency of the first inference after a switch to this sub-network. */
  switchP50: number;
  /** switchP50 / oursNative.p50 */
  switchCost: number;
  /** p50 native latency of this sub-network's next inference after the same 10 inferences of another one ran
   * in a second copy of the family: the same cold caches as a switch, without a switch. */
  afterOtherWorkP50: number;
  /** switchP50 / afterOtherWorkP50: what switching costs beyond the cold caches the other work leaves. */
  switchOverOtherWork: number;
}

export interface BenchResult {
  family: string;
  dir: string;
  threads: number;
  runs: number;
  node: string;
  cpu: string;
  /** Instruction-set features that decide ONNX Runtime's kernels (AVX-512 VNNI, AMX, dot product). */
  isa: string[];
  cores: number;
  subnets: BenchSubnetRow[];
  useMicros: number;
  /** The runtime manager's per-inference decision on this family's levels. */
  decisionCost: DecisionCost[];
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number };
  memory: { rssBeforeLoadMiB: number; rssAfterLoadMiB: number; loadGrowthMiB: number; modelFilesMiB: number };
  targets: Record<string, boolean>;
}

const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Runs `count` inferences on the active sub-network, on this thread; the native latency of the last. */
function inferTimes(model: DynamicModel, count: number): number {
  let latencyMs = 0;
  for (let k = 0; k < count; k++) latencyMs = model.inferSync(undefined, { sharedOutput: true }).latencyMs;
  return latencyMs;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const runs = options.runs ?? 300;
  const threads = options.threads ?? 1;
  const progress = options.onProgress ?? (() => {});
  const rssBefore = process.memoryUsage().rss;
  const model = await loadFamily(options.family, { threads, warmupRuns: 10 });
  const rssAfterLoad = process.memoryUsage().rss;
  const modelBytes = model.manifest.subnets.reduce((sum, s) => sum + fs.statSync(path.join(model.dir, s.model)).size, 0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const total = model.subnets.length * 2 + 1;
  let done = 0;

  const rows: BenchSubnetRow[] = [];
  for (const subnet of model.subnets) {
    const count = subnet.inputShape.reduce((a, b) => a * b, 1);
    const input = Float32Array.from({ length: count }, (_, i) => Math.sin(i));
    model.use(subnet.index);
    model.input.set(input);
    const session = await ort.InferenceSession.create(path.join(model.dir, model.manifest.subnets[subnet.index]!.model), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Its own intra-op pool would otherwise spin after each run and take a core from ours (threads > 1).
      extra: { session: { force_spinning_stop: '1' } },
    });
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [...subnet.inputShape]) };
    const native: number[] = [];
    const wall: number[] = [];
    const theirs: number[] = [];
    let inline = 0;
    // Interleaved, one run each in turn, so both see the same machine (other load, clocks) and the same caches.
    for (let i = -20; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = await model.infer(undefined, { sharedOutput: true });
      const oursMs = elapsedMs(t0);
      const t1 = process.hrtime.bigint();
      await session.run(feeds);
      const theirsMs = elapsedMs(t1);
      if (i < 0) continue; // warm-up
      wall.push(oursMs);
      native.push(r.latencyMs);
      theirs.push(theirsMs);
      if (r.inline) inline++;
    }
    await session.release();
    progress(++done, total, `${subnet.id}: this addon and onnxruntime-node`);
    const oursNative = percentiles(native);
    const oursEndToEnd = percentiles(wall);
    const theirsEndToEnd = percentiles(theirs);
    rows.push({
      id: subnet.id, oursNative, oursEndToEnd, theirsEndToEnd,
      ratio: oursNative.p50 / theirsEndToEnd.p50,
      endToEndRatio: oursEndToEnd.p50 / theirsEndToEnd.p50,
      inline: inline === runs ? 'caller' : inline === 0 ? 'run thread' : 'mixed',
      gflops: subnet.macs !== undefined ? (2 * subnet.macs) / (oursNative.p50 * 1e6) : null,
      switchP50: 0, switchCost: 0, afterOtherWorkP50: 0, switchOverOtherWork: 0,
    });
  }

  // Switch cost: settle on another sub-network (10 inferences), switch to j, time j's first inference; as the
  // runtime manager switches. The other sub-network cycles through all of them. Control, interleaved with it:
  // the same 10 inferences of the other sub-network run by a second copy of the family while this one stays on
  // j, then j's next inference, with no switch. Both leave j's weights and activations equally cold in the CPU
  // caches, so their ratio is what switching itself costs. Synchronous runs, so that both families run on the
  // same thread (each family's own run thread may sit on another core, with other caches).
  const switchRuns = Math.min(runs, 100);
  const n = model.subnets.length;
  const other = await loadFamily(options.family, { threads, warmupRuns: 10 });
  try {
    for (const [j, row] of rows.entries()) {
      const afterSwitch: number[] = [];
      const afterOther: number[] = [];
      for (let i = 0; i < switchRuns; i++) {
        const busy = (j + 1 + (i % (n - 1))) % n;
        model.use(busy);
        inferTimes(model, 10);
        model.use(j);
        afterSwitch.push(inferTimes(model, 1));
        other.use(busy);
        inferTimes(other, 10);
        afterOther.push(inferTimes(model, 1));
      }
      row.switchP50 = percentiles(afterSwitch).p50;
      row.switchCost = row.switchP50 / row.oursNative.p50;
      row.afterOtherWorkP50 = percentiles(afterOther).p50;
      row.switchOverOtherWork = row.switchP50 / row.afterOtherWorkP50;
      progress(++done, total, `${row.id}: switch cost`);
    }
  } finally {
    await other.close();
  }

  const useCalls = 200000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < useCalls; i++) model.use(i % model.subnets.length);
  const useMicros = (elapsedMs(t0) * 1000) / useCalls;

  // The runtime manager's decision per inference, on this family's levels and latencies.
  const levels = [{ device: model.device, subnets: model.subnets }];
  const constraints = { latencyTargetMs: model.subnets.at(-1)!.latencyMs * 1.2, accuracyFloor: model.subnets[0]!.accuracy };
  const decisionCost = [predictivePolicy(), stepwisePolicy()].map((policy) => measureDecisionCost(levels, constraints, policy));

  // Event-loop delay while the largest sub-network runs back to back. The histogram samples every 1 ms and
  // records the whole interval: subtract it to get the delay itself.
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  model.use(model.subnets.length - 1);
  histogram.enable();
  const until = Date.now() + 2000;
  while (Date.now() < until) await model.infer(undefined, { sharedOutput: true });
  histogram.disable();
  const late = (ns: number): number => Math.max(0, ns / 1e6 - 1);
  const eventLoopDelayMs = { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max), mean: late(histogram.mean) };
  progress(++done, total, 'event-loop delay');
  await model.close();
  progress(total, total, 'done');

  return {
    family: model.manifest.name,
    dir: model.dir,
    threads,
    runs,
    node: process.version,
    cpu: cpuModel(),
    isa: cpuIsa(),
    cores: os.availableParallelism(),
    subnets: rows,
    useMicros,
    decisionCost,
    eventLoopDelayMs,
    memory: {
      rssBeforeLoadMiB: rssBefore / 2 ** 20,
      rssAfterLoadMiB: rssAfterLoad / 2 ** 20,
      loadGrowthMiB: (rssAfterLoad - rssBefore) / 2 ** 20,
      modelFilesMiB: modelBytes / 2 ** 20,
    },
    targets: {
      ratioAllAtMost1: rows.every((r) => r.ratio <= 1.0),
      ratioSmallestAtMost09: (rows[0]?.ratio ?? Infinity) <= 0.9,
      endToEndRatioAllAtMost1: rows.every((r) => r.endToEndRatio <= 1.0),
      switchCostAtMost105: rows.every((r) => r.switchCost <= 1.05),
      switchOverOtherWorkAtMost105: rows.every((r) => r.switchOverOtherWork <= 1.05),
      useUnder10us: useMicros < 10,
      decisionUnder5us: decisionCost.every((d) => d.meanUs < 5),
      loopDelayP99Under1ms: eventLoopDelayMs.p99 < 1,
    },
  };
}
