'use strict';
// The inference worker_thread: owns the model and the runtime manager; never blocks the service's main thread.
const { parentPort, workerData } = require('node:worker_threads');
const { loadFamily, RuntimeManager } = require('../..');

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

(async () => {
  const model = await loadFamily(workerData.family, { threads: 1 });
  const labels = model.manifest.task?.labels ?? [];
  const manager = new RuntimeManager(model, { latencyTargetMs: workerData.latencyTargetMs });
  manager.on('switch', (event) => parentPort.postMessage({ type: 'switch', event: { from: event.from?.id ?? null, to: event.to.id, reason: event.reason } }));
  parentPort.postMessage({ type: 'ready', subnets: model.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, latencyMs: s.latencyMs })) });

  parentPort.on('message', async (message) => {
    try {
      if (message.type === 'stop') {
        parentPort.postMessage({ type: 'stats', stats: manager.stats() });
        await model.close();
        return;
      }
      const { frame } = message;
      // Zero-copy path: the frame's pixels arrived by transfer (not copied); the addon reads them in place and
      // writes the resized, normalized input straight into the chosen sub-network's native input buffer.
      const { result, decision } = await manager.infer({ data: frame.pixels, width: frame.width, height: frame.height, format: frame.format });
      const top = argmax(result.output);
      parentPort.postMessage({
        type: 'result',
        result: { frame: frame.id, label: labels[top] ?? String(top), subnet: decision.id, latencyMs: +decision.measuredMs.toFixed(3), met: decision.met },
      });
    } catch (error) {
      parentPort.postMessage({ type: 'error', error: { code: error.code, message: error.message } });
    }
  });
})().catch((error) => parentPort.postMessage({ type: 'error', error: { code: error.code, message: error.message } }));
