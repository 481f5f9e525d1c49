#!/usr/bin/env node
'use strict';
// npm run demo [-- --family DIR --seconds N --fps N]
// The main job: load the bundled family on the CPU and classify its labelled images, one camera frame at a
// time, under the runtime manager, while another application (busy processes) comes and goes. Shows the
// current level, latency against the target and the running accuracy; ends with a summary and an SVG chart.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const { loadFamily, RuntimeManager, renderChart } = require('../dist');
const { parseArgs, defaultFamily, percentile, table, root } = require('./bench-util');
const { Contention } = require('./contention');
const { loadSample, syntheticFrame, argmax } = require('./family-sample');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const args = parseArgs(process.argv.slice(2), { family: defaultFamily(), seconds: '45', fps: '', burners: String(os.availableParallelism()), out: path.join(root, 'bench-results', 'demo') });
  const seconds = Number(args.seconds);
  const started = Date.now();
  const model = await loadFamily(args.family, { warmupRuns: 20 });
  const sample = loadSample(model);
  const frameAt = (t) => (sample ? sample.frame(t % sample.count) : syntheticFrame(model, t));
  console.log(`dynamic-ofa demo: family '${model.manifest.name}' on ${model.device}, ${model.subnets.length} sub-networks resident (loaded in ${Date.now() - started} ms)`);
  console.log(table(['level', 'id', 'top-1 %', 'resolution', 'MMACs', 'latency here ms'], model.subnets.map((s) => [s.index, s.id, s.accuracy.toFixed(2), s.resolution, s.macs ? (s.macs / 1e6).toFixed(2) : '-', s.latencyMs.toFixed(3)])));
  if (!sample) console.log('(this family ships no labelled sample: synthetic frames, no accuracy against labels)');

  // Target: the most accurate level meets it when the machine is idle (its p99 with room).
  const top = model.subnets.length - 1;
  const idle = [];
  for (let i = 0; i < 200; i++) idle.push((await model.infer(frameAt(i), { subnet: top, sharedOutput: true })).latencyMs);
  const target = Math.max(percentile(idle, 99) * 1.1, percentile(idle, 50) * 1.3);
  const fps = args.fps ? Number(args.fps) : Math.min(200, Math.floor(1000 / (target * 3)));
  const floor = model.subnets[Math.min(1, top)].accuracy;
  console.log(`target ${target.toFixed(3)} ms per frame at ${fps} frames/s, accuracy floor ${floor}%; ${args.burners} busy processes from ${(seconds / 3).toFixed(0)} s to ${((2 * seconds) / 3).toFixed(0)} s\n`);

  const managed = {
    device: model.device,
    subnets: model.subnets,
    infer: (frame, options) => model.infer(frame, { ...options, sharedOutput: true }),
  };
  const manager = new RuntimeManager(managed, { latencyTargetMs: target, accuracyFloor: floor });
  const switches = [];
  manager.on('switch', (e) => switches.push(e));
  const contention = new Contention(Number(args.burners));
  const records = [];
  const changes = [];
  let correct = 0;
  let labelled = 0;
  const periodMs = 1000 / fps;
  const runStart = performance.now();
  let lastPrint = 0;
  let t = 0;
  for (;;) {
    const elapsed = (performance.now() - runStart) / 1000;
    if (elapsed >= seconds) break;
    const contended = elapsed >= seconds / 3 && elapsed < (2 * seconds) / 3;
    if (contended && !contention.active) {
      contention.start();
      changes.push({ frame: t, kind: 'start' });
    } else if (!contended && contention.active) {
      contention.stop();
      changes.push({ frame: t, kind: 'end' });
    }
    const { result, decision } = await manager.infer(frameAt(t));
    records.push({ frame: t, subnet: decision.subnet, id: decision.id, accuracy: decision.accuracy, latencyMs: decision.measuredMs, predictedMs: decision.predictedMs, targetMs: target, met: decision.met });
    if (sample) {
      labelled++;
      if (argmax(result.output) === sample.label(t % sample.count)) correct++;
    }
    if (performance.now() - lastPrint > 250 || t === 0) {
      lastPrint = performance.now();
      const line = `${elapsed.toFixed(1).padStart(5)} s  ${contention.active ? 'CONTENDED' : 'idle     '}  level ${decision.subnet} (${decision.id})  ` +
        `latency ${decision.measuredMs.toFixed(3)} ms / target ${target.toFixed(3)} ${decision.met ? 'ok  ' : 'MISS'}  ` +
        `frames ${t + 1}  running top-1 ${labelled ? ((100 * correct) / labelled).toFixed(2) + '%' : '-'}`;
      if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
      else console.log(line);
    }
    t++;
    const next = runStart + t * periodMs;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  contention.dispose();
  if (process.stdout.isTTY) process.stdout.write('\n');
  const stats = manager.stats();
  await model.close();

  console.log(`\nsummary (${records.length} frames in ${seconds} s, ${switches.length} switches)`);
  const perLevel = model.subnets.map((s) => {
    const mine = records.filter((r) => r.subnet === s.index);
    return [s.index, s.id, mine.length, mine.length ? percentile(mine.map((r) => r.latencyMs), 50).toFixed(3) : '-', mine.length ? `${((100 * mine.filter((r) => r.met).length) / mine.length).toFixed(1)}%` : '-'];
  });
  console.log(table(['level', 'id', 'frames', 'p50 latency ms', 'deadline met'], perLevel));
  const phases = [['idle (before)', 0, changes[0]?.frame ?? records.length], ['contended', changes[0]?.frame ?? 0, changes[1]?.frame ?? records.length], ['idle (after)', changes[1]?.frame ?? records.length, records.length]];
  console.log(table(['phase', 'frames', 'deadline met', 'mean level'], phases.map(([name, a, b]) => {
    const part = records.slice(a, b);
    return [name, part.length, part.length ? `${((100 * part.filter((r) => r.met).length) / part.length).toFixed(2)}%` : '-', part.length ? (part.reduce((x, r) => x + r.subnet, 0) / part.length).toFixed(2) : '-'];
  })));
  console.log(`deadline met on ${(100 * stats.deadlineMetRate).toFixed(2)}% of frames; mean accuracy of the sub-networks run ${stats.meanAccuracy.toFixed(2)}%` +
    (labelled ? `; measured top-1 on the ${labelled} labelled frames ${((100 * correct) / labelled).toFixed(2)}%` : ''));
  fs.mkdirSync(args.out, { recursive: true });
  const chartPath = path.join(args.out, 'demo.svg');
  fs.writeFileSync(chartPath, renderChart([{ name: 'predictive', records: records.map((r) => ({ ...r, candidate: r.subnet })) }], { title: `dynamic-ofa demo: ${model.manifest.name}`, changes }));
  fs.writeFileSync(path.join(args.out, 'demo.json'), JSON.stringify({ family: model.manifest.name, target, fps, stats, switches: switches.length, labelled, correct, records }, null, 1));
  console.log(`chart: ${chartPath}`);
  if (records.length === 0 || (sample && labelled === 0)) throw new Error('no frames ran');
}

main().catch((error) => {
  console.error(`demo failed: ${error.code ? `${error.code}: ` : ''}${error.stack || error.message}`);
  process.exit(1);
});
