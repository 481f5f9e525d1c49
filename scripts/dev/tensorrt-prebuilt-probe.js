#!/usr/bin/env node
'use strict';
// Runs inside linux-arm64's userland under emulation (platform-run.js), or on this machine as the reference: loads
// the addon in DYNAMIC_OFA_BINARY (a TensorRT build, or the local CPU build when unset) through the package's
// public API, runs the bundled family's first sample image through every sub-network on the CPU, then asks for
// device 'gpu'. Prints one JSON object: backends(), tensorrtProbe(), the outputs, and the gpu load's error.
// --probe-only: backends() and tensorrtProbe() alone.
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  const root = path.join(__dirname, '..', '..');
  const dynamicOfa = require(root);
  const addon = process.env.DYNAMIC_OFA_BINARY ? require(process.env.DYNAMIC_OFA_BINARY) : undefined;
  const familyDir = path.join(root, 'engines', 'fashion-ofa');
  const { sample } = JSON.parse(fs.readFileSync(path.join(familyDir, 'family.json'), 'utf8'));
  const pixels = fs.readFileSync(path.join(familyDir, sample.images));
  const data = new Uint8Array(pixels.buffer, pixels.byteOffset, sample.width * sample.height * sample.channels);

  // DYNAMIC_OFA_BINARY is always a TensorRT build here, and every TensorRT build has tensorrtProbe().
  const report = { arch: process.arch, node: process.version, backends: addon?.backends(), probe: addon?.tensorrtProbe() };
  if (process.argv.includes('--probe-only')) {
    console.log(JSON.stringify(report));
    return;
  }
  const model = await dynamicOfa.loadFamily(familyDir, { threads: 1, warmupRuns: 1 });
  report.subnets = [];
  for (let s = 0; s < model.subnets.length; s++) {
    const result = await model.infer({ data, width: sample.width, height: sample.height, format: 'gray' }, { subnet: s });
    report.subnets.push({ id: model.subnets[s].id, output: Array.from(result.output) });
  }
  report.deviceMemory = model.deviceMemory;
  await model.close();
  try {
    const gpu = await dynamicOfa.loadFamily(familyDir, { device: 'gpu' });
    await gpu.close();
    report.gpu = { loaded: true };
  } catch (error) {
    report.gpu = { loaded: false, code: error.code, message: error.message };
  }
  console.log(JSON.stringify(report));
}

main().catch((error) => {
  console.error(`tensorrt-prebuilt-probe: ${error.code ?? ''} ${error.stack ?? error.message}`);
  process.exit(1);
});
