#!/usr/bin/env node
'use strict';
// A robot perception service: camera frames from a GStreamer pipeline, inference in a worker_thread under the
// runtime manager, results and switch events over MQTT, constraints changeable over MQTT, /metrics for Prometheus
// and /healthz over HTTP, and a clean shutdown on SIGINT/SIGTERM. README.md has the topics and the options.
//
//   node examples/robot-service/service.js --source 'v4l2src device=/dev/video0' --mqtt mqtt://localhost:1883
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Worker } = require('node:worker_threads');
const { connectMqtt } = require('./mqtt-link');
const { startHttp } = require('./http-endpoints');

const log = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, t: Date.now(), ...fields })}\n`);
const options = {
    source: { type: 'string' }, // a GStreamer source; the service converts and scales it
    pipeline: { type: 'string' }, // or a whole pipeline of your own ending in raw frames of --width x --height --format
    width: { type: 'string', default: '64' },
    height: { type: 'string', default: '48' },
    format: { type: 'string', default: 'rgb' },
    fps: { type: 'string' },
    family: { type: 'string', default: path.join(path.dirname(require.resolve('dynamic-ofa/package.json')), 'engines', 'fashion-ofa') },
    target: { type: 'string', default: '0.6' }, // latency target, ms
    mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    topic: { type: 'string', default: 'robot/perception' },
    'http-host': { type: 'string', default: '127.0.0.1' },
    'http-port': { type: 'string', default: '9464' },
};
let args;
try {
  args = parseArgs({ options }).values;
} catch (error) {
  log('error', { code: 'E_INVALID_ARGUMENT', message: `${error.message}; options: ${Object.keys(options).map((o) => `--${o}`).join(' ')}` });
  process.exit(2);
}
const camera = {
  ...(args.pipeline ? { pipeline: args.pipeline } : { source: args.source ?? 'videotestsrc is-live=true' }),
  width: Number(args.width),
  height: Number(args.height),
  format: args.format,
  ...(args.fps ? { fps: Number(args.fps) } : {}),
};
const staleAfterMs = Math.max(2000, 5000 / Number(args.fps ?? 30)); // /healthz: no result for this long is unhealthy

const worker = new Worker(path.join(__dirname, 'inference-worker.js'), { workerData: { family: args.family, camera, constraints: { latencyTargetMs: Number(args.target) } } });
const state = { ready: false, results: 0, lastResultAt: 0, stopping: false, stopped: false, gstPid: undefined };
const metricsRequests = new Map();
let nextRequest = 0;

const mqtt = connectMqtt(args.mqtt, args.topic, {
  log,
  onConstraints: (constraints) => {
    if (constraints instanceof Error) mqtt.error({ code: 'E_CONSTRAINTS_INVALID', message: constraints.message });
    else worker.postMessage({ type: 'constraints', constraints });
  },
});

const httpReady = startHttp({
  host: args['http-host'],
  port: Number(args['http-port']),
  metrics: () => new Promise((resolve, reject) => {
    if (!state.ready || state.stopping) return reject(new Error('the inference worker is not running'));
    const id = nextRequest++;
    metricsRequests.set(id, { resolve, reject });
    worker.postMessage({ type: 'metrics', id });
  }),
  health: () => {
    const sinceLastResultMs = state.lastResultAt ? Date.now() - state.lastResultAt : null;
    const ok = state.ready && !state.stopping && sinceLastResultMs !== null && sinceLastResultMs < staleAfterMs;
    return { ok, ready: state.ready, results: state.results, sinceLastResultMs, mqttConnected: mqtt.connected };
  },
});

worker.on('message', (message) => {
  switch (message.type) {
    case 'ready':
      state.ready = true;
      state.gstPid = message.gstPid;
      httpReady.then((http) => log('ready', { httpPort: http.port, topics: mqtt.topics, subnets: message.subnets, gstLaunchArgs: message.gstLaunchArgs }), () => undefined);
      mqtt.constraints(message.constraints);
      break;
    case 'result':
      state.results++;
      state.lastResultAt = Date.now();
      mqtt.result(message.result);
      break;
    case 'switch':
      log('switch', message.event);
      mqtt.switched(message.event);
      break;
    case 'constraints':
      log('constraints', message.constraints);
      mqtt.constraints(message.constraints);
      break;
    case 'constraints-error':
      log('error', message.error);
      mqtt.error(message.error);
      break;
    case 'metrics':
      if (message.error) metricsRequests.get(message.id)?.reject(new Error(message.error));
      else metricsRequests.get(message.id)?.resolve({ contentType: message.contentType, text: message.text });
      metricsRequests.delete(message.id);
      break;
    case 'fatal': // the camera or the model could not start
      log('error', message.error);
      mqtt.error(message.error);
      shutdown(1);
      break;
    case 'stopped':
      state.stopped = true;
      worker.terminate(); // it stays alive after saying so (it listens for messages)
      log('stopped', message.stats);
      if (message.error) {
        log('error', message.error); // the pipeline stopped on its own
        mqtt.error(message.error);
      }
      shutdown(message.error ? 1 : 0);
      break;
  }
});
worker.on('exit', () => {
  for (const { reject } of metricsRequests.values()) reject(new Error('the inference worker has stopped'));
  metricsRequests.clear();
});
worker.on('error', (error) => {
  log('error', { code: error.code ?? 'E_INTERNAL', message: error.message });
  shutdown(1);
});

/** Stops the camera and the worker, then HTTP and MQTT; the process then ends on its own. */
function shutdown(exitCode) {
  process.exitCode = Math.max(process.exitCode ?? 0, exitCode);
  if (state.stopping) return;
  state.stopping = true;
  setTimeout(() => process.exit(), 10000).unref(); // a last resort, should any part hang
  stopAll().then(
    () => log('exit', { code: process.exitCode }),
    (error) => {
      log('error', { code: 'E_INTERNAL', message: `shutdown: ${error.message}` });
      process.exit(1);
    },
  );
}

async function stopAll() {
  const stopped = new Promise((resolve) => worker.once('exit', resolve));
  worker.postMessage({ type: 'stop' }); // the worker closes the pipeline (its gst-launch process ends) and the model
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  await worker.terminate();
  // A worker ended before it could close its pipeline leaves gst-launch-1.0 running: end it here.
  if (!state.stopped && state.gstPid) {
    try {
      process.kill(state.gstPid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const http = await httpReady.catch(() => null);
  await http?.close();
  await mqtt.close();
}

httpReady.catch((error) => {
  log('error', { code: error.code, message: `HTTP server: ${error.message}` });
  shutdown(1);
});
process.once('SIGINT', () => shutdown(0));
process.once('SIGTERM', () => shutdown(0));
