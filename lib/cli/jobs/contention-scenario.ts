/**
 * The paper's runtime experiment on this CPU: an inference loop at a latency target the most accurate
 * sub-network meets when the machine is idle but not under contention; a third of the way in, busy processes
 * (another application) start, two thirds in they stop. The same schedule runs for static most accurate,
 * static fastest, stepwise (the reference demo's policy), predictive, and an oracle computed offline from the
 * slowdown the predictive run recorded. `schedule: 'bursty'` plays seeded bursts of 1..N busy processes instead,
 * each switched on by a timer at a random moment of the paced frame period (during a frame or in the gap after it),
 * and runs predictive with sensing on and off in the same invocation, with per-burst onset misses.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { compare, oracleFromRecords, type OnsetMisses, onsetMisses, placeBursts, planBursts, renderChart, runScenario, type ScenarioResult, type Summary, summarize, traceFromRecords } from '../../lab';
import { predictivePolicy } from '../../manager/policies/predictive';
import type { PolicyName } from '../../manager/runtime-manager';
import type { Constraints, FrameRecord, ManagedModel } from '../../manager/types';
import type { Image } from '../../image/image';
import type { InferenceResult } from '../../model/dynamic-model';
import { loadFamily } from '../../model/load-family';
import { Contention, defaultBurners, PacedBursts } from '../../lab/contention';
import { loadSample, syntheticImage } from '../../image/family-images';
import { cpuIsa, cpuModel } from '../../util/host';
import { type Percentiles, percentiles } from '../../util/latency-stats';
import { sleep } from '../helpers';

export const SCENARIO_POLICIES = ['static-most-accurate', 'static-fastest', 'stepwise', 'predictive'] as const;
/** The bursty schedule's runs: the same policies, and predictive with sensing off. */
export const BURSTY_RUNS = [...SCENARIO_POLICIES, 'predictive-no-sensing'] as const;

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
  /** 'step' (default): contention from 1/3 to 2/3; 'bursty': seeded random bursts (`burners` is then the most). */
  schedule?: 'step' | 'bursty';
  /** Seed of the bursty schedule. Default 1. */
  seed?: number;
  /** Frame period of the bursty schedule, ms (at least 1.25 x the target). Default max(10, twice the most accurate level's p50). */
  periodMs?: number;
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
  /** Step schedule: contention's first and end frame. */
  contention?: { start: number; end: number };
  /** Bursty schedule: the bursts, the onset misses per run, and what sampling the signals cost. */
  bursty?: BurstyReport;
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

export interface BurstyReport {
  seed: number;
  periodMs: number;
  /** Bursts played (on and off, ms from the run's start, and busy processes), as planned. */
  planned: { onMs: number; offMs: number; processes: number }[];
  /** Per run: per-burst onset misses (where each burst fell among that run's frames). */
  onset: Record<string, OnsetMisses>;
  /**
   * Predictive with and without sensing replayed on the sensing run's recorded slowdowns and signals: the same
   * contention for both, where the live runs each meet their own noise (the first reproduces its live run).
   */
  replayed: { sensing: ReplayFigures; without: ReplayFigures };
  /** The predictive run with sensing: samples taken and skipped, their mean cost, the cost per frame (µs) and as a share of its mean frame latency and of the fastest level's. */
  sampling: { signals: string[]; taken: number; skipped: number; meanSampleUs: number; usPerFrame: number; shareOfFrame: number; shareOfFastestLevel: number };
}

export interface ReplayFigures {
  deadlineMetRate: number;
  onTimeAccuracy: number;
  switches: number;
  onset: OnsetMisses;
}

type Managed = ManagedModel<Image, InferenceResult>;

export async function runContentionScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const bursty = options.schedule === 'bursty';
  const threads = options.threads ?? 1;
  const burners = options.burners ?? defaultBurners();
  const progress = options.onProgress ?? (() => {});
  const model = await loadFamily(options.family, { threads, warmupRuns: 20 });
  const sample = loadSample(model);
  const input = (t: number): Image => (sample ? sample.image(t % sample.count) : syntheticImage(model.manifest.input.channels, t));
  // Bursty: every frame off the event loop, so that a burst's timer can fire while a frame runs.
  const inferOptions = bursty ? { sharedOutput: true, inline: false } : { sharedOutput: true };
  const top = model.subnets.length - 1;
  const contention = new Contention(burners);
  try {
    // Bursty: frames are paced (a frame every periodMs, colder caches than back to back), and so is the profile.
    let paceMs = 0;
    const measure = async (subnet: number, n: number): Promise<Percentiles> => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        if (paceMs > 0) await sleep(paceMs);
        times.push((await model.infer(input(i), { ...inferOptions, subnet })).latencyMs);
      }
      return percentiles(times);
    };
    if (bursty) paceMs = options.periodMs ?? Math.max(10, 2 * (await measure(top, 30)).p50);
    const count = (n: number): number => (bursty ? Math.round(n / 2) : n);
    // The manager's latency profile: every sub-network idle. Then the top one idle and under contention.
    const profileMs: number[] = [];
    for (const s of model.subnets) profileMs.push((await measure(s.index, count(150))).p50);
    const idleTop = await measure(top, count(300));
    await contention.ready();
    contention.start();
    await sleep(300);
    const busyTop = await measure(top, count(150));
    contention.stop();
    await sleep(300);
    // With room on both sides; where contention hardly slows it (sub-millisecond models), just above the idle p99.
    const targetMs = options.targetMs ?? Math.max(idleTop.p99 * 1.1, idleTop.p50 * 1.3, Math.sqrt(idleTop.p99 * busyTop.p50));
    const periodMs = Math.max(paceMs, 1.25 * targetMs);
    const frames = options.frames ?? (bursty ? Math.max(1200, Math.min(3000, Math.round(20000 / periodMs))) : Math.max(600, Math.min(3000, Math.round(20000 / targetMs))));
    const start = Math.round(frames / 3);
    const end = Math.round((2 * frames) / 3);
    const managed: Managed = {
      device: model.device,
      subnets: model.subnets.map((s, i) => ({ index: s.index, id: s.id, accuracy: s.accuracy, latencyMs: profileMs[i]! })),
      infer: (frame, o) => model.infer(frame, { ...o, ...inferOptions }),
      contention: () => model.contention(),
    };
    const accuracyFloor = model.subnets[Math.min(1, top)]!.accuracy;
    const constraints: Constraints = { latencyTargetMs: targetMs, accuracyFloor };
    const seed = options.seed ?? 1;
    const planned = planBursts({ frames, seed }).map((b) => ({
      onMs: b.start * periodMs,
      offMs: b.end * periodMs,
      processes: 1 + Math.min(burners - 1, Math.floor(b.strength * burners)),
    }));

    const names: readonly string[] = bursty ? BURSTY_RUNS : SCENARIO_POLICIES;
    const runs: ScenarioResult[] = [];
    const placed: ReturnType<typeof placeBursts>[] = [];
    let sampling: BurstyReport['sampling'] | null = null;
    for (const [p, name] of names.entries()) {
      const sensing = name !== 'predictive-no-sensing';
      const policy = (sensing ? name : 'predictive') as PolicyName;
      const pacer = new PacedBursts(contention, planned, periodMs, frames);
      const cost = (): number => (model.sensor.meanCostUs || 0) * model.sensor.taken;
      const before = { us: cost(), taken: model.sensor.taken, skipped: model.sensor.skipped };
      const run = await runScenario<Image, InferenceResult>({
        models: managed,
        constraints,
        options: { policy, ...(sensing ? {} : { sensing: false }) },
        frames,
        input,
        schedule: async (t) => {
          if (t % 100 === 0) progress(p * frames + t, names.length * frames, name);
          if (bursty) return pacer.beforeFrame(t);
          if (t === start) contention.start();
          if (t === end) contention.stop();
          return t === start ? 'start' : t === end ? 'end' : undefined;
        },
        onFrame: (r) => pacer.afterFrame(r.frame),
      });
      if (bursty) placed.push(pacer.finish());
      contention.stop();
      runs.push({ ...run, policy: name });
      if (bursty && name === 'predictive') {
        const taken = model.sensor.taken - before.taken;
        const usPerFrame = (cost() - before.us) / frames;
        const meanLatencyMs = run.records.reduce((sum, r) => sum + r.latencyMs, 0) / frames;
        sampling = {
          signals: [...model.sensor.signals], taken, skipped: model.sensor.skipped - before.skipped, meanSampleUs: taken ? (cost() - before.us) / taken : Number.NaN,
          usPerFrame, shareOfFrame: usPerFrame / (meanLatencyMs * 1000), shareOfFastestLevel: usPerFrame / (profileMs[0]! * 1000),
        };
      }
      await sleep(300);
    }
    progress(names.length * frames, names.length * frames, 'done');

    const predictive = runs.find((r) => r.policy === 'predictive')!;
    // Bursty: the changes are where each run's bursts fell; the summaries' reaction windows follow them.
    const changesOf = (i: number): { frame: number; kind: 'start' | 'end' }[] =>
      bursty ? placed[i]!.flatMap((b) => [{ frame: b.firstFrame, kind: 'start' as const }, { frame: b.end, kind: 'end' as const }]) : runs[i]!.changes.map((c) => ({ frame: c.frame, kind: c.kind as 'start' | 'end' }));
    const contended = bursty ? placed[0]!.flatMap((b) => Array.from({ length: b.end - b.firstFrame }, (_, k) => b.firstFrame + k)) : Array.from({ length: end - start }, (_, k) => start + k);
    const topRecords = runs.find((r) => r.policy === 'static-most-accurate')!.records;
    const topMetUnderContention = contended.filter((t) => topRecords[t]!.met).length / Math.max(1, contended.length);
    const oracle = oracleFromRecords(predictive.set, predictive.records, constraints);
    const reference = Float64Array.from(oracle.records, (r) => r.accuracy);
    const summaries = runs.map((r, i) => summarize(r.set, r.records, { policy: r.policy, changes: changesOf(i), referenceAccuracy: reference }));
    const predictiveChanges = changesOf(names.indexOf('predictive'));
    summaries.push(summarize(predictive.set, oracle.records, { policy: 'oracle', changes: predictiveChanges }));
    const by = (name: string): Summary => summaries.find((s) => s.policy === name)!;
    // each run's later misses against its own oracle (its own frames' slowdowns): could a level have met them?
    const onset = bursty ? Object.fromEntries(runs.map((r, i) => [r.policy, onsetMisses(r.records, placed[i]!, (r === predictive ? oracle : oracleFromRecords(r.set, r.records, constraints)).records)])) : {};
    const replayed = bursty ? replaySensing(predictive, constraints, placed[names.indexOf('predictive')]!) : undefined;
    const targets = bursty ? burstyTargets(by, onset) : {
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
    const what = bursty ? `${planned.length} bursts of 1-${burners} busy processes (seed ${seed}), a frame every ${periodMs.toFixed(1)} ms` : `contention on frames ${start}-${end} (${burners} busy processes)`;
    fs.writeFileSync(svgPath, renderChart(series, { title: `${model.manifest.name}: ${what}, target ${targetMs.toFixed(2)} ms`, changes: predictiveChanges, signals: 'predictive' }));
    const report: ScenarioReport = {
      family: model.manifest.name, dir: model.dir, threads, burners, cores: os.availableParallelism(), cpu: cpuModel(), isa: cpuIsa(), targetMs, accuracyFloor, frames,
      ...(bursty ? { bursty: { seed, periodMs, planned, onset, replayed: replayed!, sampling: sampling! } } : { contention: { start, end } }),
      profileMs, idleTop, busyTop, topMetUnderContention, summaries, targets, jsonPath, svgPath,
    };
    fs.writeFileSync(jsonPath, JSON.stringify({ ...report, records: Object.fromEntries(series.map((s) => [s.name, s.records])) }, null, 1));
    return report;
  } finally {
    contention.dispose();
    await model.close();
  }
}

/** The targets on bursty schedules: predictive with sensing against itself without, in the same run. */
function burstyTargets(by: (name: string) => Summary, onset: Record<string, OnsetMisses>): Record<string, boolean> {
  const on = onset['predictive']!;
  const off = onset['predictive-no-sensing']!;
  return {
    sensingNoMissAfterFirstFrame: on.laterMisses === 0,
    sensingNoMissAfterFirstFrameALevelCouldMeet: on.laterMissesOracleMet === 0,
    sensingFewerFirstFrameMissesInGap: on.firstFrameMissesInGap < off.firstFrameMissesInGap || on.firstFrameMissesInGap === 0,
    sensingMetAtLeast99: by('predictive').deadlineMetRate >= 0.99,
    sensingOnTimeAccuracyAtLeastWithout: by('predictive').onTimeAccuracy >= by('predictive-no-sensing').onTimeAccuracy,
  };
}

/** Predictive with and without sensing on the sensing run's own recorded contention (BurstyReport.replayed). */
function replaySensing(run: ScenarioResult, constraints: Constraints, bursts: ReturnType<typeof placeBursts>): BurstyReport['replayed'] {
  const results = compare({ set: run.set, constraints, trace: traceFromRecords(run.set, run.records) }, [
    predictivePolicy(),
    { ...predictivePolicy({ sensing: false }), name: 'predictive-no-sensing' },
  ]);
  const figures = (name: string): ReplayFigures => {
    const r = results.get(name)!;
    return { deadlineMetRate: r.summary.deadlineMetRate, onTimeAccuracy: r.summary.onTimeAccuracy, switches: r.summary.switches, onset: onsetMisses(r.records, bursts) };
  };
  return { sensing: figures('predictive'), without: figures('predictive-no-sensing') };
}
