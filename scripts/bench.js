#!/usr/bin/env node
'use strict';
// npm run bench -- [--family DIR] [--runs N] [--threads N] [--json PATH]
// Native latency of this addon vs onnxruntime-node's JS API on the same models and thread count, switch cost,
// use() time, event-loop delay during inference, and resident memory. Prints a table (and JSON with --json).
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const { loadFamily } = require('../dist');
const { parseArgs, defaultFamily, percentile, table } = require('./bench-util');

async function main() {
  const args = parseArgs(process.argv.slice(2), { family: defaultFamily(), runs: '300', threads: String(Math.min(os.availableParallelism(), 2)), json: '' });
  const runs = Number(args.runs);
  const threads = Number(args.threads);
  const rssBefore = process.memoryUsage().rss;
  const model = await loadFamily(args.family, { threads, warmupRuns: 10 });
  const rssAfterLoad = process.memoryUsage().rss;
  const modelBytes = model.manifest.subnets.reduce((sum, s) => sum + fs.statSync(path.join(model.dir, s.model)).size, 0);
  const ort = require('onnxruntime-node');
  const inputs = model.subnets.map((s) => Float32Array.from({ length: s.inputShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)));

  const rows = [];
  for (const subnet of model.subnets) {
    const input = inputs[subnet.index];
    // Ours: async infer on the shared input (written once), native latency and JS wall time per call.
    model.use(subnet.index);
    model.input.set(input);
    for (let i = 0; i < 20; i++) await model.infer(undefined, { sharedOutput: true });
    const oursNative = [];
    const oursWall = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = await model.infer(undefined, { sharedOutput: true });
      oursWall.push(Number(process.hrtime.bigint() - t0) / 1e6);
      oursNative.push(r.latencyMs);
    }
    // Theirs: onnxruntime-node's InferenceSession with the same thread count and optimization level.
    const session = await ort.InferenceSession.create(path.join(model.dir, model.manifest.subnets[subnet.index].model), {
      intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
    });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [...subnet.inputShape]) };
    for (let i = 0; i < 20; i++) await session.run(feeds);
    const theirsWall = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      theirsWall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await session.release();
    rows.push({
      id: subnet.id,
      oursNative: { p50: percentile(oursNative, 50), p90: percentile(oursNative, 90), p99: percentile(oursNative, 99) },
      oursWall: { p50: percentile(oursWall, 50), p90: percentile(oursWall, 90), p99: percentile(oursWall, 99) },
      theirsWall: { p50: percentile(theirsWall, 50), p90: percentile(theirsWall, 90), p99: percentile(theirsWall, 99) },
    });
  }
  for (const row of rows) row.ratio = row.oursWall.p50 / row.theirsWall.p50;

  // Switch cost: first inference after use(j) vs the steady p50 of j, cycling through every sub-network.
  const firstAfterSwitch = model.subnets.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const subnet of model.subnets) {
      model.use(subnet.index);
      firstAfterSwitch[subnet.index].push((await model.infer(undefined, { sharedOutput: true })).latencyMs);
    }
  }
  rows.forEach((row, j) => {
    row.switchP50 = percentile(firstAfterSwitch[j], 50);
    row.switchCost = row.switchP50 / row.oursNative.p50;
  });

  // use(): an index change.
  const useCalls = 200000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < useCalls; i++) model.use(i % model.subnets.length);
  const useMicros = Number(process.hrtime.bigint() - t0) / 1e3 / useCalls;

  // Event-loop delay while the largest sub-network runs back to back.
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  model.use(model.subnets.length - 1);
  histogram.enable();
  const until = Date.now() + 2000;
  while (Date.now() < until) await model.infer(undefined, { sharedOutput: true });
  histogram.disable();
  // The histogram samples every 1 ms and records the whole interval: subtract it to get the delay itself.
  const late = (ns) => Math.max(0, ns / 1e6 - 1);
  const loopDelay = { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max), mean: late(histogram.mean) };

  await model.close();
  const result = {
    family: model.manifest.name, dir: model.dir, threads, runs, node: process.version, cpus: os.cpus()[0]?.model, cores: os.availableParallelism(),
    subnets: rows,
    useMicros,
    eventLoopDelayMs: loopDelay,
    memory: { rssBeforeLoadMiB: rssBefore / 2 ** 20, rssAfterLoadMiB: rssAfterLoad / 2 ** 20, loadGrowthMiB: (rssAfterLoad - rssBefore) / 2 ** 20, modelFilesMiB: modelBytes / 2 ** 20 },
    targets: {
      ratioAllAtMost1: rows.every((r) => r.ratio <= 1.0),
      ratioSmallestAtMost09: rows[0].ratio <= 0.9,
      switchCostAtMost105: rows.every((r) => r.switchCost <= 1.05),
      useUnder10us: useMicros < 10,
      loopDelayUnder2ms: loopDelay.p99 < 2,
    },
  };

  const f = (v) => v.toFixed(3);
  console.log(`dynamic-ofa bench: family ${result.family} (${model.subnets.length} sub-networks), ${threads} threads, ${runs} runs, ${result.cpus}`);
  console.log(table(
    ['subnet', 'ours native p50/p90/p99 ms', 'ours e2e p50', 'onnxruntime-node e2e p50/p90/p99 ms', 'ratio ours/theirs', 'switch p50', 'switch cost'],
    rows.map((r) => [r.id, `${f(r.oursNative.p50)} / ${f(r.oursNative.p90)} / ${f(r.oursNative.p99)}`, f(r.oursWall.p50),
      `${f(r.theirsWall.p50)} / ${f(r.theirsWall.p90)} / ${f(r.theirsWall.p99)}`, r.ratio.toFixed(3), f(r.switchP50), r.switchCost.toFixed(3)]),
  ));
  console.log(`use(): ${useMicros.toFixed(3)} us per call`);
  console.log(`event-loop delay during back-to-back inference: p50 ${f(loopDelay.p50)} ms, p99 ${f(loopDelay.p99)} ms, max ${f(loopDelay.max)} ms`);
  console.log(`RSS: ${f(result.memory.rssBeforeLoadMiB)} MiB before load, ${f(result.memory.rssAfterLoadMiB)} MiB after loading all sub-networks (+${f(result.memory.loadGrowthMiB)} MiB); model files ${f(result.memory.modelFilesMiB)} MiB`);
  console.log('targets:', Object.entries(result.targets).map(([k, v]) => `${k}=${v ? 'met' : 'MISSED'}`).join(', '));
  if (args.json) {
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, JSON.stringify(result, null, 2));
    console.log(`JSON written to ${args.json}`);
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
  process.exit(1);
});
