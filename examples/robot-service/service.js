#!/usr/bin/env node
'use strict';
// A small robot perception service: a camera thread hands frames to an inference worker_thread that runs the
// bundled family under the runtime manager; results and switch events come back to the main thread, which
// publishes them (here: one JSON line each on stdout; swap in ROS, MQTT or a WebSocket).
//
//   node examples/robot-service/service.js [--seconds 20] [--fps 60] [--family DIR]
//
// Zero-copy path: the worker writes each camera frame straight into the model's input view (native memory
// the ONNX Runtime session reads in place), so a frame is copied once, from the camera buffer into the model.
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const seconds = Number(args.seconds ?? 20);
const fps = Number(args.fps ?? 60);
const family = args.family ?? path.join(__dirname, '..', '..', 'engines', 'fashion-ofa');

const worker = new Worker(path.join(__dirname, 'inference-worker.js'), { workerData: { family, latencyTargetMs: Number(args.target ?? 0.6) } });
const publish = (topic, message) => process.stdout.write(`${JSON.stringify({ topic, t: Date.now(), ...message })}\n`);

let ready = false;
let inFlight = 0;
let dropped = 0;
let results = 0;
worker.on('message', (message) => {
  if (message.type === 'ready') {
    ready = true;
    publish('status', { ready: true, subnets: message.subnets });
    // The camera runs for --seconds once the model is loaded (loading time is not camera time).
    setTimeout(() => {
      clearInterval(camera);
      worker.postMessage({ type: 'stop' });
    }, seconds * 1000);
  } else if (message.type === 'result') {
    inFlight--;
    results++;
    publish('detections', message.result);
  } else if (message.type === 'switch') {
    publish('switch', message.event);
  } else if (message.type === 'stats') {
    publish('stats', { ...message.stats, results, dropped });
    worker.terminate();
  } else if (message.type === 'error') {
    publish('error', message.error);
    process.exitCode = 1;
    worker.terminate();
  }
});
worker.on('error', (error) => {
  publish('error', { message: error.message });
  process.exitCode = 1;
});

// The synthetic camera: a 64x48 RGB frame whose content moves with time. A real camera driver would hand
// over its own buffer; frames arriving while the worker is busy are dropped, as a robot wants the newest.
const width = 64;
const height = 48;
let frameNo = 0;
const camera = setInterval(() => {
  if (!ready) return;
  if (inFlight > 0) {
    dropped++;
    return;
  }
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + frameNo * 5) & 255;
  inFlight++;
  worker.postMessage({ type: 'frame', frame: { id: frameNo++, width, height, format: 'rgb', pixels } }, [pixels.buffer]);
}, 1000 / fps);

