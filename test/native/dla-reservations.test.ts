/**
 * The addon's process-wide count of DLA loadables (binding/core/dla_reservations.cc): a load on a DLA core reserves
 * its models' loadables there in one step with the check, the model holds them until it is closed, collected or
 * fails to load, and every JS realm (worker_threads included) sees one count. The reservation does not depend on
 * the backend, so ONNX Runtime models stand in for DLA ones here; each test uses its own core number.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';

import { getBinding, loadedAddon, loadNativeModel, type NativeLoadOptions, type NativeModel } from '../../lib/native/addon';
import { tinyFamily } from '../helpers';
import { loadModelArgs, tinyLoadOptions } from './native-load';

/** s0 and s1 on DLA core `core`, holding `dlaLoadables` each, within the core's 16. */
const options = (core: number, dlaLoadables: number[]): NativeLoadOptions => {
  const base = tinyLoadOptions(['s0', 's1'], { dlaCore: core, dlaLoadableLimit: 16 });
  return { ...base, models: base.models.map((m, i) => ({ ...m, dlaLoadables: dlaLoadables[i] ?? 0 })) };
};
const load = (options: NativeLoadOptions): Promise<NativeModel> => loadNativeModel(getBinding(), options);
const residency = (core: number): number => getBinding().dlaResidency(core);

describe('process-wide DLA reservations', () => {
  it('two concurrent loads on one core: the first reserves, the second is refused with what the core holds', async () => {
    const outcomes = await Promise.allSettled([load(options(3, [5, 5])), load(options(3, [4, 4]))]);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'E_MODEL_LOAD', dlaResident: 10, message: expect.stringMatching(/DLA core 3: the model needs 8 DLA loadables, and this process already holds 10 of the 16/) } });
    expect([residency(3), residency(2), residency(4)]).toEqual([10, 0, 0]);
    const model = (outcomes[0] as PromiseFulfilledResult<NativeModel>).value;
    const fits = await load(options(3, [3, 3]));
    expect(residency(3)).toBe(16);
    model.close();
    expect(residency(3)).toBe(6);
    fits.close();
    expect(residency(3)).toBe(0);
  });

  it('a load that fails releases its reservation before its promise rejects', async () => {
    const valid = options(4, [6, 6]);
    const broken = load({ ...valid, models: [valid.models[0]!, { ...valid.models[1]!, path: path.join(tinyFamily, 'missing.onnx') }] });
    expect(residency(4)).toBe(12); // reserved synchronously, before anything is loaded
    await expect(broken).rejects.toMatchObject({ code: expect.stringMatching(/^E_/) });
    expect(residency(4)).toBe(0);
  });

  it('a model dropped without close() releases its loadables when it is collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await load(options(5, [7, 7]));
    expect(residency(5)).toBe(14);
    for (let i = 0; i < 50 && residency(5) > 0; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(residency(5)).toBe(0);
  });

  it('only a load on a DLA core reserves', async () => {
    (await load({ ...options(6, [1, 1]), dlaCore: -1 })).close();
    expect(residency(6)).toBe(0);
  });
});

describe('process-wide DLA reservations across worker_threads', () => {
  // Each worker loads when the main thread says go (both at once), reports, and holds its model until told.
  const body = `
    const { parentPort, workerData } = require('node:worker_threads');
    const binding = require(workerData.addon);
    Atomics.wait(workerData.go, 0, 0);
    binding.loadModel(...workerData.args).then(
      (model) => {
        parentPort.postMessage({ loaded: true, residency: binding.dlaResidency(workerData.core) });
        parentPort.once('message', (what) => { if (what === 'close') model.close(); parentPort.postMessage('done'); });
      },
      (error) => parentPort.postMessage({ loaded: false, code: error.code, dlaResident: error.dlaResident }));`;

  it('two workers loading on one core at once: one reserves, the other is refused; close and termination release', async () => {
    const go = new Int32Array(new SharedArrayBuffer(4));
    const workers = [0, 1].map(() => new Worker(body, { eval: true, workerData: { addon: loadedAddon().file, go, core: 7, args: loadModelArgs(options(7, [6, 6])) } }));
    const replies = workers.map((w) => new Promise<{ loaded: boolean; residency?: number; code?: string; dlaResident?: number }>((resolve) => w.once('message', resolve)));
    await new Promise((resolve) => setTimeout(resolve, 200)); // both workers waiting
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    const outcomes = await Promise.all(replies);
    const winner = outcomes.findIndex((o) => o.loaded);
    expect(outcomes.filter((o) => o.loaded)).toHaveLength(1);
    expect(outcomes[1 - winner]).toEqual({ loaded: false, code: 'E_MODEL_LOAD', dlaResident: 12 });
    expect(outcomes[winner]!.residency).toBe(12);
    expect(residency(7)).toBe(12); // the main thread sees what a worker holds

    // A worker that exits without closing its model releases it with the worker.
    await workers[1 - winner]!.terminate();
    const done = new Promise((resolve) => workers[winner]!.once('message', resolve));
    workers[winner]!.postMessage('keep');
    await done;
    await workers[winner]!.terminate();
    expect(residency(7)).toBe(0);
  });
});
