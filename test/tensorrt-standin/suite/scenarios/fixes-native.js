'use strict';
// The TensorRT backend's fixes, closer to the addon (fixes.test.ts; each mode runs in its own process):
//   'probe': tensorrtProbe() and what loadFamily on the GPU says (libraries found but not loadable);
//   'int8-cache': buildEngine int8 with a calibration cache path that cannot be written;
//   'info-repeat': tensorrtInfo() and the TensorRT status asked several times;
//   'shutdown-queued': a run waiting on a TensorRT model's run thread when shutdown() stops it;
//   'exit-midway': process.exit(0) while buildEngine or an inference runs (prints its line first);
//   'build-contract': buildEngine called with each of its asserts broken once (E_INTERNAL "binding contract: ...").
// args: { mode, family?, cache?, onnx?, resolution?, calibrationCaches?, times?, families?, during? }
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { api, describeError, repoRoot, scenario, seededFloats } = require('./common');
const { buildNativeEngine, getBinding, loadNativeModel, SHARED_INPUT } = require(path.join(repoRoot, 'dist', 'native', 'addon'));
const { tensorRtStatus } = require(path.join(repoRoot, 'dist', 'backends', 'tensorrt-status'));
const { nativeLoadOptions } = require('./fixes-common');

/** Four float32 NCHW samples of `floats` values each (one input), back to back, for int8 calibration. */
function calibrationFile(floats) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-standin-calib-')), 'samples.f32');
  fs.writeFileSync(file, Buffer.from(seededFloats(floats * 4, 11).buffer));
  return file;
}

/** A TensorRT native model of the family's GPU engines (built first by loadFamily), as loadFamily loads them. */
async function nativeGpuModel(dir, cache) {
  const ids = JSON.parse(fs.readFileSync(path.join(dir, 'family.json'), 'utf8')).subnets.map((s) => s.id);
  return loadNativeModel(getBinding(), { ...nativeLoadOptions(dir, cache, 'gpu', ids), warmupRuns: 1 });
}

const modes = {
  async probe({ family }) {
    const probe = getBinding().tensorrtProbe();
    try {
      const model = await api.loadFamily(family, { device: 'gpu', warmupRuns: 1 });
      await model.close();
      return { probe, loaded: true };
    } catch (error) {
      return { probe, error: describeError(error) };
    }
  },

  async 'int8-cache'({ onnx, resolution, calibrationCaches }) {
    const calibrationData = calibrationFile(3 * resolution * resolution);
    const builds = [];
    for (const calibrationCache of calibrationCaches) {
      try {
        const { plan, report } = await buildNativeEngine(getBinding(), {
          onnx, dlaCore: -1, precision: 'int8', gpuFallback: false, workspaceBytes: 256 * 2 ** 20, calibrationData, calibrationCache,
        });
        builds.push({ calibrationCache, planBytes: plan.byteLength, calibrationCacheWritten: report.calibrationCacheWritten, warnings: report.warnings, exists: fs.existsSync(calibrationCache) });
      } catch (error) {
        builds.push({ calibrationCache, error: describeError(error) });
      }
    }
    return { builds };
  },

  async 'info-repeat'({ times = 5 }) {
    const binding = getBinding();
    const infos = [];
    for (let i = 0; i < times; i++) infos.push(JSON.stringify(binding.tensorrtInfo()));
    for (let i = 0; i < times; i++) infos.push(JSON.stringify(tensorRtStatus(binding).info));
    return { calls: infos.length, distinct: [...new Set(infos)].length, info: JSON.parse(infos[0]) };
  },

  async 'shutdown-queued'({ family, cache, families = 24 }) {
    // A model takes one run at a time, so its run thread has at most one task: run() then shutdown() at once,
    // on fresh models, finds it either taken (it runs, and shutdown() waits) or still waiting (abandoned).
    await (await api.loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 })).close(); // builds the engines
    const outcomes = [];
    const closeErrors = [];
    for (let i = 0; i < families; i++) {
      const native = await nativeGpuModel(family, cache);
      const run = native.run(i % native.subnetInfo().length, ...SHARED_INPUT);
      if (i % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 2)); // likely taken by then: shutdown() waits
      native.shutdown();
      // Without a handle the event loop would end with a run never settled: then no line is printed at all.
      outcomes.push(await run.then(() => 'resolved', (error) => `rejected ${error?.code}`));
      try {
        native.close(); // refuses while a run holds the model: a dropped run would hold it for ever
      } catch (error) {
        closeErrors.push(describeError(error));
      }
    }
    // Another model loaded, run and closed after them: the stats file (written at exit) covers all of them.
    const model = await api.loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 });
    await model.infer(undefined, { subnet: 0 });
    await model.close();
    return { outcomes, closeErrors };
  },

  async 'exit-midway'({ during, onnx, family, cache }) {
    const exit = () => setTimeout(() => process.exit(0), 0);
    if (during === 'build') {
      let started = false;
      const building = buildNativeEngine(getBinding(), { onnx, dlaCore: 0, precision: 'fp16', gpuFallback: true, workspaceBytes: 256 * 2 ** 20 }, () => {
        if (started) return;
        started = true;
        process.stdout.write(`${JSON.stringify({ exiting: 'during the build' })}\n`);
        exit();
      });
      await building;
      return { exiting: 'never: the build ended before its first progress event' };
    }
    const model = await api.loadFamily(family, { device: 'gpu', cache, warmupRuns: 1 });
    const running = [0, 1, 2].map((s) => model.infer(undefined, { subnet: s % model.subnets.length, inline: false }));
    process.stdout.write(`${JSON.stringify({ exiting: 'during inference' })}\n`);
    exit();
    await Promise.all(running);
    return { exiting: 'never: the inferences ended first' };
  },

  async 'build-contract'({ onnx }) {
    // A GPU fp16 build's positional values (buildNativeEngine's), each broken in turn; then the call as lib/ makes it.
    const valid = [onnx, -1, 'fp16', false, 256 * 2 ** 20, '', '', '', null];
    const names = ['onnx', 'dlaCore', 'precision', 'gpuFallback', 'workspaceBytes', 'timingCache', 'calibrationCache', 'calibrationData', 'onProgress'];
    const broken = [
      ['onnx', undefined], ['dlaCore', -2], ['dlaCore', 0.5], ['dlaCore', '0'], ['precision', 16], ['gpuFallback', 1],
      ['workspaceBytes', -1], ['workspaceBytes', 2 ** 53], ['timingCache', null], ['calibrationCache', undefined],
      ['calibrationData', 0], ['onProgress', 'progress'],
    ];
    const binding = getBinding();
    const calls = broken.map(([name, value]) => {
      const args = [...valid];
      args[names.indexOf(name)] = value;
      try {
        const pending = binding.buildEngine(...args);
        pending.catch(() => {});
        return { name, value: String(value), threw: false };
      } catch (error) {
        return { name, value: String(value), threw: true, error: describeError(error) };
      }
    });
    const events = [];
    const { plan } = await binding.buildEngine(...valid.slice(0, 8), (event) => events.push(event.stage));
    return { calls, built: { planBytes: plan.byteLength, progressEvents: events.length } };
  },
};

scenario((args) => modes[args.mode](args));
