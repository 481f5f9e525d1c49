'use strict';
// The DLA loadable budget with the stand-in's 16 loadables per core:
//   mode 'single': one load with the given dlaBudget;
//   mode 'concurrent': two loads of the family on the same core at once (Promise.all);
//   mode 'workers': the same from two worker_threads.
// Prints, per load, what loaded or the error, and the loadables each family reports.
// args: { family, device, cache, mode, dlaBudget? }
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { api, describeError, scenario } = require('./common');

async function loadOnce({ family, device, cache, dlaBudget }) {
  try {
    const model = await api.loadFamily(family, { device, cache, warmupRuns: 1, ...(dlaBudget ? { dlaBudget } : {}) });
    const loaded = model.subnets.map((s) => s.id);
    await model.infer(undefined, { subnet: 0 });
    return { loaded, close: () => model.close() };
  } catch (error) {
    return { error: describeError(error) };
  }
}

if (!isMainThread) {
  // A worker: load, tell the parent, hold the family until told to close.
  loadOnce(workerData).then((outcome) => {
    parentPort.postMessage({ loaded: outcome.loaded, error: outcome.error });
    parentPort.once('message', async () => {
      await outcome.close?.();
      parentPort.postMessage('closed');
    });
  });
} else {
  scenario(async (args) => {
    if (args.mode === 'single') {
      const outcome = await loadOnce(args);
      await outcome.close?.();
      return { loads: [{ loaded: outcome.loaded, error: outcome.error }] };
    }
    if (args.mode === 'concurrent') {
      const outcomes = await Promise.all([loadOnce(args), loadOnce(args)]);
      for (const o of outcomes) await o.close?.();
      return { loads: outcomes.map((o) => ({ loaded: o.loaded, error: o.error })) };
    }
    const workers = [0, 1].map(() => new Worker(path.join(__filename), { workerData: args }));
    const first = await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    await Promise.all(workers.map((w) => {
      const closed = new Promise((resolve) => w.once('message', resolve));
      w.postMessage('close');
      return closed.then(() => w.terminate());
    }));
    return { loads: first };
  });
}
