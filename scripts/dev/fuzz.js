#!/usr/bin/env node
'use strict';
// npm run fuzz -- [--seconds N] [--seed S]   (npm test runs it: 60 s when CI is set, else 10 s)
// Bounded fuzzing of everything that reads untrusted input: family.json (mutated manifests), model files
// (truncated, bit-flipped, random), and inference inputs (random lengths, types and image geometry) and options.
// Each case must end in a result or a typed DynamicOfaError; anything else, a crash or a hang fails the run.
// The cases run in a child process so a native crash is caught and reported with the seed that reproduces it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { parseArgs, root } = require('./script-args');

const KNOWN_CODES = new Set(['E_FAMILY_INVALID', 'E_MODEL_LOAD', 'E_INPUT_SHAPE', 'E_INPUT_TYPE', 'E_SUBNET_UNKNOWN', 'E_INVALID_ARGUMENT', 'E_BUSY']);

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];
const weirdValues = [null, true, -1, 0, 1e308, NaN, '', 'x', [], {}, [1, 2], '../../etc/passwd', '/abs.onnx', 3.5];

function mutateJson(r, value, depth = 0) {
  if (value === null || typeof value !== 'object' || depth > 6) return r() < 0.3 ? pick(r, weirdValues) : value;
  const copy = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0) return copy;
  const key = pick(r, keys);
  const action = r();
  if (action < 0.2) delete copy[key];
  else if (action < 0.4) copy[key] = pick(r, weirdValues);
  else copy[key] = mutateJson(r, copy[key], depth + 1);
  return copy;
}

async function child(seed, seconds) {
  const { loadFamily, DynamicOfaError } = require(path.join(root, 'dist'));
  const tiny = path.join(root, 'test', 'fixtures', 'tiny-family');
  const manifest = JSON.parse(fs.readFileSync(path.join(tiny, 'family.json'), 'utf8'));
  const models = manifest.subnets.map((s) => fs.readFileSync(path.join(tiny, s.model)));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-fuzz-'));
  const r = rng(seed);
  const counts = { manifest: 0, model: 0, input: 0, typed: 0, ok: 0 };
  const expectTyped = (error, what) => {
    if (!(error instanceof DynamicOfaError) || !KNOWN_CODES.has(error.code)) {
      throw new Error(`${what}: untyped or unexpected error ${error && error.name} ${error && error.code}: ${error && error.message}`);
    }
    counts.typed++;
  };
  // A family from the fuzzed folder must load and run, or fail with a typed error; the folder goes afterwards.
  const loadRunAndRemove = async (dir, what) => {
    try {
      const m = await loadFamily(dir, { warmupRuns: 1 });
      await m.infer();
      await m.close();
      counts.ok++;
    } catch (error) {
      expectTyped(error, `${what} case in ${dir}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const model = await loadFamily(tiny, { warmupRuns: 1 });
  const deadline = Date.now() + seconds * 1000;
  try {
    while (Date.now() < deadline) {
      const kind = r();
      if (kind < 0.3) {
        counts.manifest++;
        let mutated = manifest;
        for (let i = 1 + Math.floor(r() * 3); i > 0; i--) mutated = mutateJson(r, mutated);
        const dir = fs.mkdtempSync(path.join(work, 'm-'));
        manifest.subnets.forEach((s, i) => fs.writeFileSync(path.join(dir, s.model), models[i]));
        fs.writeFileSync(path.join(dir, 'family.json'), r() < 0.1 ? JSON.stringify(mutated).slice(0, Math.floor(r() * 200)) : JSON.stringify(mutated));
        await loadRunAndRemove(dir, 'manifest');
      } else if (kind < 0.5) {
        counts.model++;
        const dir = fs.mkdtempSync(path.join(work, 'f-'));
        const source = pick(r, models);
        let bytes;
        const how = r();
        if (how < 0.4) bytes = source.subarray(0, Math.floor(r() * source.length));
        else if (how < 0.8) {
          bytes = Buffer.from(source);
          for (let i = 1 + Math.floor(r() * 20); i > 0; i--) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
        } else bytes = Buffer.from(Array.from({ length: Math.floor(r() * 4096) }, () => Math.floor(r() * 256)));
        fs.writeFileSync(path.join(dir, 'm.onnx'), bytes);
        fs.writeFileSync(path.join(dir, 'family.json'), JSON.stringify({ ...manifest, subnets: [{ ...manifest.subnets[0], model: 'm.onnx' }] }));
        await loadRunAndRemove(dir, 'model');
      } else {
        counts.input++;
        const subnet = Math.floor(r() * 6) - 1;
        const choice = r();
        let input;
        if (choice < 0.3) input = new Float32Array(Math.floor(r() * 4000));
        else if (choice < 0.7) {
          const width = Math.floor(r() * 300) - 5;
          const height = Math.floor(r() * 300) - 5;
          const format = pick(r, ['gray', 'rgb', 'bgr', 'rgba', 'bgra', 'yuv', 7]);
          input = { data: new Uint8Array(Math.max(0, Math.floor(r() * 300 * 300 * 4))), width, height, format };
          if (r() < 0.3) input.stride = Math.floor(r() * 2000) - 10;
        } else input = pick(r, [...weirdValues, new Int32Array(10), new Float64Array(768), Buffer.alloc(12)]);
        try {
          const options = r() < 0.1 ? pick(r, weirdValues) : { subnet }; // now and then options of the wrong kind
          const result = r() < 0.5 ? await model.infer(input, options) : model.inferSync(input, options);
          if (!result.output.every(Number.isFinite)) throw new Error('non-finite output');
          counts.ok++;
        } catch (error) {
          expectTyped(error, `input case (subnet ${subnet})`);
        }
      }
    }
  } finally {
    await model.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(counts));
}

function parent() {
  // CI fuzzes for a minute; a developer's npm test for 10 s.
  const args = parseArgs(process.argv.slice(2), { seconds: process.env.CI ? '60' : '10', seed: String(Date.now() % 1e9), child: '' });
  const seconds = Number(args.seconds);
  const seed = Number(args.seed);
  const started = Date.now();
  const run = spawnSync(process.execPath, [__filename, '--child', '1', '--seed', String(seed), '--seconds', String(seconds)], {
    encoding: 'utf8',
    timeout: (seconds + 60) * 1000,
  });
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (run.error || run.status !== 0) {
    const why = run.error?.code === 'ETIMEDOUT' ? 'hung' : run.signal ? `crashed (${run.signal})` : `failed (exit ${run.status})`;
    console.error(`fuzz: ${why} after ${took} s; reproduce with: npm run fuzz -- --seed ${seed} --seconds ${seconds}`);
    console.error(run.stdout, run.stderr);
    process.exit(1);
  }
  const counts = JSON.parse(run.stdout.trim().split('\n').pop());
  console.log(`fuzz: ${counts.manifest} manifests, ${counts.model} model files, ${counts.input} inputs in ${took} s (seed ${seed}): ` +
    `${counts.typed} typed errors, ${counts.ok} ran; no crash, no hang, no untyped error`);
}

if (process.argv.includes('--child')) {
  const args = parseArgs(process.argv.slice(2), { seconds: '60', seed: '1', child: '' });
  child(Number(args.seed), Number(args.seconds)).catch((error) => {
    console.error(error.stack || error);
    process.exit(2);
  });
} else {
  parent();
}
