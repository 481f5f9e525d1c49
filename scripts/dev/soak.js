#!/usr/bin/env node
'use strict';
// npm run soak -- [--family DIR] [--count N] [--switch-every K] [--json PATH]
// Runs N inferences, switching sub-network every K frames (async, mixed float and image input), and reports
// RSS and handle growth after warm-up. Target: RSS growth under 5 MB after warm-up, no handle growth.
const fs = require('node:fs');
const path = require('node:path');

const { loadFamily } = require('../../dist');
const { getBinding } = require('../../dist/native/addon');
const { defaultFamilyDir } = require('../../dist/cli/common');
const { parseArgs } = require('./script-args');

// stdout and stderr show up as PipeWrap/TTYWrap once written to; they are not the family's.
const resources = () => (typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap') : []);
const handles = () => resources().length;
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
// The C heap as glibc counts it: in use grows with a leak, free with memory the allocator keeps (fragmentation).
const heapMiB = () => {
  const { inUseBytes, freeBytes } = getBinding().heapStats();
  return { inUse: inUseBytes / 2 ** 20, free: freeBytes / 2 ** 20 };
};

async function main() {
  const args = parseArgs(process.argv.slice(2), { family: defaultFamilyDir(), count: '100000', 'switch-every': '3', cycles: '200', json: '' });
  const count = Number(args.count);
  const switchEvery = Number(args['switch-every']);
  const warmup = Math.min(5000, Math.floor(count / 10));
  const model = await loadFamily(args.family);
  const channels = model.manifest.input.channels;
  const frame = { data: new Uint8Array(64 * 48 * channels).map((_, i) => (i * 31) % 256), width: 64, height: 48, format: channels === 1 ? 'gray' : 'rgb' };
  const floats = model.subnets.map((s) => new Float32Array(s.inputShape.reduce((a, b) => a * b, 1)).fill(0.25));

  let rssAfterWarmup = 0;
  let handlesAfterWarmup = 0;
  const samples = [];
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    if (i % switchEvery === 0) model.use((i / switchEvery) % model.subnets.length | 0);
    const active = model.active.index;
    const result = i % 2 === 0 ? await model.infer(frame) : await model.infer(floats[active]);
    if (result.output.length === 0) throw new Error('empty output');
    if (i + 1 === warmup) {
      global.gc?.();
      rssAfterWarmup = rssMiB();
      handlesAfterWarmup = handles();
    }
    if ((i + 1) % Math.max(1, Math.floor(count / 20)) === 0) {
      samples.push({ inferences: i + 1, rssMiB: rssMiB() });
      if (process.stdout.isTTY) process.stdout.write(`\r${i + 1}/${count} inferences, RSS ${rssMiB().toFixed(1)} MiB   `);
    }
  }
  global.gc?.();
  const result = {
    family: model.manifest.name, count, switchEvery, warmup, seconds: (Date.now() - started) / 1000,
    rssAfterWarmupMiB: rssAfterWarmup, rssEndMiB: rssMiB(), rssGrowthMiB: rssMiB() - rssAfterWarmup,
    handlesAfterWarmup, handlesEnd: handles(), resourcesEnd: resources(), samples, gcExposed: typeof global.gc === 'function',
  };
  await model.close();

  // Load/close cycles: every session, buffer and view must be freed.
  const cycles = Number(args.cycles);
  let rssBeforeCycles = 0;
  let heapBeforeCycles = heapMiB();
  const cycleSamples = [];
  for (let c = 0; c < cycles; c++) {
    const m = await loadFamily(args.family, { warmupRuns: 1 });
    await m.infer(frame);
    await m.close();
    if (c === Math.floor(cycles / 5)) {
      global.gc?.();
      rssBeforeCycles = rssMiB();
      heapBeforeCycles = heapMiB();
    }
    if ((c + 1) % Math.max(1, Math.floor(cycles / 10)) === 0) {
      const { inUse, free } = heapMiB();
      cycleSamples.push({ cycles: c + 1, rssMiB: rssMiB(), heapInUseMiB: inUse, heapFreeMiB: free, jsHeapMiB: process.memoryUsage().heapTotal / 2 ** 20 });
    }
  }
  global.gc?.();
  const heapEnd = heapMiB();
  Object.assign(result, {
    cycles, rssCyclesStartMiB: rssBeforeCycles, rssCyclesEndMiB: rssMiB(), rssCyclesGrowthMiB: rssMiB() - rssBeforeCycles,
    heapInUseCyclesGrowthMiB: heapEnd.inUse - heapBeforeCycles.inUse, heapFreeCyclesGrowthMiB: heapEnd.free - heapBeforeCycles.free, cycleSamples,
  });
  console.log(`\nsoak: ${count} inferences on ${result.family}, switching every ${switchEvery} frames, ${result.seconds.toFixed(1)} s`);
  console.log(`RSS after ${warmup} warm-up inferences: ${rssAfterWarmup.toFixed(2)} MiB; at the end: ${result.rssEndMiB.toFixed(2)} MiB; growth ${result.rssGrowthMiB.toFixed(2)} MiB (target < 5)`);
  console.log(`active handles after warm-up: ${handlesAfterWarmup}; at the end: ${result.handlesEnd}`);
  console.log(`load/close cycles: ${cycles}; RSS ${rssBeforeCycles.toFixed(2)} -> ${result.rssCyclesEndMiB.toFixed(2)} MiB after the first ${Math.floor(cycles / 5)} (growth ${result.rssCyclesGrowthMiB.toFixed(2)} MiB, target < 5)`);
  console.log(`C heap over the same cycles: in use ${result.heapInUseCyclesGrowthMiB >= 0 ? '+' : ''}${result.heapInUseCyclesGrowthMiB.toFixed(2)} MiB (a leak shows here), ` +
    `freed but kept by the allocator ${result.heapFreeCyclesGrowthMiB >= 0 ? '+' : ''}${result.heapFreeCyclesGrowthMiB.toFixed(2)} MiB`);
  if (args.json) fs.writeFileSync(path.resolve(args.json), JSON.stringify(result, null, 2));
  if (result.rssGrowthMiB >= 5 || result.rssCyclesGrowthMiB >= 5 || result.handlesEnd > handlesAfterWarmup) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`soak failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
  process.exit(1);
});
