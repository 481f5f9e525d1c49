'use strict';
// The inference worker_thread: owns the camera pipeline, the model, the runtime manager and its metrics, so that
// frames go from GStreamer's pipe to the addon without crossing threads. It never blocks the service's main
// thread, which owns MQTT, HTTP and the process's lifetime.
const { parentPort, workerData } = require('node:worker_threads');
const { loadFamily, RuntimeManager } = require('dynamic-ofa');
const { openPipeline } = require('dynamic-ofa/gstreamer');
const { managerMetrics } = require('dynamic-ofa/metrics');
const { Counter, Registry } = require('prom-client');

const post = (message) => parentPort.postMessage(message);
const plainError = (error) => ({ code: error.code ?? 'E_INTERNAL', message: error.message });

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Camera counters, read from the pipeline reader when Prometheus scrapes. */
function cameraMetrics(registry, camera) {
  const counter = (name, help, key) => new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(camera.stats()[key]); } });
  counter('robot_camera_frames_total', 'Frames the camera pipeline produced.', 'received');
  counter('robot_camera_frames_dropped_total', 'Camera frames replaced by a newer one while inference was busy.', 'dropped');
}

async function main() {
  const { family, camera: cameraOptions, constraints } = workerData;
  const model = await loadFamily(family, { threads: 1 });
  const labels = model.manifest.task?.labels ?? [];
  const manager = new RuntimeManager(model, constraints);
  const registry = new Registry();
  managerMetrics(manager, { registry });
  manager.on('switch', (e) => post({ type: 'switch', event: { frame: e.frame, from: e.from?.id ?? null, to: e.to.id, device: e.to.device, reason: e.reason } }));

  let camera;
  try {
    camera = await openPipeline(cameraOptions);
  } catch (error) {
    await model.close();
    throw error;
  }
  cameraMetrics(registry, camera);
  let stopping = false;
  parentPort.on('message', async (message) => {
    if (message.type === 'stop') {
      stopping = true;
      await camera.close(); // the frame loop below sees null and ends
    } else if (message.type === 'metrics') {
      try {
        post({ type: 'metrics', id: message.id, contentType: registry.contentType, text: await registry.metrics() });
      } catch (error) {
        post({ type: 'metrics', id: message.id, error: error.message });
      }
    } else if (message.type === 'constraints') {
      try {
        manager.setConstraints(message.constraints); // bad ones throw and leave the old ones in force
        post({ type: 'constraints', constraints: manager.constraints });
      } catch (error) {
        post({ type: 'constraints-error', error: plainError(error) });
      }
    }
  });
  post({ type: 'ready', subnets: model.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, latencyMs: s.latencyMs })), constraints: manager.constraints, gstLaunchArgs: camera.args, gstPid: camera.pid });

  let failure = null;
  try {
    // Newest frame first: frames that arrive while this one runs replace each other in the reader; none queue.
    for (let frame = await camera.next(); frame; frame = await camera.next()) {
      // Zero-copy from here: frame.image.data is the reader's pooled buffer; the addon reads it in place and
      // writes the resized, normalized input straight into the shared input of the chosen sub-network.
      const { result, decision } = await manager.infer(frame.image);
      const top = argmax(result.output);
      post({
        type: 'result',
        result: { frame: frame.number, label: labels[top] ?? String(top), subnet: decision.id, device: decision.device, latencyMs: +decision.measuredMs.toFixed(3), met: decision.met },
      });
    }
  } catch (error) {
    failure = plainError(error); // the pipeline stopped (E_PIPELINE_ENDED) or a frame failed
  }
  if (!stopping) await camera.close();
  const stats = manager.stats();
  await model.close();
  post({ type: 'stopped', error: failure, stats: { frames: stats.frames, deadlineMetRate: stats.deadlineMetRate, switches: stats.switches, camera: camera.stats() } });
}

main().catch((error) => post({ type: 'fatal', error: plainError(error) }));
