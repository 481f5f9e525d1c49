// Process and worker lifecycles: exiting or terminating while inferences run must end cleanly.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { slowFamily, tinyFamily } from '../helpers';

const dist = JSON.stringify(path.join(__dirname, '..', '..', 'dist'));

function runNode(script: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  return { status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}

describe('lifecycle', () => {
  it('process.exit() while inferences are queued and running exits with its code, silently', () => {
    for (let i = 0; i < 3; i++) {
      const result = runNode(`
        const { loadFamily } = require(${dist});
        loadFamily(${JSON.stringify(slowFamily)}, { warmupRuns: 1 }).then((m) => {
          for (let k = 0; k < 5; k++) m.infer().catch(() => {});
          setTimeout(() => process.exit(7), 10 + ${i} * 7);
        });`);
      expect(result).toEqual({ status: 7, signal: null, stdout: '', stderr: '' });
    }
  });

  it('process.exit() with a model open releases ONNX Runtime first: no thread of its pool outlives the exit event', () => {
    // The process's threads once a model was loaded and closed (ONNX Runtime released, libuv's pool started) are what
    // must be left when the 'exit' listeners after the library's own have run, with a model open and a run in flight.
    const result = runNode(`
      const fs = require('node:fs');
      const { loadFamily } = require(${dist});
      const threads = () => fs.readdirSync('/proc/self/task').length;
      (async () => {
        const first = await loadFamily(${JSON.stringify(tinyFamily)}, { warmupRuns: 1, threads: 3 });
        await first.close();
        const released = threads();
        const m = await loadFamily(${JSON.stringify(tinyFamily)}, { warmupRuns: 1, threads: 3 });
        const loaded = threads();
        process.on('exit', () => console.log(JSON.stringify({ released, loaded, atExit: threads() })));
        m.infer().catch(() => {});
        process.exit(0);
      })();`);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const seen = JSON.parse(result.stdout) as { released: number; loaded: number; atExit: number };
    expect(seen.loaded).toBeGreaterThan(seen.released); // the pool's threads and the run thread: what must go
    expect(seen.atExit).toBe(seen.released);
  });

  it('terminating a worker_thread in the middle of inference leaves the process healthy', () => {
    const result = runNode(`
      const { Worker } = require('node:worker_threads');
      const { loadFamily } = require(${dist});
      const body = "const { loadFamily } = require(${dist.replace(/"/g, '\\"')}); loadFamily(${JSON.stringify(slowFamily).replace(/"/g, '\\"')}, { warmupRuns: 1 }).then(async (m) => { require('node:worker_threads').parentPort.postMessage('ready'); for (;;) await m.infer(); });";
      (async () => {
        for (let i = 0; i < 8; i++) {
          const worker = new Worker(body, { eval: true });
          await new Promise((resolve) => worker.once('message', resolve));
          await new Promise((resolve) => setTimeout(resolve, 10 + i * 9));
          await worker.terminate();
        }
        const m = await loadFamily(${JSON.stringify(tinyFamily)}, { warmupRuns: 1 });
        const r = await m.infer();
        await m.close();
        console.log('ok ' + r.output.length);
      })();`);
    expect(result).toEqual({ status: 0, signal: null, stdout: 'ok 10\n', stderr: '' });
  });

  it('a model dropped without close() does not keep the process alive', () => {
    const result = runNode(`
      const { loadFamily } = require(${dist});
      loadFamily(${JSON.stringify(tinyFamily)}, { warmupRuns: 1 }).then(async (m) => { await m.infer(); console.log('done'); });`);
    expect(result).toEqual({ status: 0, signal: null, stdout: 'done\n', stderr: '' });
  });
});
