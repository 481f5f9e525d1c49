'use strict';
// int8 engines from the family's calibration images: build once (the calibrator reads the images and writes the
// cache), build again forced (the cache is reused: the calibrator's batches are not read again), load and compare
// with the CPU path (the stand-in runs fp32 whatever the precision: numerics of int8 are not proven here).
// args: { family, device, cache }
const fs = require('node:fs');
const path = require('node:path');
const { api, maxAbsDiff, scenario, seededFloats } = require('./common');
const { buildEngines } = require(path.join(__dirname, '..', '..', '..', '..', 'dist', 'cli', 'jobs', 'build-and-profile'));

scenario(async ({ family, device, cache }) => {
  const events = [];
  const build = (force) => buildEngines({ family, devices: [device], precision: 'int8', cache, force, runs: 3, warmupMs: 1, onEvent: (e) => events.push(e) });
  const first = await build(false);
  const cacheFiles = () => fs.readdirSync(cache, { recursive: true }).filter((f) => /calib/i.test(f) && !f.endsWith('.f32'));
  const afterFirst = cacheFiles();
  const calibrationEventsFirst = events.filter((e) => e.type === 'progress' && e.progress.stage === 'calibrate').length;
  events.length = 0;
  const second = await build(true);
  const calibrationEventsSecond = events.filter((e) => e.type === 'progress' && e.progress.stage === 'calibrate').length;
  const trt = await api.loadFamily(family, { device, cache, precision: 'int8', warmupRuns: 1, dlaBudget: 'trim' });
  const cpu = await api.loadFamily(family, { device: 'cpu', threads: 1, warmupRuns: 1 });
  let maxDiff = 0;
  for (let s = 0; s < trt.subnets.length; s++) {
    const input = seededFloats(trt.subnets[s].inputShape.reduce((a, b) => a * b, 1), s + 5);
    const a = await trt.infer(input, { subnet: s });
    const b = await cpu.infer(input, { subnet: cpu.subnets.findIndex((x) => x.id === trt.subnets[s].id) });
    maxDiff = Math.max(maxDiff, maxAbsDiff(a.output, b.output));
  }
  await trt.close();
  await cpu.close();
  return {
    built: first.results.map((r) => r.engine), rebuilt: second.results.map((r) => r.engine),
    calibrationCaches: afterFirst, calibrationEventsFirst, calibrationEventsSecond, maxAbsDiff: maxDiff, subnets: trt.subnets.length,
  };
});
