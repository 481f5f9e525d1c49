import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { type DynamicModel, loadFamily } from '../../lib';
import { maxAbsDiff, seededFloats, slowFamily, tinyFamily } from '../helpers';

describe('concurrency and the event loop', () => {
  let tiny: DynamicModel;
  let slow: DynamicModel;

  beforeAll(async () => {
    tiny = await loadFamily(tinyFamily);
    slow = await loadFamily(slowFamily, { warmupRuns: 1 });
  });
  afterAll(async () => {
    await tiny.close();
    await slow.close();
  });

  it('many concurrent infer calls all resolve with correct, unmixed outputs', async () => {
    const jobs = Array.from({ length: 120 }, (_, k) => {
      const subnet = tiny.subnets[k % tiny.subnets.length]!;
      return { subnet: subnet.index, input: seededFloats(subnet.inputShape.reduce((a, b) => a * b, 1), 1000 + k) };
    });
    const expected = jobs.map((j) => tiny.inferSync(j.input, { subnet: j.subnet }).output);
    const results = await Promise.all(jobs.map((j) => tiny.infer(j.input, { subnet: j.subnet })));
    results.forEach((r, k) => {
      expect(r.subnet).toBe(jobs[k]!.subnet);
      expect(maxAbsDiff(r.output, expected[k]!)).toBe(0);
    });
  });

  it('a queued request keeps the input it was given, even if the caller reuses the array', async () => {
    const input = seededFloats(3 * 16 * 16, 1);
    const expectedFirst = tiny.inferSync(input, { subnet: 0 }).output;
    const blocker = tiny.infer(seededFloats(3 * 32 * 32, 2), { subnet: 3 });
    const first = tiny.infer(input, { subnet: 0 });
    input.fill(0.5); // reused before the queued request ran
    const second = tiny.infer(input, { subnet: 0 });
    await blocker;
    expect(maxAbsDiff((await first).output, expectedFirst)).toBe(0);
    expect(maxAbsDiff((await second).output, tiny.inferSync(new Float32Array(3 * 16 * 16).fill(0.5), { subnet: 0 }).output)).toBe(0);
  });

  it('the event loop keeps turning while an inference runs', async () => {
    let turns = 0;
    let running = true;
    const spin = (): void => {
      if (!running) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const started = performance.now();
    const results = await Promise.all([slow.infer(), slow.infer(), slow.infer()]);
    const elapsed = performance.now() - started;
    running = false;
    const nativeMs = results.reduce((a, r) => a + r.latencyMs, 0);
    expect(nativeMs).toBeGreaterThan(10); // the model is slow enough for the check to mean something
    // A blocked loop would turn about once per inference; a free one turns many times per millisecond of work.
    expect(turns).toBeGreaterThan(Math.max(20, nativeMs / 5));
    expect(elapsed).toBeGreaterThanOrEqual(nativeMs * 0.9);
  });

  it('inference does not occupy libuv\'s thread pool (file system and crypto work keeps flowing)', () => {
    // With a pool of one thread, a pool-based inference would hold it; pbkdf2 would finish only after it.
    // Here it finishes while the (slow) inference is still running.
    const script = `
      const crypto = require('node:crypto');
      const { loadFamily } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist'))});
      (async () => {
        const model = await loadFamily(${JSON.stringify(slowFamily)}, { warmupRuns: 1 });
        let inferenceDone = 0;
        const runs = model.infer().then(() => { inferenceDone = performance.now(); });
        const cryptoDone = await new Promise((resolve) => crypto.pbkdf2('x', 'y', 1, 32, 'sha256', () => resolve(performance.now())));
        await runs;
        await model.close();
        console.log(JSON.stringify({ cryptoFirst: cryptoDone < inferenceDone }));
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, UV_THREADPOOL_SIZE: '1' }, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout.trim())).toEqual({ cryptoFirst: true });
  });

  it('inferSync does block the loop (so the test above can fail)', () => {
    let turns = 0;
    const immediate = setImmediate(() => turns++);
    slow.inferSync();
    expect(turns).toBe(0);
    clearImmediate(immediate);
  });

  it('inferSync refuses while async inferences are pending', async () => {
    const pending = slow.infer();
    expect(() => slow.inferSync()).toThrow(expect.objectContaining({ code: 'E_BUSY' }));
    await pending;
  });

  it('close() waits for in-flight work, then every call fails with E_CLOSED', async () => {
    const model = await loadFamily(tinyFamily, { warmupRuns: 1 });
    const inFlight = Array.from({ length: 10 }, () => model.infer());
    const closing = model.close();
    expect(model.closed).toBe(true);
    const results = await Promise.all(inFlight);
    expect(results).toHaveLength(10);
    await closing;
    expect(() => model.infer()).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
    expect(() => model.use(0)).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
    expect(() => model.inferSync()).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
    // Views stay readable after close.
    expect(model.output.length).toBe(10);
    await model.close(); // idempotent
  });
});
