#!/usr/bin/env node
'use strict';
// What ONNX Runtime (onnxruntime-node) actually runs for a model, for the int8 export's checks.
//
//   node scripts/ofa/ort_profile.js --model M.onnx [--optimized OUT.onnx] [--runs 50] [--threads 1] [--json OUT.json]
//       Writes the graph after ORT's optimizations (--optimized; session option optimizedModelFilePath),
//       then profiles --runs runs (enableProfiling) and prints the time per operator type and the
//       slowest nodes. --json: {opTypes: {type: {us, count, share}}, nodes: [{name, opType, us, provider}],
//       totalUs, runs} where a node's us is its median over the runs and a type's the sum over its nodes.
// A random input in [-1, 1] of the model's declared shape; the model needs one float input.
const fs = require('fs');
const os = require('os');
const path = require('path');

const ort = require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[argv[i].slice(2)] = true;
    else { out[argv[i].slice(2)] = next; i++; }
  }
  return out;
}

function median(values) {
  const s = values.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median microseconds per run of every node (robust to other processes on shared cores) and their sum per
 * operator type, from ORT's chrome-trace profile. */
function summarise(events, runs) {
  const nodes = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const n = nodes.get(name) || { name, opType: e.args.op_name, provider: e.args.provider, times: [] };
    n.times.push(e.dur);
    nodes.set(name, n);
  }
  const list = [...nodes.values()].map(({ times, ...n }) => ({ ...n, us: median(times), calls: times.length }));
  const totalUs = list.reduce((a, n) => a + n.us, 0);
  const opTypes = {};
  for (const n of list) {
    const t = opTypes[n.opType] || (opTypes[n.opType] = { us: 0, count: 0, share: 0 });
    t.us += n.us;
    t.count += 1;
  }
  for (const t of Object.values(opTypes)) t.share = t.us / totalUs;
  list.sort((a, b) => b.us - a.us);
  return { opTypes, nodes: list, totalUs, runs };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.model) throw new Error('--model is required');
  const runs = Number(args.runs || 50);
  const threads = Number(args.threads || 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-'));
  const options = {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    enableProfiling: true, profileFilePrefix: path.join(dir, 'profile'),
  };
  if (args.optimized) options.optimizedModelFilePath = path.resolve(args.optimized);
  const session = await ort.InferenceSession.create(path.resolve(args.model), options);
  const name = session.inputNames[0];
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const shape = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' ? d : 1)) : JSON.parse(args.shape);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  const feed = { [name]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < 5; i++) await session.run(feed);
  const t0 = Date.now();
  for (let i = 0; i < runs; i++) await session.run(feed);
  session.endProfiling();
  const wall = (Date.now() - t0) / runs;
  const file = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => f.endsWith('.json'));
  const events = JSON.parse(fs.readFileSync(file, 'utf8'));
  // keep the last `runs` model runs only (the first five are warm-up)
  const runStarts = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.ts).sort((a, b) => a - b);
  const from = runStarts.length > runs ? runStarts[runStarts.length - runs] : 0;
  const summary = summarise(events.filter((e) => e.ts >= from), runs);
  summary.model = args.model;
  summary.threads = threads;
  summary.wallMsPerRun = wall;
  fs.rmSync(dir, { recursive: true, force: true });
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(summary, null, 1));
  const rows = Object.entries(summary.opTypes).sort((a, b) => b[1].us - a[1].us);
  console.log(`${args.model}: ${(summary.totalUs / 1000).toFixed(3)} ms of kernels per run (${runs} runs, ${threads} thread(s))`);
  for (const [t, v] of rows) console.log(`  ${t.padEnd(28)} ${(v.us / 1000).toFixed(3).padStart(8)} ms  ${(100 * v.share).toFixed(1).padStart(5)} %  x${v.count}`);
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
