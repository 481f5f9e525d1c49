#!/usr/bin/env node
'use strict';
// npm run test:pack: what a user gets. Packs the package (prepack builds dist/ and the linux-x64 CPU prebuild),
// checks the file list, installs the tarball into an empty folder, then runs a require() smoke test and the
// demo from there. Dependencies come from the npm cache when present (--prefer-offline).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? `\n     ${detail}` : ''}`);
}

function run(command, args, cwd, extraEnv = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_onnxruntime_node_install: 'skip', ...extraEnv }, timeout: 10 * 60 * 1000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-pack-'));
const packed = run(npm, ['pack', '--json', '--pack-destination', work], root);
check('npm pack', packed.status === 0, packed.stderr.slice(-2000));
if (packed.status !== 0) process.exit(1);
// prepack's build logs share stdout with npm's JSON, which comes last.
const jsonStart = packed.stdout.lastIndexOf('\n[\n') + 1;
const [info] = JSON.parse(packed.stdout.slice(jsonStart));
const files = info.files.map((f) => f.path);
const has = (pattern) => files.some((f) => pattern.test(f));
check('contains the compiled library and CLI', has(/^dist\/index\.js$/) && has(/^dist\/index\.d\.ts$/) && has(/^dist\/cli\/main\.js$/) && has(/^dist\/lab\.js$/));
check(`contains the ${process.platform}-${process.arch} prebuild`, has(new RegExp(`^prebuilds/${process.platform}-${process.arch}/.+\\.node$`)));
check('contains the family.json schema (read by the loader and the Python toolkit)', has(/^lib\/family\/family\.schema\.json$/) && has(/^dist\/family\/family\.schema\.json$/));
// Every C++ source under binding/ (all layers), so a source build compiles what CMakeLists.txt lists.
const bindingSources = fs.readdirSync(path.join(root, 'binding'), { recursive: true })
  .filter((f) => /\.(cc|h)$/.test(f))
  .map((f) => `binding/${f.split(path.sep).join('/')}`);
const unpacked = bindingSources.filter((f) => !files.includes(f));
check('contains the C++ sources and CMakeLists.txt for source builds',
  bindingSources.length > 0 && unpacked.length === 0 && has(/^CMakeLists\.txt$/) && has(/^scripts\/build\/install\.js$/), unpacked.slice(0, 5).join(', '));
check('contains the bundled default family', has(/^engines\/fashion-ofa\/family\.json$/) && has(/^engines\/fashion-ofa\/.+\.onnx$/));
check('contains no tests, caches or build folders', !has(/^test\//) && !has(/\.engine-cache\//) && !has(/^build\//) && !has(/^deps\//) && !has(/tests\//) && !has(/__pycache__/),
  files.filter((f) => /^test\/|\.engine-cache\/|^build\/|^deps\/|tests\/|__pycache__/.test(f)).slice(0, 5).join(', '));
console.log(`     ${files.length} files, ${(info.size / 2 ** 20).toFixed(2)} MiB packed, ${(info.unpackedSize / 2 ** 20).toFixed(2)} MiB unpacked`);

const app = path.join(work, 'app');
fs.mkdirSync(app);
fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
const installed = run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, info.filename)], app);
check('npm install of the tarball into an empty folder', installed.status === 0, installed.stderr.slice(-2000));
const pkgDir = path.join(app, 'node_modules', 'dynamic-ofa');
check('the install used the prebuild (no source build)', !fs.existsSync(path.join(pkgDir, 'build')));

const smoke = run(process.execPath, ['-e', `
  const { loadFamily, backends } = require('dynamic-ofa');
  (async () => {
    const model = await loadFamily(require('path').join(require.resolve('dynamic-ofa/package.json'), '..', 'engines', 'fashion-ofa'));
    const r = await model.infer({ data: new Uint8Array(28 * 28).fill(128), width: 28, height: 28, format: 'gray' });
    await model.close();
    console.log(JSON.stringify({ backends: backends().filter((b) => b.available).map((b) => b.name), subnets: model.subnets.length, outputs: r.output.length }));
  })().catch((e) => { console.error(e.code, e.message); process.exit(1); });`], app);
let smokeResult = null;
try { smokeResult = JSON.parse(smoke.stdout.trim()); } catch { /* reported below */ }
check("require('dynamic-ofa') loads the bundled family and infers", smoke.status === 0 && smokeResult?.outputs === 10 && smokeResult.backends.includes('onnxruntime-cpu'), smoke.stderr || smoke.stdout);

const entries = run(process.execPath, ['-e', `
  const main = require('dynamic-ofa');
  const lab = require('dynamic-ofa/lab');
  console.log(JSON.stringify({ lab: ['makeTrace', 'simulate', 'runScenario', 'renderChart', 'Contention'].every((k) => typeof lab[k] === 'function'),
    mainHasLab: ['rng', 'makeTrace', 'renderChart'].some((k) => k in main), version: require('dynamic-ofa/package.json').version }));`], app);
let entriesResult = null;
try { entriesResult = JSON.parse(entries.stdout.trim()); } catch { /* reported below */ }
check("require('dynamic-ofa/lab') gives the experiments; the main entry does not", entries.status === 0 && entriesResult?.lab === true && entriesResult.mainHasLab === false && typeof entriesResult.version === 'string',
  entries.stderr || entries.stdout);

const demo = run(path.join(app, 'node_modules', '.bin', 'dynamic-ofa'), ['demo', '--seconds', '6', '--out', path.join(work, 'demo')], app);
check('npx dynamic-ofa demo runs from the installed package', demo.status === 0 && /measured top-1 on the \d+ labelled frames/.test(demo.stdout), demo.stderr || demo.stdout.slice(-1500));

fs.rmSync(work, { recursive: true, force: true });
console.log(`test:pack: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
