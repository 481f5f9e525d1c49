'use strict';
// A TensorRT family against the CPU family of the same folder: every sub-network, random switches, requests queued
// with their inputs changed after the call, image input, and the shared output views. Prints the largest
// difference from the CPU path and what ran.
// args: { family, device, cache, steps?, seed?, dlaBudget?, image? }
const fs = require('node:fs');
const path = require('node:path');
const { api, seededFloats, maxAbsDiff, scenario, readU8 } = require('./common');

scenario(async ({ family, device, cache, steps = 60, seed = 1, dlaBudget, image = true }) => {
  const trt = await api.loadFamily(family, { device, cache, warmupRuns: 1, ...(dlaBudget ? { dlaBudget } : {}) });
  const cpu = await api.loadFamily(family, { device: 'cpu', threads: 1, warmupRuns: 1 });
  const cpuIndex = (id) => cpu.subnets.findIndex((s) => s.id === id);
  let maxDiff = 0;
  const ran = new Set();
  const compare = async (trtResult, subnetId, input) => {
    const reference = await cpu.infer(input, { subnet: cpuIndex(subnetId) });
    maxDiff = Math.max(maxDiff, maxAbsDiff(trtResult.output, reference.output));
    ran.add(subnetId);
  };
  // Every sub-network once, then random switches.
  for (let step = 0; step < trt.subnets.length + steps; step++) {
    const subnet = step < trt.subnets.length ? step : Math.floor(seededFloats(1, seed * 1000 + step)[0] * 0.5 * trt.subnets.length + trt.subnets.length / 2) % trt.subnets.length;
    const info = trt.subnets[subnet];
    const input = seededFloats(info.inputShape.reduce((a, b) => a * b, 1), seed * 7919 + step);
    trt.use(subnet);
    const result = await trt.infer(input);
    if (result.subnet !== subnet) throw new Error(`ran ${result.subnet}, asked ${subnet}`);
    await compare(result, info.id, input);
  }
  // Queued requests on the model's thread, each input overwritten right after its call: each result must be
  // for the input as it was when infer() was called.
  const queued = [];
  for (let i = 0; i < 12; i++) {
    const subnet = i % trt.subnets.length;
    const info = trt.subnets[subnet];
    const input = seededFloats(info.inputShape.reduce((a, b) => a * b, 1), seed * 31 + i);
    const kept = input.slice();
    queued.push(trt.infer(input, { subnet, inline: false }).then((r) => ({ r, kept, id: info.id })));
    input.fill(0.5);
  }
  for (const { r, kept, id } of await Promise.all(queued)) await compare(r, id, kept);
  // Image input, resized and normalized natively, through both paths.
  let imageRuns = 0;
  if (image) {
    const channels = trt.manifest.input.channels;
    const side = 28;
    const samples = path.join(family, 'sample-images.u8');
    const pixels = fs.existsSync(samples)
      ? readU8(samples).subarray(0, side * side * channels)
      : Uint8Array.from(seededFloats(side * side * channels, seed), (v) => Math.floor((v + 1) * 127.999));
    const picture = { data: pixels, width: side, height: side, format: channels === 1 ? 'gray' : 'rgb' };
    for (let subnet = 0; subnet < trt.subnets.length; subnet++) {
      const a = await trt.infer(picture, { subnet });
      const b = await cpu.infer(picture, { subnet: cpuIndex(trt.subnets[subnet].id) });
      maxDiff = Math.max(maxDiff, maxAbsDiff(a.output, b.output));
      imageRuns++;
    }
  }
  const memory = trt.deviceMemory;
  await trt.close();
  await cpu.close();
  return { device, subnets: trt.subnets.map((s) => s.id), subnetsRun: [...ran], maxAbsDiff: maxDiff, imageRuns, deviceMemory: memory };
});
