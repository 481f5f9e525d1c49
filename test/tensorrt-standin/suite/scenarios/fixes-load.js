'use strict';
// The TensorRT backend's fixes, through loadFamily (fixes.test.ts; each mode runs in its own process):
//   'dla-count': load on a DLA core with the default dlaBudget ('refuse'), engines built here; what each build
//     report and engine file header say about DLA loadables, and how the inspector JSON names its layers.
//   'residency': the addon's process-wide DLA count (dlaResidency) across a failed native load, a load that
//     TensorRT refused once, both cores, a budget refusal, close, and a family held by a worker_thread.
//   'load': one loadFamily with the engine events ('check' / 'built') and the outcome; a run when it loaded.
// args: { mode, family, cache, device?, dlaBudget?, buildEngines? }
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { api, repoRoot, scenario, seededFloats } = require('./common');
const { engineHeader, errorOf, nativeLoadOptions } = require('./fixes-common');
const { getBinding, loadNativeModel } = require(path.join(repoRoot, 'dist', 'native', 'addon'));

async function load({ family, cache, device = 'gpu', dlaBudget, buildEngines }) {
  const events = [];
  const options = { device, cache, warmupRuns: 1, onEngineEvent: (e) => events.push(e), ...(dlaBudget ? { dlaBudget } : {}) };
  if (buildEngines !== undefined) options.buildEngines = buildEngines;
  const checks = () => events.filter((e) => e.type === 'check').map((e) => ({ subnet: e.subnet, action: e.decision.action, reason: e.decision.reason }));
  const built = () => events.filter((e) => e.type === 'built');
  try {
    const model = await api.loadFamily(family, options);
    const input = seededFloats(model.subnets[0].inputShape.reduce((a, b) => a * b, 1), 3);
    const ran = (await model.infer(input, { subnet: 0 })).output.length > 0;
    return { model, checks: checks(), built: built(), loaded: model.subnets.map((s) => s.id), ran };
  } catch (error) {
    return { checks: checks(), built: built(), error: errorOf(error) };
  }
}

const modes = {
  async 'dla-count'(args) {
    const outcome = await load(args);
    const engines = outcome.built.map((e) => {
      const layers = JSON.parse(e.report.engineInformation).Layers;
      return {
        subnet: e.subnet,
        reportPlacement: e.report.placement,
        headerPlacement: engineHeader(e.enginePath).placement,
        dlaLayerType: layers.filter((l) => l.LayerType === 'DLA').length,
        myelinForeignNodes: layers.filter((l) => l.LayerType === 'Myelin' && l.Name.startsWith('{ForeignNode[')).length,
        foreignNodeNames: layers.filter((l) => l.Name.startsWith('{ForeignNode[')).length,
      };
    });
    const resident = getBinding().dlaResidency(0);
    await outcome.model?.close();
    return { loaded: outcome.loaded, error: outcome.error, engines, resident };
  },

  async residency(args) {
    const binding = getBinding();
    const cores = () => [binding.dlaResidency(0), binding.dlaResidency(1)];
    const steps = [];
    const note = (step, extra = {}) => steps.push({ step, resident: cores(), ...extra });
    // 1. A native load that reserves s0 + s1 and fails at its 2nd deserialization: the reservation goes with it.
    try {
      const native = await loadNativeModel(binding, nativeLoadOptions(args.family, args.cache, 'dla0', ['s0', 's1']));
      native.close();
      note('native load', { loaded: true });
    } catch (error) {
      note('native load', { error: errorOf(error) });
    }
    // 2. loadFamily on dla0, its 2nd deserialization refused again: rebuilt once, loaded, holding s0 + s1 only once.
    const a = await load({ ...args, device: 'dla0', dlaBudget: 'trim' });
    note('dla0 loaded after a refused plan', { loaded: a.loaded, error: a.error, rebuilt: a.built.length });
    const b = await load({ ...args, device: 'dla1', dlaBudget: 'trim' });
    note('dla1 loaded', { loaded: b.loaded, error: b.error });
    const c = await load({ ...args, device: 'dla0', dlaBudget: 'trim' });
    note('dla0 again while held', { loaded: c.loaded, error: c.error });
    await c.model?.close();
    await a.model?.close();
    note('dla0 closed');
    await b.model?.close();
    note('dla1 closed');
    // 3. A family held by a worker_thread counts in this thread too.
    const worker = new Worker(__filename, { workerData: { ...args, device: 'dla0', dlaBudget: 'trim' } });
    const held = await new Promise((resolve) => worker.once('message', resolve));
    note('dla0 held by a worker', { loaded: held.loaded, error: held.error });
    const d = await load({ ...args, device: 'dla0', dlaBudget: 'trim' });
    note('dla0 while the worker holds it', { loaded: d.loaded, error: d.error });
    await d.model?.close();
    await new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage('close');
    });
    await worker.terminate();
    note('worker closed');
    const e = await load({ ...args, device: 'dla0', dlaBudget: 'trim' });
    note('dla0 once more', { loaded: e.loaded, error: e.error });
    await e.model?.close();
    note('all closed');
    return { steps };
  },

  async load(args) {
    const outcome = await load(args);
    await outcome.model?.close();
    return { loaded: outcome.loaded, ran: outcome.ran, error: outcome.error, checks: outcome.checks, built: outcome.built.map((e) => e.subnet) };
  },
};

if (!isMainThread) {
  // residency's worker: load, tell the parent, hold the family until told to close.
  load(workerData).then((outcome) => {
    parentPort.postMessage({ loaded: outcome.loaded, error: outcome.error });
    parentPort.once('message', async () => {
      await outcome.model?.close();
      parentPort.postMessage('closed');
    });
  });
} else {
  scenario((args) => modes[args.mode](args));
}
