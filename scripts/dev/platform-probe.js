#!/usr/bin/env node
'use strict';
// Runs inside a platform's userland (see platform-run.js): loads the bundled family through the package's public
// API and runs a few of its sample images through every sub-network. Prints one JSON object: the outputs, the
// glibc in use, the shared libraries mapped into the process and the time per inference.
// Usage: node platform-probe.js [--package DIR|NAME] [--images N]   (NAME: installed in the working folder)
const fs = require('node:fs');
const path = require('node:path');

const { option } = require('../build/tools');

/** Shared objects mapped into this process (libc, libstdc++, the addon, ONNX Runtime, ...), deduplicated. */
function mappedLibraries() {
  const files = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/).slice(5).join(' '));
  return [...new Set(files.filter((f) => /\.(so(\.[\d.]+)?|node)$/.test(f)))];
}

async function main() {
  const spec = option('package', path.join(__dirname, '..', '..'));
  const images = Number(option('images', '2'));
  // A name is looked up in the working folder's node_modules only (require.resolve from this script, which lives
  // inside the repository, would find the repository itself by its own name).
  const packageJson = path.isAbsolute(spec) ? path.join(spec, 'package.json') : path.join(process.cwd(), 'node_modules', spec, 'package.json');
  const dynamicOfa = require(path.dirname(packageJson));
  // Internal modules of the same installed package (the same instances the public API uses): which addon and
  // ONNX Runtime library the package chose by itself.
  const { loadedAddon } = require(path.join(path.dirname(packageJson), 'dist', 'native', 'addon.js'));
  const { resolveOrtLibrary } = require(path.join(path.dirname(packageJson), 'dist', 'native', 'ort-library.js'));
  const familyDir = path.join(path.dirname(packageJson), 'engines', 'fashion-ofa');
  const { sample } = JSON.parse(fs.readFileSync(path.join(familyDir, 'family.json'), 'utf8'));
  const pixels = fs.readFileSync(path.join(familyDir, sample.images));
  const frameBytes = sample.width * sample.height * sample.channels;

  const model = await dynamicOfa.loadFamily(familyDir, { threads: 1, warmupRuns: 1 });
  const subnets = [];
  let inferences = 0;
  const start = process.hrtime.bigint();
  for (let s = 0; s < model.subnets.length; s++) {
    const outputs = [];
    for (let i = 0; i < images; i++) {
      const data = new Uint8Array(pixels.buffer, pixels.byteOffset + i * frameBytes, frameBytes);
      const result = await model.infer({ data, width: sample.width, height: sample.height, format: 'gray' }, { subnet: s });
      outputs.push(Array.from(result.output));
      inferences++;
    }
    subnets.push({ id: model.subnets[s].id, outputs });
  }
  const msPerInference = Number(process.hrtime.bigint() - start) / 1e6 / inferences;
  await model.close();
  const report = process.report.getReport();
  console.log(JSON.stringify({
    arch: process.arch,
    node: process.version,
    glibc: report.header.glibcVersionRuntime,
    addon: (({ file, origin, looked }) => ({ file, origin, looked }))(loadedAddon()),
    ortLibrary: resolveOrtLibrary(),
    libraries: mappedLibraries(),
    msPerInference,
    subnets,
  }));
}

main().catch((error) => {
  console.error(`platform-probe: ${error.code ?? ''} ${error.stack ?? error.message}`);
  process.exit(1);
});
