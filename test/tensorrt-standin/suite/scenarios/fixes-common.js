'use strict';
// Shared by fixes-load.js and fixes-native.js: the addon's own load options for engines already in a cache, and
// errors as the fixes suite records them.
const fs = require('node:fs');
const path = require('node:path');
const { describeError, repoRoot } = require('./common');
const { checkEngineBytes } = require(path.join(repoRoot, 'dist', 'engines', 'engine-file'));

/** The engine file's header (the placement and plan size loadFamily reads from it). */
function engineHeader(file) {
  const check = checkEngineBytes(new Uint8Array(fs.readFileSync(file)));
  if (!check.ok) throw new Error(`${file}: ${check.problem}`);
  return check.header;
}

/**
 * What loadNativeModel() (dist/native/addon) takes for the fp16 engines of `ids` in `cache` on `device` (gpu or
 * dlaN), as loadFamily passes them: each engine file with where its plan starts; on a DLA core, the loadables to
 * reserve.
 */
function nativeLoadOptions(familyDir, cache, device, ids) {
  const { input, subnets } = JSON.parse(fs.readFileSync(path.join(familyDir, 'family.json'), 'utf8'));
  const dlaCore = device === 'gpu' ? -1 : Number(device.slice(3));
  const models = ids.map((id) => {
    const file = path.join(cache, device, `${id}.fp16.engine`);
    const header = engineHeader(file);
    const subnet = subnets.findIndex((s) => s.id === id);
    return { subnet, path: file, offset: fs.statSync(file).size - header.planBytes, dlaLoadables: dlaCore >= 0 ? header.placement.dlaLoadables : 0 };
  });
  return {
    models, backend: 'tensorrt', dlaCore, dlaLoadableLimit: dlaCore >= 0 ? 16 : 0, ortLibrary: '', threads: 0, ortSessionDefaults: false, shareWeights: false, warmupRuns: 0,
    resolutions: subnets.map((s) => s.resolution ?? 0), channels: input.channels, format: input.format, mean: input.mean, std: input.std,
    externalBuffers: true,
  };
}

/** describeError, with an EngineCacheError's reason and the class name. */
const errorOf = (error) => ({ ...describeError(error), reason: error?.reason, className: error?.constructor?.name });

module.exports = { engineHeader, nativeLoadOptions, errorOf };
