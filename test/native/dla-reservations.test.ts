/**
 * The addon's process-wide count of DLA loadables (binding/core/dla_reservations.cc): a load with `dlaLoadables`
 * reserves them on its DLA core in one step with the check, the family holds them until it is closed, collected
 * or fails to load, and every JS realm (worker_threads included) sees one count. The reservation does not depend
 * on the backend, so ONNX Runtime families stand in for DLA ones here; each test uses its own core number.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';

import { getBinding, loadedAddon, type NativeFamily, type NativeLoadOptions } from '../../lib/native/addon';
import { resolveOrtLibrary } from '../../lib/native/ort-library';
import { tinyFamily } from '../helpers';

const models = ['s0', 's1'].map((s) => path.join(tinyFamily, `${s}.onnx`));
const options = (core: number, dlaLoadables: number[], extra: Partial<NativeLoadOptions> = {}): NativeLoadOptions => ({
  models, backend: 'onnxruntime-cpu', dlaCore: core, ortLibrary: resolveOrtLibrary(), threads: 1, warmupRuns: 1,
  channels: 3, format: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], dlaLoadables, dlaLoadableLimit: 16, ...extra,
});
const residency = (core: number): number => getBinding().dlaResidency(core);

describe('process-wide DLA reservations', () => {
  it('two concurrent loads on one core: the first reserves, the second is refused with what the core holds', async () => {
    const outcomes = await Promise.allSettled([getBinding().loadFamily(options(3, [5, 5])), getBinding().loadFamily(options(3, [4, 4]))]);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'E_MODEL_LOAD', dlaResident: 10, message: expect.stringMatching(/DLA core 3: the family needs 8 DLA loadables, and this process already holds 10 of the 16/) } });
    expect([residency(3), residency(2), residency(4)]).toEqual([10, 0, 0]);
    const family = (outcomes[0] as PromiseFulfilledResult<NativeFamily>).value;
    const fits = await getBinding().loadFamily(options(3, [3, 3]));
    expect(residency(3)).toBe(16);
    family.close();
    expect(residency(3)).toBe(6);
    fits.close();
    expect(residency(3)).toBe(0);
  });

  it('a load that fails releases its reservation before its promise rejects', async () => {
    const broken = getBinding().loadFamily(options(4, [6, 6], { models: [models[0]!, path.join(tinyFamily, 'missing.onnx')] }));
    expect(residency(4)).toBe(12); // reserved synchronously, before anything is loaded
    await expect(broken).rejects.toMatchObject({ code: expect.stringMatching(/^E_/) });
    expect(residency(4)).toBe(0);
  });

  it('a family dropped without close() releases its loadables when it is collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await getBinding().loadFamily(options(5, [7, 7]));
    expect(residency(5)).toBe(14);
    for (let i = 0; i < 50 && residency(5) > 0; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(residency(5)).toBe(0);
  });

  it('asserts its contract: one count per model, and only with a DLA core', () => {
    expect(() => getBinding().loadFamily(options(6, [1]))).toThrow(/one count per model/);
    expect(() => getBinding().loadFamily(options(-1, [1, 1]))).toThrow(/without a DLA core/);
    expect(residency(6)).toBe(0);
  });
});

describe('process-wide DLA reservations across worker_threads', () => {
  // Each worker loads when the main thread says go (both at once), reports, and holds its family until told.
  const body = `
    const { parentPort, workerData } = require('node:worker_threads');
    const binding = require(workerData.addon);
    Atomics.wait(workerData.go, 0, 0);
    binding.loadFamily(workerData.options).then(
      (family) => {
        parentPort.postMessage({ loaded: true, residency: binding.dlaResidency(workerData.options.dlaCore) });
        parentPort.once('message', (what) => { if (what === 'close') family.close(); parentPort.postMessage('done'); });
      },
      (error) => parentPort.postMessage({ loaded: false, code: error.code, dlaResident: error.dlaResident }));`;

  it('two workers loading on one core at once: one reserves, the other is refused; close and termination release', async () => {
    const go = new Int32Array(new SharedArrayBuffer(4));
    const workers = [0, 1].map(() => new Worker(body, { eval: true, workerData: { addon: loadedAddon().file, go, options: options(7, [6, 6]) } }));
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

    // A worker that exits without closing its family releases it with the worker.
    await workers[1 - winner]!.terminate();
    const done = new Promise((resolve) => workers[winner]!.once('message', resolve));
    workers[winner]!.postMessage('keep');
    await done;
    await workers[winner]!.terminate();
    expect(residency(7)).toBe(0);
  });
});
