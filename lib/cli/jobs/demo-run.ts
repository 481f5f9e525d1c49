/**
 * The main job: classify the family's labelled images one camera frame at a time under the runtime manager,
 * while another application (busy processes) comes and goes, and then while the application itself asks for
 * a tighter latency target (the robot speeds up). Quarters: idle, contended, idle, tighter target.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { renderChart } from '../../lab';
import { type ManagerDecision, RuntimeManager } from '../../manager/runtime-manager';
import type { ManagerStats } from '../../manager/stats';
import type { ContentionSample } from '../../manager/types';
import type { Image } from '../../image/image';
import type { DynamicModel, InferenceResult, SubnetInfo } from '../../model/dynamic-model';
import { loadFamily } from '../../model/load-family';
import { Contention, defaultBurners } from '../../lab/contention';
import { loadSample, syntheticImage } from '../../image/family-images';
import { argmax, sleep } from '../helpers';
import { percentiles } from '../../util/latency-stats';

export interface DemoOptions {
  family: string;
  /** Length of the run; contention covers the second quarter, the tighter target the last. Default 45. */
  seconds?: number;
  /** Camera frame rate; default 100. */
  fps?: number;
  burners?: number;
  /** The latency target in the last quarter, as a fraction of the first; default 0.5. */
  tighterTarget?: number;
  /** ONNX Runtime threads; default 1. */
  threads?: number;
  out: string;
  /**
   * Warm the level the manager is about to step up to in the idle time before the next frame (`'on'`, default),
   * never (`'off'`), or at every other step-up (`'alternate'`: both kinds of step-up in one run, side by side).
   */
  prewarm?: PrewarmMode;
  onStart?: (info: DemoStart) => void;
  /** Called after every frame; throttle display yourself. */
  onFrame?: (status: DemoStatus) => void;
}

export interface DemoStart {
  family: string;
  device: string;
  loadMs: number;
  subnets: readonly SubnetInfo[];
  targetMs: number;
  /** The target in the last quarter. */
  tighterTargetMs: number;
  fps: number;
  accuracyFloor: number;
  seconds: number;
  burners: number;
  labelled: boolean;
}

export type DemoPhase = 'idle' | 'contended' | 'tighter target';

export type PrewarmMode = 'on' | 'off' | 'alternate';

/** The first frames after step-ups, warmed or not: latency over the median of the level's other frames. */
export interface StepUpSummary {
  count: number;
  /** Median of (first frame's latency / the level's median latency); NaN without step-ups. */
  firstFrameRatioP50: number;
}

export interface DemoStatus {
  elapsedS: number;
  phase: DemoPhase;
  contended: boolean;
  frame: number;
  decision: ManagerDecision;
  /** Running top-1 against the labels, %, or NaN without labels. */
  runningTop1: number;
}

export interface DemoFrame {
  frame: number;
  subnet: number;
  id: string;
  accuracy: number;
  latencyMs: number;
  predictedMs: number;
  targetMs: number;
  met: boolean;
  phase: DemoPhase;
  contended: boolean;
  /** The contention signals sampled before this frame (null: none new, e.g. skipped to bound the sampling cost). */
  signals: ContentionSample | null;
}

export interface DemoResult {
  start: DemoStart;
  frames: DemoFrame[];
  switches: number;
  stats: ManagerStats;
  labelled: number;
  correct: number;
  perLevel: { index: number; id: string; frames: number; p50Ms: number; metRate: number }[];
  phases: { name: string; frames: number; metRate: number; meanLevel: number }[];
  prewarm: PrewarmMode;
  stepUps: { warmed: StepUpSummary; cold: StepUpSummary };
  chartPath: string;
  jsonPath: string;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const seconds = options.seconds ?? 45;
  const burners = options.burners ?? defaultBurners();
  const started = Date.now();
  // One ONNX Runtime thread: fastest for the bundled family's sub-millisecond models (measured), and it
  // leaves a core to the event loop and to the other application.
  const model: DynamicModel = await loadFamily(options.family, { warmupRuns: 20, threads: options.threads ?? 1 });
  const contention = new Contention(burners);
  try {
    const loadMs = Date.now() - started;
    const sample = loadSample(model);
    const frameAt = (t: number): Image => (sample ? sample.image(t % sample.count) : syntheticImage(model.manifest.input.channels, t));

    // Target: the most accurate level meets it when the machine is idle (its p99, with room), measured at the
    // camera's frame rate: paced frames run slower than back-to-back ones (caches and threads go cold between).
    const top = model.subnets.length - 1;
    const fps = options.fps ?? 100;
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      idle.push((await model.infer(frameAt(i), { subnet: top, sharedOutput: true })).latencyMs);
      await sleep(1000 / fps - (performance.now() - started));
    }
    const idleMs = percentiles(idle);
    const targetMs = Math.max(idleMs.p99 * 1.1, idleMs.p50 * 1.3);
    const tighterTargetMs = targetMs * (options.tighterTarget ?? 0.5);
    const accuracyFloor = model.subnets[Math.min(1, top)]!.accuracy;
    const start: DemoStart = {
      family: model.manifest.name, device: model.device, loadMs, subnets: model.subnets, targetMs, tighterTargetMs, fps, accuracyFloor, seconds, burners,
      labelled: sample !== null,
    };
    options.onStart?.(start);

    await contention.ready();
    const manager = new RuntimeManager<Image, InferenceResult>(
      {
        device: model.device, subnets: model.subnets,
        infer: (frame, o) => model.infer(frame, { ...o, sharedOutput: true }),
        warm: (subnet) => model.warm(subnet),
        contention: () => model.contention(),
      },
      { latencyTargetMs: targetMs, accuracyFloor },
    );
    const prewarm = options.prewarm ?? 'on';
    let upcomingSeen = 0;
    let warmedFor: number | null = null; // the candidate warmed before this frame, if any
    const stepUps: { frame: number; subnet: number; warmed: boolean }[] = [];
    let switches = 0;
    manager.on('switch', () => switches++);
    let signals: ContentionSample | null = null;
    manager.on('frame', (r) => {
      signals = r.signals ?? null;
    });
    const frames: DemoFrame[] = [];
    const changes: { frame: number; kind: 'start' | 'end' | 'constraints' }[] = [];
    const phaseStarts: number[] = [0];
    let phase: DemoPhase = 'idle';
    let correct = 0;
    let labelled = 0;
    const periodMs = 1000 / fps;
    const runStart = performance.now();
    for (let t = 0; ; t++) {
      const elapsedS = (performance.now() - runStart) / 1000;
      if (elapsedS >= seconds) break;
      const quarter = Math.min(3, Math.floor((4 * elapsedS) / seconds));
      const now: DemoPhase = quarter === 1 ? 'contended' : quarter === 3 ? 'tighter target' : 'idle';
      while (phaseStarts.length <= quarter) phaseStarts.push(t);
      if (now !== phase) {
        if (now === 'contended') {
          contention.start();
          changes.push({ frame: t, kind: 'start' });
        } else if (phase === 'contended') {
          contention.stop();
          changes.push({ frame: t, kind: 'end' });
        }
        if (now === 'tighter target') {
          manager.setConstraints({ latencyTargetMs: tighterTargetMs, accuracyFloor });
          changes.push({ frame: t, kind: 'constraints' });
        }
        phase = now;
      }
      const contended = phase === 'contended';
      const { result, decision } = await manager.infer(frameAt(t));
      if (decision.reason === 'step-up') stepUps.push({ frame: t, subnet: decision.subnet, warmed: warmedFor === decision.candidate });
      warmedFor = null;
      if (decision.upcoming && (prewarm === 'on' || (prewarm === 'alternate' && upcomingSeen++ % 2 === 0))) {
        const warmed = await manager.warmUpcoming();
        if (warmed?.warmed) warmedFor = warmed.candidate;
      }
      frames.push({
        frame: t, subnet: decision.subnet, id: decision.id, accuracy: decision.accuracy, latencyMs: decision.measuredMs,
        predictedMs: decision.predictedMs, targetMs: decision.targetMs, met: decision.met, phase, contended, signals,
      });
      if (sample) {
        labelled++;
        if (argmax(result.output) === sample.label(t % sample.count)) correct++;
      }
      options.onFrame?.({ elapsedS, phase, contended, frame: t, decision, runningTop1: labelled ? (100 * correct) / labelled : Number.NaN });
      const wait = runStart + (t + 1) * periodMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    contention.stop();
    if (frames.length === 0) throw new Error('demo: no frame ran');

    const rate = (list: DemoFrame[]): number => (list.length ? list.filter((f) => f.met).length / list.length : Number.NaN);
    const perLevel = model.subnets.map((s) => {
      const mine = frames.filter((f) => f.subnet === s.index);
      return { index: s.index, id: s.id, frames: mine.length, p50Ms: percentiles(mine.map((f) => f.latencyMs)).p50, metRate: rate(mine) };
    });
    const bounds = [...phaseStarts, frames.length];
    const names = ['idle (before)', 'contended', 'idle (after)', 'tighter target'];
    const phases = names.map((name, i) => [name, bounds[i] ?? frames.length, bounds[i + 1] ?? frames.length] as const).map(([name, a, b]) => {
      const part = frames.slice(a, b);
      return { name, frames: part.length, metRate: rate(part), meanLevel: part.length ? part.reduce((x, f) => x + f.subnet, 0) / part.length : Number.NaN };
    });
    const stepUpSummary = (warmed: boolean): StepUpSummary => {
      const ratios = stepUps.filter((u) => u.warmed === warmed).map((u) => {
        const others = frames.filter((f) => f.subnet === u.subnet && f.frame !== u.frame).map((f) => f.latencyMs);
        return frames[u.frame]!.latencyMs / percentiles(others).p50;
      });
      return { count: ratios.length, firstFrameRatioP50: ratios.length ? percentiles(ratios).p50 : Number.NaN };
    };
    fs.mkdirSync(options.out, { recursive: true });
    const chartPath = path.join(options.out, 'demo.svg');
    const jsonPath = path.join(options.out, 'demo.json');
    fs.writeFileSync(chartPath, renderChart([{ name: 'predictive', records: frames }], { title: `dynamic-ofa demo: ${model.manifest.name}`, changes, signals: 'predictive' }));
    const stats = manager.stats();
    const result: DemoResult = {
      start, frames, switches, stats, labelled, correct, perLevel, phases, prewarm,
      stepUps: { warmed: stepUpSummary(true), cold: stepUpSummary(false) }, chartPath, jsonPath,
    };
    fs.writeFileSync(jsonPath, JSON.stringify(result, null, 1));
    return result;
  } finally {
    contention.dispose();
    await model.close();
  }
}
