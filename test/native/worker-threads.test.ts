import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { loadFamily } from '../../lib';
import { maxAbsDiff, seededFloats, tinyFamily } from '../helpers';

interface WorkerReply {
  outputs?: { async: number[]; sync: number[] }[];
  error?: { code: string; message: string };
}

function runWorker(inputs: { subnet: number; data: Float32Array }[]): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, '..', 'fixtures', 'worker-infer.js'), { workerData: { family: tinyFamily, inputs } });
    worker.once('message', (reply: WorkerReply) => {
      void worker.terminate().then(() => resolve(reply));
    });
    worker.once('error', reject);
  });
}

describe('worker_threads', () => {
  it('loads and runs the same family in two workers at once, and on the main thread, with identical results', async () => {
    const main = await loadFamily(tinyFamily, { warmupRuns: 1 });
    const inputs = [0, 1, 2, 3].map((subnet) => ({
      subnet,
      data: seededFloats(main.subnets[subnet]!.inputShape.reduce((a, b) => a * b, 1), 40 + subnet),
    }));
    const expected = inputs.map((i) => main.inferSync(i.data, { subnet: i.subnet }).output);
    const replies = await Promise.all([runWorker(inputs), runWorker(inputs)]);
    for (const reply of replies) {
      expect(reply.error).toBeUndefined();
      expect(reply.outputs).toHaveLength(4);
      reply.outputs!.forEach((o, k) => {
        expect(maxAbsDiff(o.async, expected[k]!)).toBe(0);
        expect(maxAbsDiff(o.sync, expected[k]!)).toBe(0);
      });
    }
    // The main thread's family still works after the workers exited.
    expect(maxAbsDiff((await main.infer(inputs[3]!.data, { subnet: 3 })).output, expected[3]!)).toBe(0);
    await main.close();
  });
});
