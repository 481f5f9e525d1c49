#!/usr/bin/env node
'use strict';
// npm run test:registry: what a user gets. Packs the main and platform packages and publishes them to a local
// registry (scripts/dev/release-fixture.js), checks the main package's file list, then in empty folders with npm's
// default configuration:
//   - npm install dynamic-ofa, and npm install --ignore-scripts dynamic-ofa: the platform package is used, no
//     compiler runs (tripwire on PATH), onnxruntime-node is not installed at all; require('dynamic-ofa'), its
//     lab, gstreamer and metrics entries (the last without its optional peer prom-client), `npx dynamic-ofa info`
//     and `npx dynamic-ofa demo` work;
//   - npm install --os=linux --cpu=arm64 --libc=glibc --ignore-scripts dynamic-ofa: only the arm64 package, and
//     `dynamic-ofa info` runs under qemu (npx itself cannot run under emulation);
//   - npm install --omit=optional dynamic-ofa: install.js builds the addon from source from the packed files,
//     and the package runs once it is given an ONNX Runtime library.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { mainPackage, platformPackageName, prebuildPath, repoRoot: root } = require('../build/platforms');
const { timed } = require('../build/tools');
const { checkReport } = require('./check-report');
const { runNode } = require('./platform-run');
const { installedDir, installedPlatformPackages, npmInstall, runReleaseTest } = require('./release-fixture');

const report = checkReport('test:registry');
const { check } = report;

function run(command, args, cwd, env) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

/** The main package's file list as packed for release. */
function checkMainFiles(main) {
  const files = main.files;
  const has = (pattern) => files.some((f) => pattern.test(f));
  check('contains the compiled library and CLI', has(/^dist\/index\.js$/) && has(/^dist\/index\.d\.ts$/) && has(/^dist\/cli\/main\.js$/) && has(/^dist\/lab\.js$/)
    && has(/^dist\/gstreamer\.js$/) && has(/^dist\/metrics\.js$/));
  check('contains no prebuilt binary: those are in the platform packages', !has(/\.node$/) && !has(/\.so(\.\d+)*$/) && !has(/^prebuilds\//), files.filter((f) => /\.node$|\.so/.test(f)).join(', '));
  check('contains the family.json schema (read by the loader and the Python toolkit)', has(/^lib\/family\/family\.schema\.json$/) && has(/^dist\/family\/family\.schema\.json$/));
  // Every C++ source under binding/ (all layers), so a source build compiles what CMakeLists.txt lists.
  const bindingSources = fs.readdirSync(path.join(root, 'binding'), { recursive: true })
    .filter((f) => /\.(cc|h)$/.test(f))
    .map((f) => `binding/${f.split(path.sep).join('/')}`);
  const unpacked = bindingSources.filter((f) => !files.includes(f));
  check('contains the C++ sources, CMakeLists.txt and the install script with what it needs, for source builds',
    bindingSources.length > 0 && unpacked.length === 0 && has(/^CMakeLists\.txt$/)
      && ['install.js', 'ort-headers.js', 'debian-archive.js'].every((f) => files.includes(`scripts/build/${f}`)), unpacked.slice(0, 5).join(', '));
  check('contains the bundled default family', has(/^engines\/fashion-ofa\/family\.json$/) && has(/^engines\/fashion-ofa\/.+\.onnx$/));
  check('contains no tests, caches or build folders', !has(/^test\//) && !has(/\.engine-cache\//) && !has(/^build\//) && !has(/^deps\//) && !has(/tests\//) && !has(/__pycache__/),
    files.filter((f) => /^test\/|\.engine-cache\/|^build\/|^deps\/|tests\/|__pycache__/.test(f)).slice(0, 5).join(', '));
  const packed = JSON.parse(run('tar', ['-xzOf', main.tarball, 'package/package.json'], root).stdout);
  const expected = Object.fromEntries(Object.values(mainPackage.dynamicOfa.platformPackages).map((n) => [n, mainPackage.version]));
  check(`the released package.json names every platform package at exactly ${mainPackage.version} as optionalDependencies; the repository's names none`,
    JSON.stringify(packed.optionalDependencies) === JSON.stringify(expected) && !mainPackage.optionalDependencies && !packed.dependencies['onnxruntime-node'],
    JSON.stringify({ packed: packed.optionalDependencies, repository: mainPackage.optionalDependencies }));
  console.log(`     ${files.length} files, ${(main.size / 2 ** 20).toFixed(2)} MiB packed, ${(main.unpackedSize / 2 ** 20).toFixed(2)} MiB unpacked`);
}

/** What npm and the install script said that matters here: our install script's lines and npm's warnings. */
function printLog(installed) {
  const lines = [...new Set(installed.output.split('\n').filter((l) => /^dynamic-ofa: |npm warn|npm error/.test(l)))];
  for (const line of lines.slice(0, 12)) console.log(`     | ${line}`);
}

/** Install checks shared by the x64 installs: the platform package, no compiler, no onnxruntime-node. */
function checkInstalled(label, installed, { scripts }) {
  printLog(installed);
  const pkgDir = installedDir(installed.app, 'dynamic-ofa');
  const present = installedPlatformPackages(installed.app);
  const x64 = platformPackageName('x64');
  check(`${label}: succeeds with ${x64} and no other platform package (${installed.seconds.toFixed(0)} s)`,
    installed.status === 0 && present.join() === x64, `${installed.output.slice(-2000)}\ninstalled: ${present.join(', ')}`);
  check(`${label}: no compiler or build tool ran`, installed.compilerCalls.length === 0 && !/building the addon from source/.test(installed.output)
    && !fs.existsSync(path.join(pkgDir, 'build')), installed.compilerCalls.join('; '));
  check(`${label}: nothing was downloaded for a build (no deps/ in the package)`, !fs.existsSync(path.join(pkgDir, 'deps')));
  const lockFile = path.join(installed.app, 'package-lock.json');
  const lock = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, 'utf8') : '';
  check(`${label}: onnxruntime-node is not installed (so no install script of its ran)`,
    !fs.existsSync(installedDir(installed.app, 'onnxruntime-node')) && !lock.includes('onnxruntime-node') && !/onnxruntime-node/.test(installed.output));
  const ranOurs = installed.output.includes(`dynamic-ofa: using the prebuilt addon of ${x64}; nothing to build`);
  check(scripts ? `${label}: dynamic-ofa's install script ran and found the prebuilt addon` : `${label}: no install script ran`,
    scripts ? ranOurs : !ranOurs && !/> dynamic-ofa@[^ ]+ install/.test(installed.output), installed.output.slice(-1500));
}

/** require('dynamic-ofa') and its lab entry, npx dynamic-ofa info and demo, in an installed app. */
function checkRuns(label, app, env) {
  const smoke = run(process.execPath, ['-e', `
    const { loadFamily, backends } = require('dynamic-ofa');
    (async () => {
      const model = await loadFamily(require('path').join(require.resolve('dynamic-ofa/package.json'), '..', 'engines', 'fashion-ofa'));
      const r = await model.infer({ data: new Uint8Array(28 * 28).fill(128), width: 28, height: 28, format: 'gray' });
      await model.close();
      console.log(JSON.stringify({ backends: backends().filter((b) => b.available).map((b) => b.name), subnets: model.subnets.length, outputs: r.output.length }));
    })().catch((e) => { console.error(e.code, e.message); process.exit(1); });`], app, env);
  let smokeResult = null;
  try { smokeResult = JSON.parse(smoke.stdout.trim()); } catch { /* reported below */ }
  check(`${label}: require('dynamic-ofa') loads the bundled family and infers`, smoke.status === 0 && smokeResult?.outputs === 10 && smokeResult.backends.includes('onnxruntime-cpu'), smoke.stderr || smoke.stdout);

  const entries = run(process.execPath, ['-e', `
    const main = require('dynamic-ofa');
    const lab = require('dynamic-ofa/lab');
    console.log(JSON.stringify({ lab: ['makeTrace', 'simulate', 'runScenario', 'renderChart', 'Contention'].every((k) => typeof lab[k] === 'function'),
      mainHasLab: ['rng', 'makeTrace', 'renderChart'].some((k) => k in main), version: require('dynamic-ofa/package.json').version }));`], app, env);
  let entriesResult = null;
  try { entriesResult = JSON.parse(entries.stdout.trim()); } catch { /* reported below */ }
  check(`${label}: require('dynamic-ofa/lab') gives the experiments; the main entry does not`, entries.status === 0 && entriesResult?.lab === true && entriesResult.mainHasLab === false && typeof entriesResult.version === 'string',
    entries.stderr || entries.stdout);

  // prom-client is an optional peer: the app has not installed it, so the metrics entry loads and asks for it when used.
  const services = run(process.execPath, ['-e', `
    const gstreamer = require('dynamic-ofa/gstreamer');
    const metrics = require('dynamic-ofa/metrics');
    let missing = null;
    try { metrics.managerMetrics({}); } catch (e) { missing = e.code + ' ' + e.dependency; }
    console.log(JSON.stringify({ gstreamer: ['openPipeline', 'PipelineReader'].every((k) => typeof gstreamer[k] === 'function'), missing }));`], app, env);
  let servicesResult = null;
  try { servicesResult = JSON.parse(services.stdout.trim()); } catch { /* reported below */ }
  check(`${label}: dynamic-ofa/gstreamer and dynamic-ofa/metrics load; without prom-client (an optional peer) managerMetrics() says E_DEPENDENCY_MISSING`,
    services.status === 0 && servicesResult?.gstreamer === true && servicesResult.missing === 'E_DEPENDENCY_MISSING prom-client', services.stderr || services.stdout);

  const info = run('npx', ['dynamic-ofa', 'info'], app, env);
  check(`${label}: npx dynamic-ofa info runs (addon from ${platformPackageName('x64')}, ONNX Runtime 1.30)`,
    info.status === 0 && info.stdout.includes(`addon: ${platformPackageName('x64')} (`) && /onnxruntime-cpu\s+available \(1\.30\.\d+\)/.test(info.stdout),
    info.stderr || info.stdout.slice(-1500));
  const demo = run('npx', ['dynamic-ofa', 'demo', '--seconds', '6', '--out', path.join(app, 'demo')], app, env);
  check(`${label}: npx dynamic-ofa demo runs`, demo.status === 0 && /measured top-1 on the \d+ labelled frames/.test(demo.stdout), demo.stderr || demo.stdout.slice(-1500));
}

runReleaseTest('test:registry', report, async ({ release, registry, times }) => {
  checkMainFiles(release.main);
  const x64Files = release.platforms.x64.files;
  check(`the ${platformPackageName('x64')} tarball holds prebuildify's ${prebuildPath('x64')} and ONNX Runtime with its license and notices`,
    [prebuildPath('x64'), 'libonnxruntime.so.1', 'LICENSE-onnxruntime.txt'].every((f) => x64Files.includes(f)) && x64Files.some((f) => /(ThirdPartyNotices|debian-copyright)-onnxruntime\.txt$/.test(f)),
    x64Files.join(', '));
  for (const [cpu, info] of Object.entries(release.platforms)) {
    const addons = info.files.filter((f) => f.endsWith('.node'));
    const variants = addons.filter((f) => f !== prebuildPath(cpu));
    check(`the ${platformPackageName(cpu)} tarball holds its addons in node-gyp-build's layout, as prebuildify names them: ${[prebuildPath(cpu), ...variants].join(', ')}`,
      addons.includes(prebuildPath(cpu)) && variants.every((f) => /^tensorrt\d+\//.test(f) && f.slice(f.indexOf('/') + 1) === prebuildPath(cpu)) && (cpu !== 'arm64' || variants.length > 0),
      addons.join(', '));
  }
  const env = registry.npmEnv();

  const withScripts = await timed('npm install dynamic-ofa', () => npmInstall(registry, 'app-scripts', ['dynamic-ofa']), times);
  checkInstalled('npm install dynamic-ofa', withScripts, { scripts: true });
  if (withScripts.status === 0) await timed('info, demo (npm install)', () => checkRuns('npm install', withScripts.app, env), times);

  const noScripts = await timed('npm install --ignore-scripts dynamic-ofa', () => npmInstall(registry, 'app-no-scripts', ['--ignore-scripts', 'dynamic-ofa']), times);
  checkInstalled('npm install --ignore-scripts dynamic-ofa', noScripts, { scripts: false });
  if (noScripts.status === 0) await timed('info, demo (--ignore-scripts)', () => checkRuns('--ignore-scripts', noScripts.app, env), times);

  const arm64 = await timed('npm install --ignore-scripts --cpu=arm64 dynamic-ofa',
    () => npmInstall(registry, 'app-arm64', ['--ignore-scripts', '--os=linux', '--cpu=arm64', '--libc=glibc', 'dynamic-ofa']), times);
  const arm64Present = installedPlatformPackages(arm64.app);
  check(`npm install --os=linux --cpu=arm64 --libc=glibc --ignore-scripts: ${platformPackageName('arm64')} only, no compiler`,
    arm64.status === 0 && arm64Present.join() === platformPackageName('arm64') && arm64.compilerCalls.length === 0, `${arm64.output.slice(-1500)}\ninstalled: ${arm64Present.join(', ')}`);
  if (arm64.status === 0) {
    const cli = path.join(installedDir(arm64.app, 'dynamic-ofa'), 'dist', 'cli', 'main.js');
    const info = await timed('dynamic-ofa info under qemu (arm64)', () => runNode('arm64', [cli, 'info'], { cwd: arm64.app }), times);
    check(`linux-arm64 under qemu: dynamic-ofa info runs with ${platformPackageName('arm64')}'s addon and ONNX Runtime, and measures every level`,
      info.status === 0 && info.stdout.includes(`addon: ${platformPackageName('arm64')} (`) && /onnxruntime-cpu\s+available \(1\.30\.\d+\)/.test(info.stdout)
        && info.stdout.includes('cpu here ms') && info.stdout.includes('(Node v20') && info.stdout.includes('linux-arm64)'),
      info.stderr || info.stdout.slice(-1500));
  }

  // No platform package (optional dependencies left out): the addon is built from the packed sources.
  const source = await timed('npm install --omit=optional dynamic-ofa (source build)',
    () => npmInstall(registry, 'app-source', ['--omit=optional', 'dynamic-ofa'], {}, { tripwire: false }), times);
  printLog(source);
  const sourcePkg = installedDir(source.app, 'dynamic-ofa');
  check(`npm install --omit=optional dynamic-ofa: no platform package, install.js built the addon from source (${source.seconds.toFixed(0)} s)`,
    source.status === 0 && installedPlatformPackages(source.app).length === 0 && /building the native addon from source/.test(source.output)
      && fs.existsSync(path.join(sourcePkg, 'build', 'Release', 'dynamic_ofa.node')), source.output.slice(-2500));
  if (source.status === 0) {
    const bare = run('npx', ['dynamic-ofa', 'info', '--no-measure'], source.app, env);
    check('... without an ONNX Runtime library, info says which places it looked at and what to install',
      bare.status === 0 && bare.stdout.includes('addon: local build (') && bare.stdout.includes('no ONNX Runtime library') && /onnxruntime-cpu\s+unavailable/.test(bare.stdout),
      bare.stderr || bare.stdout.slice(-1500));
    const ortLibrary = path.join(installedDir(withScripts.app, platformPackageName('x64')), 'libonnxruntime.so.1');
    const given = run('npx', ['dynamic-ofa', 'info'], source.app, { ...env, DYNAMIC_OFA_ORT_LIBRARY: ortLibrary });
    check('... and with DYNAMIC_OFA_ORT_LIBRARY the source-built addon runs the family',
      given.status === 0 && /onnxruntime-cpu\s+available \(1\.30\.\d+\)/.test(given.stdout) && given.stdout.includes('cpu here ms'), given.stderr || given.stdout.slice(-1500));
  }
});
