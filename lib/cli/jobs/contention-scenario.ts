/**
 * The paper's runtime experiment on this CPU: an inference loop at a latency target the most accurate
 * sub-network meets when the machine is idle but not under contention; a third of the way in, busy processes
 * (another application) start, two thirds in they stop. The same schedule runs for static most accurate,
 * static fastest, stepwise (the reference demo's policy), predictive, and an oracle computed offline from the
 * slowdown the predictive run recorded.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { oracleFromRecords, renderChart, runScenario, type Summary, summarize } from '../../lab';
import type { Constraints, FrameRecord, ManagedModel } from '../../manager/types';
import type { Image } from '../../image/image';
import type { InferenceResult } from '../../model/dynamic-model';
import { loadFamily } from '../../model/load-family';
import { Contention, defaultBurners } from '../../lab/contention';
import { loadSample, syntheticImage } from '../../image/family-images';
import { cpuIsa, cpuModel } from '../../util/host';
import { type Percentiles, percentiles } from '../../util/latency-stats';
import { sleep } from '../helpers';

export const SCENARIO_POLICIES = ['static-most-accurate', 'static-fastest', 'stepwise', 'predictive'] as const;

export interface ScenarioOptions {
  family: string;
  /** Frames per policy; default from the target (about 20 s of inference each, 600..3000). */
  frames?: number;
  /** ONNX Runtime threads; default 1 (as the reference demo's latency test). */
  threads?: number;
  /** Busy processes while contention is on; default the number of cores plus one. */
  burners?: number;
  /**
   * Latency target, ms; default the middle (geometric mean) of the most accurate sub-network's idle p99 and
   * contended p50 (it meets the target when idle, with room, and misses it under contention, with room), and at
   * least 1.1x its idle p99 and 1.3x its idle p50.
   */
  targetMs?: number;
  /** Folder for scenario.json and scenario.svg (a sub-folder per family). */
  out: string;
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface ScenarioReport {
  family: string;
  dir: string;
  threads: number;
  burners: number;
  cores: number;
  /** The CPU and its inference-relevant instruction-set features. */
  cpu: string;
  isa: string[];
  targetMs: number;
  accuracyFloor: number;
  frames: number;
  contention: { start: number; end: number };
  profileMs: number[];
  idleTop: Percentiles;
  busyTop: Percentiles;
  /** Share of the contended frames on which static most-accurate met the target (high: contention too weak). */
  topMetUnderContention: number;
  summaries: Summary[];
  targets: Record<string, boolean>;
  jsonPath: string;
  svgPath: string;
}

type Managed = ManagedModel<Image, InferenceResult>;

export async function runContentionScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const threads = options.threads ?? 1;
  const burners = options.burners ?? defaultBurners();
  const progress = options.onProgress ?? (() => {});
  const model = await loadFamily(options.family, { threads, warmupRuns: 20 });
  const sample = loadSample(model);
  const input = (t: number): Image => (sample ? sample.image(t % sample.count) : syntheticImage(model.manifest.input.channels, t));
  const top = model.subnets.length - 1;
  const contention = new Contention(burners);
  try {
    const measure = async (subnet: number, n: number): Promise<Percentiles> => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push((await model.infer(input(i), { subnet, sharedOutput: true })).latencyMs);
      return percentiles(times);
    };
    // The manager's latency profile: every sub-network idle. Then the top one idle and under contention.
    const profileMs: number[] = [];
    for (const s of model.subnets) profileMs.push((await measure(s.index, 150)).p50);
    const idleTop = await measure(top, 300);
    await contention.ready();
    contention.start();
    await sleep(300);
    const busyTop = await measure(top, 150);
    contention.stop();
    await sleep(300);
    // With room on both sides; where contention hardly slows it (sub-millisecond models), just above the idle p99.
    const targetMs = options.targetMs ?? Math.max(idleTop.p99 * 1.1, idleTop.p50 * 1.3, Math.sqrt(idleTop.p99 * busyTop.p50));
    const frames = options.frames ?? Math.max(600, Math.min(3000, Math.round(20000 / targetMs)));
    const start = Math.round(frames / 3);
    const end = Math.round((2 * frames) / 3);
    const managed: Managed = {
      device: model.device,
      subnets: model.subnets.map((s, i) => ({ index: s.index, id: s.id, accuracy: s.accuracy, latencyMs: profileMs[i]! })),
      infer: (frame, o) => model.infer(frame, { ...o, sharedOutput: true }),
    };
    const accuracyFloor = model.subnets[Math.min(1, top)]!.accuracy;
    const constraints: Constraints = { latencyTargetMs: targetMs, accuracyFloor };

    const runs = [];
    for (const [p, policy] of SCENARIO_POLICIES.entries()) {
      const run = await runScenario<Image, InferenceResult>({
        models: managed,
        constraints,
        options: { policy },
        frames,
        input,
        schedule: (t) => {
          if (t % 100 === 0) progress(p * frames + t, SCENARIO_POLICIES.length * frames, policy);
          if (t === start) {
            contention.start();
            return 'start';
          }
          if (t === end) {
            contention.stop();
            return 'end';
          }
          return undefined;
        },
      });
      contention.stop();
      runs.push(run);
      await sleep(300);
    }
    progress(SCENARIO_POLICIES.length * frames, SCENARIO_POLICIES.length * frames, 'done');

    const predictive = runs.find((r) => r.policy === 'predictive')!;
    const topContended = runs.find((r) => r.policy === 'static-most-accurate')!.records.slice(start, end);
    const topMetUnderContention = topContended.filter((r) => r.met).length / topContended.length;
    const oracle = oracleFromRecords(predictive.set, predictive.records, constraints);
    const reference = Float64Array.from(oracle.records, (r) => r.accuracy);
    const summaries = runs.map((r) => summarize(r.set, r.records, { policy: r.policy, changes: r.changes, referenceAccuracy: reference }));
    summaries.push(summarize(predictive.set, oracle.records, { policy: 'oracle', changes: predictive.changes }));
    const by = (name: string): Summary => summaries.find((s) => s.policy === name)!;
    const targets = {
      predictiveMetOutsideWindowAtLeast99: by('predictive').deadlineMetRateOutsideReaction >= 0.99,
      predictiveWithin1PointOfOracle: by('oracle').meanAccuracy - by('predictive').meanAccuracy <= 1,
      predictiveBeatsStepwiseOnDeadline: by('predictive').deadlineMetRateOutsideReaction > by('stepwise').deadlineMetRateOutsideReaction,
      predictiveBeatsStepwiseOnAccuracy: by('predictive').meanAccuracy > by('stepwise').meanAccuracy,
    };

    const out = path.resolve(options.out, model.manifest.name);
    fs.mkdirSync(out, { recursive: true });
    const svgPath = path.join(out, 'scenario.svg');
    const jsonPath = path.join(out, 'scenario.json');
    const series: { name: string; records: readonly FrameRecord[] }[] = [...runs.map((r) => ({ name: r.policy, records: r.records })), { name: 'oracle', records: oracle.records }];
    fs.writeFileSync(svgPath, renderChart(series, {
      title: `${model.manifest.name}: contention on frames ${start}-${end} (${burners} busy processes), target ${targetMs.toFixed(2)} ms`,
      changes: predictive.changes,
    }));
    const report: ScenarioReport = {
      family: model.manifest.name, dir: model.dir, threads, burners, cores: os.availableParallelism(), cpu: cpuModel(), isa: cpuIsa(), targetMs, accuracyFloor, frames,
      contention: { start, end }, profileMs, idleTop, busyTop, topMetUnderContention, summaries, targets, jsonPath, svgPath,
    };
    fs.writeFileSync(jsonPath, JSON.stringify({ ...report, records: Object.fromEntries(series.map((s) => [s.name, s.records])) }, null, 1));
    return report;
  } finally {
    contention.dispose();
    await model.close();
  }
}
