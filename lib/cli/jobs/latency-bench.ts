/**
 * Native latency benchmark: this addon next to onnxruntime-node's JS API on the same models and thread count,
 * switch cost, use() time, event-loop delay during inference, and resident memory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { RuntimeLoadError } from '../../errors';
import { type DecisionCost, measureDecisionCost } from '../../lab';
import { predictivePolicy } from '../../manager/policies/predictive';
import { stepwisePolicy } from '../../manager/policies/stepwise';
import type { Device } from '../../devices/devices';
import { standinNote, tensorRtStatus } from '../../backends/tensorrt-status';
import { getBinding } from '../../native/addon';
import type { DynamicModel, FamilyDeviceMemory, LoadTime, WeightSharing } from '../../model/dynamic-model';
import { elementCount } from '../../model/input-checks';
import { loadFamily } from '../../model/load-family';
import type { SubnetManifest } from '../../family/manifest';
import { onnxruntimeNodeSpec } from '../../native/ort-library';
import { cpuIsa, cpuModel } from '../../util/host';
import { type Percentiles, percentiles } from '../../util/latency-stats';
import { type MemorySettings, measureResidentMemory, type ResidentMemory } from './resident-memory';

export interface BenchOptions {
  family: string;
  /** Where this addon runs the family (default cpu); onnxruntime-node, the reference, always runs on the CPU. */
  device?: Device;
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
  /** Where `await model.infer()` ran: on the calling thread (LoadOptions.inlineBelowMs), on the model's native thread, or both. */
  inline: 'caller' | 'run thread' | 'mixed';
  /** Achieved arithmetic rate, 2 x MACs / native p50, in GFLOP/s (null when the manifest gives no MACs). */
  gflops: number | null;
  /** The level's arithmetic (family.json `precision`). */
  precision: 'fp32' | 'int8';
  /** Levels with a sibling at the other precision: native p50 of both, measured interleaved in one run. */
  precisionPairP50Ms: { fp32: number; int8: number } | null;
  /** precisionPairP50Ms.int8 / precisionPairP50Ms.fp32 (null without a sibling). */
  int8OverFp32: number | null;
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
  device: Device;
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
  memory: {
    rssBeforeLoadMiB: number;
    rssAfterLoadMiB: number;
    loadGrowthMiB: number;
    modelFilesMiB: number;
    /** Measured in fresh processes: with this addon's ONNX Runtime settings, then (on the CPU) with ONNX Runtime's defaults. */
    resident: ResidentMemory[];
    /** resident[0].firstLoadMiB / modelFilesMiB: what a family costs a process, per byte of its model files. */
    residentOverModelFiles: number;
    /** Per sub-network, from the load (SubnetInfo.memory), MiB; weights: all of its model's, and those an earlier one already held. */
    subnets: { id: string; modelFileMiB: number; loadHeapMiB: number; firstRunHeapMiB: number; weightMiB: number; reusedWeightMiB: number }[];
    /** The bench's load (DynamicModel.weightSharing). */
    weightSharing: WeightSharing;
    /** The bench's own load (DynamicModel.loadTime). */
    loadTime: LoadTime;
  };
  /**
   * On the CPU: each level's native p50 next to the same family loaded with ONNX Runtime's default memory settings
   * (an arena per session), interleaved run by run on this thread; null on other devices.
   */
  sessionDefaults: { id: string; oursP50: number; defaultsP50: number; ratio: number; plainWeightsP50: number; sharedOverPlain: number }[] | null;
  /**
   * On the CPU: loading with shared weights from a fresh engine cache (making the optimized models: cold), then again
   * (warm), and the same family with every sub-network's own weights (the ONNX files as they are), each in a fresh
   * process, ms; null on other devices.
   */
  loadTimes: { sharedCold: number; sharedWarm: number; plain: number; plainAgain: number } | null;
  /** Accelerator memory the family holds besides its engines (TensorRT: the shared activation block). */
  deviceMemory: FamilyDeviceMemory;
  /** TensorRT devices: the CUDA device's name, and what to know when it is the stand-in (no figure is a GPU's then). */
  accelerator?: { name: string; standinNote?: string };
  targets: Record<string, boolean>;
}

/** The CUDA device a TensorRT family runs on, labelled when it is the stand-in. */
function describeAccelerator(): BenchResult['accelerator'] {
  const info = tensorRtStatus(getBinding()).info;
  const note = standinNote(info);
  return { name: info?.cuda?.name ?? 'unknown', ...(note ? { standinNote: note } : {}) };
}

const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** A level and its sibling at the other precision as one family: sub-network 0 is the fp32 one, 1 the int8 one. */
function precisionPair(model: DynamicModel, index: number, threads: number): Promise<DynamicModel> {
  const level = model.manifest.subnets[index]!;
  const sibling = level.sibling!;
  const byPrecision = { [level.precision ?? 'fp32']: level.model, [sibling.precision]: sibling.model };
  const entry = (precision: 'fp32' | 'int8'): SubnetManifest => ({ id: precision, model: byPrecision[precision]!, precision, accuracy: level.accuracy });
  const { schemaVersion, input } = model.manifest;
  const manifest = { schemaVersion, input, name: `${model.manifest.name}-${level.id}-fp32-int8`, subnets: [entry('fp32'), entry('int8')] };
  return loadFamily({ manifest, dir: model.dir }, { threads, warmupRuns: 10 });
}

/**
 * Each level's native p50 against the same family loaded with ONNX Runtime's default memory settings, and (when the
 * bench's family shares weights) with every sub-network's own weights: one run of each in turn, on this thread, on
 * the same input, so that all see the same machine and caches.
 */
async function compareWithSessionDefaults(model: DynamicModel, family: string, threads: number, runs: number): Promise<NonNullable<BenchResult['sessionDefaults']>> {
  const defaults = await loadFamily(family, { device: 'cpu', threads, warmupRuns: 10, ortSessionDefaults: true });
  const plain = model.weightSharing.enabled ? await loadFamily(family, { device: 'cpu', threads, warmupRuns: 10, shareWeights: false }) : model;
  try {
    return model.subnets.map((subnet) => {
      const input = Float32Array.from({ length: elementCount(subnet.inputShape) }, (_, i) => Math.sin(i));
      const times: [number[], number[], number[]] = [[], [], []];
      for (let i = -20; i < runs; i++) {
        const ours = model.inferSync(input, { subnet: subnet.index, sharedOutput: true }).latencyMs;
        const theirs = defaults.inferSync(input, { subnet: subnet.index, sharedOutput: true }).latencyMs;
        const own = plain.inferSync(input, { subnet: subnet.index, sharedOutput: true }).latencyMs;
        if (i >= 0) {
          times[0].push(ours);
          times[1].push(theirs);
          times[2].push(own);
        }
      }
      const oursP50 = percentiles(times[0]).p50;
      const defaultsP50 = percentiles(times[1]).p50;
      const plainWeightsP50 = percentiles(times[2]).p50;
      return { id: subnet.id, oursP50, defaultsP50, ratio: oursP50 / defaultsP50, plainWeightsP50, sharedOverPlain: oursP50 / plainWeightsP50 };
    });
  } finally {
    await defaults.close();
    if (plain !== model) await plain.close();
  }
}

/**
 * Load times in fresh processes: shared weights with a fresh engine cache (cold: the optimized models are made, then
 * found by the second load: warm), and the ONNX files as they are (`plain`: the resident measurement's pair of loads).
 */
function measureLoadTimes(family: string, threads: number, plain: ResidentMemory): NonNullable<BenchResult['loadTimes']> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-bench-cache-'));
  try {
    const shared = measureResidentMemory(family, { device: 'cpu', threads, settings: 'shared weights', cache });
    return { sharedCold: shared.loadMs, sharedWarm: shared.secondLoadMs, plain: plain.loadMs, plainAgain: plain.secondLoadMs };
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/** Runs `count` inferences on the active sub-network, on this thread; the native latency of the last. */
function inferTimes(model: DynamicModel, count: number): number {
  let latencyMs = 0;
  for (let k = 0; k < count; k++) latencyMs = model.inferSync(undefined, { sharedOutput: true }).latencyMs;
  return latencyMs;
}

/**
 * onnxruntime-node, the bench's reference. It is a dev dependency (an installed dynamic-ofa brings its own ONNX
 * Runtime in its platform package), so without it the bench stops before measuring anything and says how to add it.
 */
export function comparisonRuntime(load: (id: string) => unknown = require): typeof import('onnxruntime-node') {
  try {
    return load('onnxruntime-node') as typeof import('onnxruntime-node');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new RuntimeLoadError(
      'E_RUNTIME_LOAD',
      `the bench compares this addon with onnxruntime-node's JS API, which is not installed (a dev dependency of dynamic-ofa): ` +
        `npm install ${onnxruntimeNodeSpec()}`,
      { cause: error },
    );
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const runs = options.runs ?? 300;
  const threads = options.threads ?? 1;
  const progress = options.onProgress ?? (() => {});
  const ort = comparisonRuntime();
  const rssBefore = process.memoryUsage().rss;
  const device = options.device ?? 'cpu';
  const model = await loadFamily(options.family, { device, threads, warmupRuns: 10 });
  const rssAfterLoad = process.memoryUsage().rss;
  const deviceMemory = { ...model.deviceMemory };
  const accelerator = device === 'cpu' ? undefined : describeAccelerator();
  const modelBytes = model.manifest.subnets.reduce((sum, s) => sum + fs.statSync(path.join(model.dir, s.model)).size, 0);
  const total = model.subnets.length * 2 + 3;
  let done = 0;

  const rows: BenchSubnetRow[] = [];
  for (const subnet of model.subnets) {
    const count = elementCount(subnet.inputShape);
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
      precision: subnet.precision,
      precisionPairP50Ms: null,
      int8OverFp32: null,
      switchP50: 0, switchCost: 0, afterOtherWorkP50: 0, switchOverOtherWork: 0,
    });
  }

  // int8 against fp32: each level with a sibling at the other precision, both resident in one family (one thread
  // pool), run one after the other on this thread, on the same input.
  for (const [index, subnet] of model.manifest.subnets.entries()) {
    if (!subnet.sibling) continue;
    const pair = await precisionPair(model, index, threads);
    try {
      const input = Float32Array.from({ length: pair.input.length }, (_, i) => Math.sin(i));
      const times: [number[], number[]] = [[], []];
      for (let i = -20; i < runs; i++) {
        for (const k of [0, 1] as const) {
          const ms = pair.inferSync(input, { subnet: k, sharedOutput: true }).latencyMs;
          if (i >= 0) times[k].push(ms);
        }
      }
      const fp32 = percentiles(times[0]).p50;
      const int8 = percentiles(times[1]).p50;
      rows[index]!.precisionPairP50Ms = { fp32, int8 };
      rows[index]!.int8OverFp32 = int8 / fp32;
    } finally {
      await pair.close();
    }
  }

  // Switch cost: settle on another sub-network (10 inferences), switch to j, time j's first inference; as the
  // runtime manager switches. The other sub-network cycles through all of them. Control, interleaved with it:
  // the same 10 inferences of the other sub-network run by a second copy of the family while this one stays on
  // j, then j's next inference, with no switch. Both leave j's weights and activations equally cold in the CPU
  // caches, so their ratio is what switching itself costs. Synchronous runs, so that both families run on the
  // same thread (each family's own run thread may sit on another core, with other caches).
  const switchRuns = Math.min(runs, 100);
  const n = model.subnets.length;
  const other = await loadFamily(options.family, { device, threads, warmupRuns: 10 });
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

  const sessionDefaults = device === 'cpu' ? await compareWithSessionDefaults(model, options.family, threads, runs) : null;
  progress(++done, total, 'against ONNX Runtime\'s default memory settings');

  const useCalls = 200000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < useCalls; i++) model.use(i % model.subnets.length);
  const useMicros = (elapsedMs(t0) * 1000) / useCalls;

  // The runtime manager's decision per inference, on this family's levels and latencies.
  const levels = [{ device: model.device, subnets: model.subnets }];
  const constraints = { latencyTargetMs: model.subnets.at(-1)!.latencyMs * 1.2, accuracyFloor: model.subnets[0]!.accuracy };
  // predictive with and without the contention signals in its observations (sensing on and off), side by side
  const decisionCost = [
    measureDecisionCost(levels, constraints, predictivePolicy()),
    measureDecisionCost(levels, constraints, predictivePolicy(), undefined, true),
    measureDecisionCost(levels, constraints, stepwisePolicy()),
  ];

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
  const subnetMemory = model.subnets.map((s) => ({
    id: s.id, modelFileMiB: s.memory.modelFileBytes / 2 ** 20, loadHeapMiB: s.memory.loadHeapBytes / 2 ** 20, firstRunHeapMiB: s.memory.firstRunHeapBytes / 2 ** 20,
    weightMiB: s.memory.weightBytes / 2 ** 20, reusedWeightMiB: s.memory.reusedWeightBytes / 2 ** 20,
  }));
  const loadTime = { ...model.loadTime };
  const weightSharing = { ...model.weightSharing };
  await model.close();
  const settings: MemorySettings[] = device === 'cpu' ? ['shared weights', 'shared arena', 'onnxruntime defaults'] : ['shared arena'];
  const resident = settings.map((s) => measureResidentMemory(options.family, { device, threads, settings: s }));
  const loadTimes = device === 'cpu' ? measureLoadTimes(options.family, threads, resident.find((r) => r.settings === 'shared arena')!) : null;
  progress(total, total, 'done');

  return {
    family: model.manifest.name,
    dir: model.dir,
    device,
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
      resident,
      residentOverModelFiles: resident[0]!.firstLoadMiB / (modelBytes / 2 ** 20),
      subnets: subnetMemory,
      loadTime,
      weightSharing,
    },
    sessionDefaults,
    loadTimes,
    deviceMemory,
    ...(accelerator ? { accelerator } : {}),
    targets: {
      ratioAllAtMost1: rows.every((r) => r.ratio <= 1.0),
      ratioSmallestAtMost09: (rows[0]?.ratio ?? Infinity) <= 0.9,
      endToEndRatioAllAtMost1: rows.every((r) => r.endToEndRatio <= 1.0),
      switchCostAtMost105: rows.every((r) => r.switchCost <= 1.05),
      switchOverOtherWorkAtMost105: rows.every((r) => r.switchOverOtherWork <= 1.05),
      useUnder10us: useMicros < 10,
      decisionUnder5us: decisionCost.every((d) => d.meanUs < 5),
      loopDelayP99Under1ms: eventLoopDelayMs.p99 < 1,
      residentAtMost15xModelFiles: resident[0]!.firstLoadMiB <= 1.5 * (modelBytes / 2 ** 20),
      ...(sessionDefaults ? { p50WithinThreePercentOfSessionDefaults: sessionDefaults.every((r) => r.ratio <= 1.03) } : {}),
      ...(sessionDefaults && weightSharing.enabled ? { sharedWeightsP50WithinThreePercentOfOwnWeights: sessionDefaults.every((r) => r.sharedOverPlain <= 1.03) } : {}),
      ...(loadTimes ? { warmSharedLoadNoSlowerThanOwnWeights: loadTimes.sharedWarm <= loadTimes.plainAgain * 1.05 } : {}),
    },
  };
}
