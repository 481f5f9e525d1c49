/**
 * DynamicModel.contention(): its device's contention signals through lib/sensing's sensor, what RuntimeManager
 * samples before each decision (and not with `sensing: false`); the sensor closes with the model.
 */
import * as fs from 'node:fs';
import { setTimeout as wait } from 'node:timers/promises';

import * as os from 'node:os';

import { loadFamily, RuntimeManager } from '../../lib';
import { Contention } from '../../lib/lab';
import type { FrameRecord } from '../../lib/manager/types';
import { tinyAndSlowModels, tinyFamily } from '../helpers';

const procStat = fs.existsSync('/proc/stat');
const onLinux = procStat ? it : it.skip;

describe('DynamicModel.contention()', () => {
  const models = tinyAndSlowModels();

  onLinux('samples the CPU sensor: others\' load as a share of the cores once it has an interval', async () => {
    const model = models.tiny;
    expect(model.device).toBe('cpu');
    expect(model.sensor.signals).toContain('others-cpu');
    const before = model.sensor.taken + model.sensor.skipped;
    model.contention();
    let sample = null;
    for (let i = 0; i < 50 && !(sample && Number.isFinite(sample.load)); i++) {
      await wait(20); // at least a clock tick of /proc/stat, and past the cost budget
      sample = model.contention();
    }
    expect(sample).not.toBeNull();
    expect(sample!.load).toBeGreaterThanOrEqual(0);
    expect(sample!.load).toBeLessThanOrEqual(1);
    expect(model.sensor.taken + model.sensor.skipped).toBeGreaterThanOrEqual(before + 2);
    expect(model.sensor.meanCostUs).toBeGreaterThan(0);
  });

  onLinux('counts the tasks that would wait for a core: busy processes beyond the spare cores are in the sample at once', async () => {
    const model = models.tiny;
    expect(model.sensor.signals).toContain('runnable');
    const busy = new Contention(os.availableParallelism() + 1); // more than every core: some always wait
    try {
      await busy.ready();
      busy.start();
      await wait(50);
      const seen: number[] = [];
      for (let i = 0; i < 20 && !seen.some((w) => w >= 1); i++) {
        await wait(20); // past the cost budget
        const sample = model.contention();
        if (sample && Number.isFinite(sample.waiting)) seen.push(sample.waiting!);
      }
      expect(seen.some((w) => w >= 1)).toBe(true);
    } finally {
      busy.stop();
      busy.dispose();
    }
  });

  it('tells the sensor the inference time since the last call (what its work budget weighs a sample against)', async () => {
    const model = models.tiny;
    model.contention();
    const spy = jest.spyOn(model.sensor, 'sample');
    try {
      let sum = 0;
      for (let i = 0; i < 3; i++) sum += (await model.infer(undefined, { subnet: i })).latencyMs;
      sum += model.inferSync(undefined, { subnet: 0 }).latencyMs;
      model.contention();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0]).toBeCloseTo(sum, 9);
      expect(sum).toBeGreaterThan(0);
      model.contention();
      expect(spy.mock.calls[1]![0]).toBeUndefined(); // no inference since: the time budget only
    } finally {
      spy.mockRestore();
    }
  });

  it('is what the runtime manager samples before each decision; sensing: false samples nothing', async () => {
    const model = models.tiny;
    const count = (): number => model.sensor.taken + model.sensor.skipped;
    const run = async (manager: RuntimeManager<Float32Array | undefined>): Promise<FrameRecord[]> => {
      const records: FrameRecord[] = [];
      manager.on('frame', (r) => records.push(r));
      for (let i = 0; i < 5; i++) await manager.infer(undefined);
      return records;
    };
    const on = new RuntimeManager<Float32Array | undefined>(model, { latencyTargetMs: 100 });
    expect(on.sensing).toBe(procStat);
    let before = count();
    const records = await run(on);
    if (procStat) {
      expect(count()).toBe(before + 5);
      expect(records.every((r) => 'signals' in r)).toBe(true);
    }
    const off = new RuntimeManager<Float32Array | undefined>(model, { latencyTargetMs: 100 }, { sensing: false });
    expect(off.sensing).toBe(false);
    before = count();
    expect((await run(off)).some((r) => 'signals' in r)).toBe(false);
    expect(count()).toBe(before);
  });

  it('closes with the model: contention() after close() throws E_CLOSED', async () => {
    const model = await loadFamily(tinyFamily, { threads: 1 });
    model.contention();
    await model.close();
    expect(() => model.contention()).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
  });
});
