import { Command, Option } from 'commander';

import { runContentionScenario, type ScenarioReport } from '../jobs/contention-scenario';
import { table } from '../helpers';
import { defaultOutDir, defaultScenarioFamilies, emitJson, positive, progressBar } from '../common';

export function printScenario(r: ScenarioReport): void {
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  const n = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-');
  console.log(`\n${r.cpu} [${r.isa.join(' ')}], ${r.cores} cores, ${r.threads} ONNX Runtime thread(s)`);
  console.log(`${r.family}: idle p50 per level ${r.profileMs.map((p) => p.toFixed(3)).join(' / ')} ms`);
  console.log(`most accurate level: idle p50/p99 ${r.idleTop.p50.toFixed(3)}/${r.idleTop.p99.toFixed(3)} ms, with ${r.burners} busy processes p50 ${r.busyTop.p50.toFixed(3)} ms ` +
    `(${(r.busyTop.p50 / r.idleTop.p50).toFixed(2)}x); target ${r.targetMs.toFixed(3)} ms, accuracy floor ${r.accuracyFloor}; ${r.frames} frames per policy, ` +
    (r.contention ? `contention on [${r.contention.start}, ${r.contention.end})` : `${r.bursty!.planned.length} bursts of 1-${r.burners} busy processes (seed ${r.bursty!.seed}), a frame every ${r.bursty!.periodMs.toFixed(1)} ms`));
  console.log(`under contention the most accurate level met the target on ${pct(r.topMetUnderContention)} of frames`);
  const noEffect = r.topMetUnderContention > 0.9;
  if (noEffect) {
    console.log('warning: contention hardly slowed this family (sub-millisecond inferences preempt busy processes), ' +
      'so there is nothing to adapt to; the targets below say little');
  }
  console.log(table(
    ['policy', 'deadline met', 'met outside 3-frame window', 'mean accuracy', 'on-time accuracy', 'switches', 'frames to meet after start', 'frames to accuracy after end'],
    r.summaries.map((s) => [s.policy, pct(s.deadlineMetRate), pct(s.deadlineMetRateOutsideReaction), s.meanAccuracy.toFixed(3), s.onTimeAccuracy.toFixed(3), s.switches,
      n(s.meanDeadlineRecoveryAfterStart), n(s.meanAccuracyRecoveryAfterEnd)]),
  ));
  if (r.bursty) printBursty(r.bursty);
  console.log('on-time accuracy: a frame that missed the target counts as wrong (what a consumer that drops late results gets)');
  console.log(`targets${noEffect ? ' (not meaningful: no contention effect)' : ''}: ${Object.entries(r.targets).map(([k, v]) => `${k}=${v ? 'met' : 'MISSED'}`).join(', ')}`);
  console.log(`written: ${r.jsonPath}, ${r.svgPath}`);
}

function printBursty(b: NonNullable<ScenarioReport['bursty']>): void {
  console.log('per-burst onset misses (a burst began in the gap before its first frame, or during that frame):');
  console.log(table(
    ['run', 'bursts', 'began in gap', 'first-frame misses (gap)', 'first-frame misses (during)', 'misses after the first frame', 'of which a level could meet'],
    Object.entries(b.onset).map(([run, o]) => [run, o.bursts, o.burstsBeganInGap, o.firstFrameMissesInGap, o.firstFrameMissesDuringFrame, o.laterMisses, o.laterMissesOracleMet ?? '-']),
  ));
  const replay = (name: string, f: typeof b.replayed.sensing): string =>
    `${name} met ${(f.deadlineMetRate * 100).toFixed(2)}%, on-time ${f.onTimeAccuracy.toFixed(3)}, gap first-frame misses ${f.onset.firstFrameMissesInGap}, ` +
    `misses after the first frame ${f.onset.laterMisses}, ${f.switches} switches`;
  console.log(`replayed on the sensing run's recorded slowdowns and signals (the same contention for both): ${replay('with sensing', b.replayed.sensing)}; ${replay('without', b.replayed.without)}`);
  const s = b.sampling;
  console.log(`sampling (${s.signals.join(', ') || 'no signal here'}): ${s.taken} samples, ${s.skipped} skipped for cost, ${s.taken > 0 ? `${s.meanSampleUs.toFixed(1)} us each` : 'none taken'}; ` +
    `${s.usPerFrame.toFixed(2)} us per frame = ${(s.shareOfFrame * 100).toFixed(2)}% of the mean frame latency, ${(s.shareOfFastestLevel * 100).toFixed(2)}% of the fastest level's`);
}

export const scenarioCommand = new Command('bench:scenario')
  .alias('scenario')
  .description('the contention experiment: static, stepwise, predictive and oracle policies on one schedule; JSON and an SVG chart')
  .option('--family <dirs>', 'family folder(s), comma-separated (default: the bundled family, and engines/ofa-mbv3-w12 once exported)', defaultScenarioFamilies())
  .option('--frames <n>', 'frames per policy (default: from the target)', positive('frames'))
  .option('--threads <n>', 'ONNX Runtime threads (default 1)', positive('threads'))
  .option('--burners <n>', 'busy processes during contention (default: cores + 1)', positive('burners'))
  .option('--target <ms>', 'latency target (default: between the idle p99 and the contended p50 of the most accurate level)', positive('target'))
  .addOption(new Option('--schedule <kind>', 'step (contention from 1/3 to 2/3) or bursty (seeded random bursts; predictive runs with sensing on and off)')
    .choices(['step', 'bursty']).default('step'))
  .option('--seed <n>', 'seed of the bursty schedule (default 1)', positive('seed'))
  .option('--period <ms>', 'frame period of the bursty schedule, ms (default max(10, twice the most accurate level\'s p50); at least 1.25 x the target', positive('period'))
  .option('--out <dir>', 'output folder', defaultOutDir('scenario'))
  .option('--json [path]', 'write the reports as JSON to path (or stdout)')
  .action(async (o: { family: string; frames?: number; threads?: number; burners?: number; target?: number; schedule: 'step' | 'bursty'; seed?: number; period?: number; out: string; json?: string | boolean }) => {
    const reports: ScenarioReport[] = [];
    for (const family of o.family.split(',')) {
      const bar = progressBar(`scenario ${family}`);
      const report = await runContentionScenario({
        family, out: o.out, onProgress: bar.update,
        ...(o.frames !== undefined ? { frames: o.frames } : {}),
        ...(o.threads !== undefined ? { threads: o.threads } : {}),
        ...(o.burners !== undefined ? { burners: o.burners } : {}),
        ...(o.target !== undefined ? { targetMs: o.target } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.period !== undefined ? { periodMs: o.period } : {}),
        schedule: o.schedule,
      }).finally(bar.stop);
      reports.push(report);
      if (o.json !== true) printScenario(report);
    }
    emitJson(o.json, reports);
  });
