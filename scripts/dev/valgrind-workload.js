'use strict';
// The workload `npm run valgrind` runs under memcheck (scripts/dev/valgrind.sh): load / infer / switch / close
// cycles, then one model left open with an inference in flight when the process ends, the way `how` says:
// 'natural' (the event loop runs dry: Node's env cleanup hooks run) or 'process-exit' (process.exit(): they do not,
// the 'exit' event does). Either way no ONNX Runtime thread may outlive the exit handlers.
const { loadFamily } = require('../../dist');

const family = require('node:path').join(__dirname, '..', '..', 'test', 'fixtures', 'tiny-family');
const image = { data: new Uint8Array(30 * 20 * 3), width: 30, height: 20, format: 'rgb' };

async function main(how) {
  for (let c = 0; c < 6; c++) {
    const m = await loadFamily(family, { warmupRuns: 1, copyBuffers: c % 2 === 1 });
    for (let i = 0; i < 20; i++) {
      m.use(i % 4);
      await m.infer(image);
      m.inferSync(new Float32Array(m.input.length));
      try {
        m.inferSync(new Float32Array(3));
      } catch {
        // the typed error for a wrong input size: part of the workload
      }
    }
    await m.close();
  }
  global.gc?.();
  const open = await loadFamily(family, { warmupRuns: 1, threads: 2 });
  const inFlight = open.infer(image).catch(() => undefined); // settles (or is closed) at exit
  if (how === 'process-exit') process.exit(0);
  return inFlight;
}

const how = process.argv[2] ?? 'natural';
if (how !== 'natural' && how !== 'process-exit') throw new Error(`valgrind-workload: 'natural' or 'process-exit', not '${how}'`);
main(how).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
