#!/usr/bin/env node
'use strict';
// Small ONNX Runtime helper for the Python OFA toolkit (onnxruntime-node; the addon for latency).
//
//   node scripts/ofa/ort_run.js run --model M.onnx --input X.npy --output Y.npy [--per-sample] [--threads 1]
//       Runs the model on a float32 .npy input (input name "input"), writes the
//       first output ("logits") as float32 .npy. --per-sample feeds the rows of
//       X one at a time (for fixed batch-1 models) and stacks the outputs.
//   node scripts/ofa/ort_run.js bench --spec models.json --output lat.json [--runs 200] [--warmup 20] [--threads 1]
//       models.json: [{"id": "L0", "model": "L0.onnx", "shape": [1,1,28,28]}, ...]
//       Measures per-inference latency round-robin over the models (so load changes hit all alike)
//       through the project's own runtime (the addon's native latency, all models resident in one
//       family) when the package is built, else onnxruntime-node's wall time; writes
//       {id: {p50, p10, p90, mean, runs, runtime}} in ms.
const fs = require('fs');
const path = require('path');

function loadOrt() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    return require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));
  }
}
const ort = loadOrt();

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const key = a.slice(2);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) out[key] = true;
      else { out[key] = next; i++; }
    } else out._.push(a);
  }
  return out;
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (descr !== '<f4') throw new Error(`${file}: dtype ${descr}, expected <f4 (float32)`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: fortran order not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const off = hstart + hlen;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(off + 4 * i);
  return { data, shape };
}

function writeNpy(file, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const hbuf = Buffer.alloc(10);
  hbuf.write('\x93NUMPY', 0, 'latin1');
  hbuf[6] = 1; hbuf[7] = 0;
  hbuf.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i], 4 * i);
  fs.writeFileSync(file, Buffer.concat([hbuf, Buffer.from(header, 'latin1'), body]));
}

async function createSession(model, threads) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

async function cmdRun(args) {
  const threads = Number(args.threads || 1);
  const session = await createSession(args.model, threads);
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  const x = readNpy(args.input);
  if (args['per-sample']) {
    const n = x.shape[0];
    const per = x.data.length / n;
    const rowShape = [1, ...x.shape.slice(1)];
    let outs = null; let outPer = 0; let outShape = null;
    for (let i = 0; i < n; i++) {
      const t = new ort.Tensor('float32', x.data.subarray(i * per, (i + 1) * per), rowShape);
      const r = await session.run({ [inName]: t });
      const y = r[outName];
      if (!outs) { outPer = y.data.length; outShape = [n, ...y.dims.slice(1)]; outs = new Float32Array(n * outPer); }
      outs.set(y.data, i * outPer);
    }
    writeNpy(args.output, outs, outShape);
  } else {
    const r = await session.run({ [inName]: new ort.Tensor('float32', x.data, x.shape) });
    const y = r[outName];
    writeNpy(args.output, y.data, y.dims);
  }
}

function pct(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))));
  return sorted[i];
}

// Latency through the project's own runtime (the addon, as dist/ loads it): every model resident in one
// family, native latency, round-robin as a switching workload runs. Falls back to onnxruntime-node's JS API
// (wall time around session.run) when the package is not built.
async function addonTimes(spec, specPath, threads, runs, warmup) {
  let lib;
  try {
    lib = require(path.join(__dirname, '..', '..', 'dist', 'native.js'));
    lib.getBinding();
  } catch {
    return null;
  }
  const models = spec.map((s) => (path.isAbsolute(s.model) ? s.model : path.join(path.dirname(specPath), s.model)));
  const channels = spec[0].shape[1];
  const family = await lib.getBinding().loadFamily({
    models, backend: 'onnxruntime', dlaCore: -1, ortLibrary: lib.resolveOrtLibrary(), threads, warmupRuns: warmup,
    channels, format: channels === 1 ? 'gray' : 'rgb', mean: Array(channels).fill(0), std: Array(channels).fill(1),
  });
  const input = new Float32Array(family.inputBuffer);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37);
  const items = spec.map((s) => ({ id: s.id, times: [] }));
  try {
    for (let r = 0; r < runs; r++) {
      for (const [index, it] of items.entries()) it.times.push((await family.run(index)).latencyMs);
    }
  } finally {
    family.close();
  }
  return items;
}

async function ortTimes(spec, specPath, threads, runs, warmup) {
  const items = [];
  for (const s of spec) {
    const model = path.isAbsolute(s.model) ? s.model : path.join(path.dirname(specPath), s.model);
    const session = await createSession(model, threads);
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37);
    items.push({ id: s.id, session, feed: { [session.inputNames[0]]: new ort.Tensor('float32', data, s.shape) }, times: [] });
  }
  for (const it of items) for (let i = 0; i < warmup; i++) await it.session.run(it.feed);
  for (let r = 0; r < runs; r++) {
    for (const it of items) {
      const t0 = process.hrtime.bigint();
      await it.session.run(it.feed);
      it.times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return items;
}

async function cmdBench(args) {
  const threads = Number(args.threads || 1);
  const runs = Number(args.runs || 200);
  const warmup = Number(args.warmup || 20);
  const specPath = path.resolve(args.spec);
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
  let runtime = 'dynamic-ofa addon (native latency)';
  let items = await addonTimes(spec, specPath, threads, runs, warmup);
  if (!items) {
    runtime = 'onnxruntime-node (wall time; the package is not built)';
    items = await ortTimes(spec, specPath, threads, runs, warmup);
  }
  const out = {};
  for (const it of items) {
    const s = it.times.slice().sort((a, b) => a - b);
    out[it.id] = { p50: pct(s, 50), p10: pct(s, 10), p90: pct(s, 90), mean: s.reduce((a, b) => a + b, 0) / s.length, runs, runtime };
  }
  const txt = JSON.stringify(out, null, 1);
  if (args.output) fs.writeFileSync(args.output, txt);
  else process.stdout.write(txt + '\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cmd = args._[0];
  if (cmd === 'run') return cmdRun(args);
  if (cmd === 'bench') return cmdBench(args);
  throw new Error('usage: ort_run.js run|bench ... (see the header of this file)');
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
