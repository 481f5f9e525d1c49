import { Command, Option } from 'commander';

import { type PrewarmMode, runDemo, type StepUpSummary } from '../jobs/demo-run';
import { table } from '../helpers';
import { defaultFamilyDir, defaultOutDir, emitJson, positive } from '../common';

export const demoCommand = new Command('demo')
  .description('classify the family\'s labelled images under the runtime manager while another application comes and goes')
  .option('--family <dir>', 'family folder', defaultFamilyDir())
  .option('--seconds <n>', 'length of the run (quarters: idle, contended, idle, tighter target)', positive('seconds'), 45)
  .option('--fps <n>', 'camera frame rate (default 100)', positive('fps'))
  .option('--burners <n>', 'busy processes during contention (default: cores + 1)', positive('burners'))
  .option('--threads <n>', 'ONNX Runtime threads (default 1)', positive('threads'))
  .addOption(new Option('--prewarm <mode>', 'warm the level the manager is about to step up to in the idle time before the next frame: on, off, or alternate (every other step-up, to compare)')
    .choices(['on', 'off', 'alternate']).default('on'))
  .option('--out <dir>', 'output folder for demo.json and demo.svg', defaultOutDir('demo'))
  .option('--json [path]', 'write the result as JSON to path (or stdout)')
  .action(async (o: { family: string; seconds: number; fps?: number; burners?: number; threads?: number; prewarm: PrewarmMode; out: string; json?: string | boolean }) => {
    const quiet = o.json === true;
    const live = process.stdout.isTTY && !quiet;
    let lastPrint = 0;
    const result = await runDemo({
      family: o.family, seconds: o.seconds, out: o.out, prewarm: o.prewarm,
      ...(o.fps !== undefined ? { fps: o.fps } : {}),
      ...(o.burners !== undefined ? { burners: o.burners } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      onStart: (s) => {
        if (quiet) return;
        console.log(`dynamic-ofa demo: family '${s.family}' on ${s.device}, ${s.subnets.length} sub-networks resident (loaded in ${s.loadMs} ms)`);
        console.log(table(['level', 'id', 'top-1 %', 'resolution', 'MMACs', 'latency here ms'],
          s.subnets.map((x) => [x.index, x.id, x.accuracy.toFixed(2), x.resolution, x.macs !== undefined ? (x.macs / 1e6).toFixed(2) : '-', x.latencyMs.toFixed(3)])));
        if (!s.labelled) console.log('(this family ships no labelled sample: synthetic frames, no accuracy against labels)');
        console.log(`target ${s.targetMs.toFixed(3)} ms per frame at ${s.fps} frames/s, accuracy floor ${s.accuracyFloor}%; ` +
          `${s.burners} busy processes from ${(s.seconds / 4).toFixed(0)} s to ${(s.seconds / 2).toFixed(0)} s; ` +
          `from ${((3 * s.seconds) / 4).toFixed(0)} s the application asks for ${s.tighterTargetMs.toFixed(3)} ms\n`);
      },
      onFrame: (f) => {
        if (quiet || performance.now() - lastPrint < (live ? 100 : 1000)) return;
        lastPrint = performance.now();
        const line = `${f.elapsedS.toFixed(1).padStart(5)} s  ${f.phase === 'contended' ? 'CONTENDED     ' : f.phase === 'tighter target' ? 'TIGHTER TARGET' : 'idle          '}  level ${f.decision.subnet} (${f.decision.id})  ` +
          `latency ${f.decision.measuredMs.toFixed(3)} / target ${f.decision.targetMs.toFixed(3)} ms ${f.decision.met ? 'ok  ' : 'MISS'}  ` +
          `frames ${f.frame + 1}  running top-1 ${Number.isNaN(f.runningTop1) ? '-' : `${f.runningTop1.toFixed(2)}%`}`;
        if (live) process.stdout.write(`\r${line}`);
        else console.log(line);
      },
    });
    if (quiet) {
      emitJson(true, { ...result, frames: undefined });
      return;
    }
    if (live) process.stdout.write('\n');
    console.log(`\nsummary: ${result.frames.length} frames in ${result.start.seconds} s, ${result.switches} switches`);
    console.log(table(['level', 'id', 'frames', 'p50 latency ms', 'deadline met'],
      result.perLevel.map((l) => [l.index, l.id, l.frames, l.frames ? l.p50Ms.toFixed(3) : '-', l.frames ? `${(100 * l.metRate).toFixed(1)}%` : '-'])));
    console.log(table(['phase', 'frames', 'deadline met', 'mean level'],
      result.phases.map((p) => [p.name, p.frames, p.frames ? `${(100 * p.metRate).toFixed(2)}%` : '-', p.frames ? p.meanLevel.toFixed(2) : '-'])));
    console.log(`deadline met on ${(100 * result.stats.deadlineMetRate).toFixed(2)}% of frames; mean accuracy of the sub-networks run ${result.stats.meanAccuracy.toFixed(2)}%` +
      (result.labelled ? `; measured top-1 on the ${result.labelled} labelled frames ${((100 * result.correct) / result.labelled).toFixed(2)}%` : ''));
    const stepUps = (s: StepUpSummary): string => (s.count ? `${s.count}, first frame ${s.firstFrameRatioP50.toFixed(2)}x the level's median` : 'none');
    console.log(`step-ups (prewarm ${result.prewarm}): warmed ${stepUps(result.stepUps.warmed)}; not warmed ${stepUps(result.stepUps.cold)}`);
    console.log(`chart: ${result.chartPath}`);
    emitJson(o.json, { ...result, frames: undefined });
  });
