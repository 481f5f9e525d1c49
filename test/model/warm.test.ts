/**
 * DynamicModel.warm(): one run of a sub-network with its result thrown away, where an inference would run; the
 * shared views as they were; skipped when an inference is requested first or its signal aborts.
 */
import { loadFamily } from '../../lib';
import { elementCount } from '../../lib/model/input-checks';
import { maxAbsDiff, seededFloats, tinyAndSlowModels, tinyFamily } from '../helpers';

describe('warm()', () => {
  const models = tinyAndSlowModels();

  it('runs the sub-network where infer() would (a short one on the calling thread, a long one on the family thread)', async () => {
    const short = await models.tiny.warm(models.tiny.subnets[3]!.id);
    expect(short).toMatchObject({ warmed: true, subnet: 3, inline: true });
    expect(short.latencyMs).toBeGreaterThan(0);
    const long = await models.slow.warm(0);
    expect(long).toMatchObject({ warmed: true, subnet: 0, inline: false });
    expect(long.latencyMs).toBeGreaterThan(0);
  });

  it('leaves the shared output view and the shared input as they were', async () => {
    const input = seededFloats(elementCount(models.tiny.subnets[1]!.inputShape), 21);
    const last = await models.tiny.infer(input, { subnet: 1, sharedOutput: true });
    const expected = last.output.slice();
    const inputBefore = models.tiny.inputBuffer.slice();
    for (const subnet of [0, 2, 3]) expect((await models.tiny.warm(subnet, {})).warmed).toBe(true);
    expect(maxAbsDiff(models.tiny.output, expected)).toBe(0);
    expect(maxAbsDiff(models.tiny.inputBuffer, inputBefore)).toBe(0);
    // and the next inference is what it would have been without the warm-ups
    expect(maxAbsDiff((await models.tiny.infer(input, { subnet: 1 })).output, expected)).toBe(0);
  });

  it('queued behind a run, it is skipped when an inference is requested before it starts; the inference runs', async () => {
    const busy = models.slow.infer();
    const warm = models.slow.warm(0);
    const inference = models.slow.infer();
    const [, w, f] = await Promise.all([busy, warm, inference]);
    expect(w).toMatchObject({ warmed: false, skipped: 'superseded', subnet: 0 });
    expect(w.latencyMs).toBeNaN();
    expect(f.latencyMs).toBeGreaterThan(0);
    // with nothing requested after it, the queued warm-up runs
    const busy2 = models.slow.infer();
    const warm2 = models.slow.warm(0);
    await busy2;
    expect((await warm2).warmed).toBe(true);
  });

  it('skipped when its signal aborts before it starts', async () => {
    const controller = new AbortController();
    const busy = models.slow.infer();
    const warm = models.slow.warm(0, { signal: controller.signal });
    controller.abort();
    await busy;
    expect(await warm).toMatchObject({ warmed: false, skipped: 'aborted' });
    const aborted = AbortSignal.abort();
    expect(await models.tiny.warm(0, { signal: aborted })).toMatchObject({ warmed: false, skipped: 'aborted' });
  });

  it('bad arguments throw synchronously with the error infer() gives; a closed model throws E_CLOSED', async () => {
    expect(() => models.tiny.warm(99)).toThrow(expect.objectContaining({ code: 'E_SUBNET_UNKNOWN' }));
    expect(() => models.tiny.warm('nope')).toThrow(expect.objectContaining({ code: 'E_SUBNET_UNKNOWN', message: expect.stringContaining("'nope'") }));
    expect(() => models.tiny.warm(0, { signal: 'soon' as unknown as AbortSignal })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('options.signal') }),
    );
    const model = await loadFamily(tinyFamily, { threads: 1 });
    await model.close();
    expect(() => model.warm(0)).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
  });
});
