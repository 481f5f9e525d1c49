#!/usr/bin/env node
'use strict';
// How this machine's npm treats platform packages, checked on a local registry with throwaway packages before
// the real ones rely on it: os/cpu/libc matching, an optionalDependency that does not exist on the registry
// (npm install, and npm ci from the lockfile), --ignore-scripts with the binary in a platform package, and
// --cpu/--os/--libc to install another platform's package (how an arm64 test folder is made on x64).
// Usage: node scripts/dev/npm-platform-behaviour.js
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { checkReport } = require('./check-report');
const { startLocalRegistry } = require('./local-registry');

const SCOPE = '@dofa-probe';
const report = checkReport('npm-platform-behaviour');
const { check } = report;

function writePackage(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/**
 * Platform packages (one per os/cpu/libc) and two main packages that load the one installed: `main` names the
 * three platform packages, `main-missing` also names one never published.
 */
function makeProbePackages(root) {
  const platforms = [
    { id: 'linux-x64', cpu: 'x64', libc: 'glibc' },
    { id: 'linux-arm64', cpu: 'arm64', libc: 'glibc' },
    { id: 'linuxmusl-x64', cpu: 'x64', libc: 'musl' },
  ];
  const dirs = platforms.map((p) => writePackage(path.join(root, p.id), {
    'package.json': { name: `${SCOPE}/${p.id}`, version: '1.0.0', os: ['linux'], cpu: [p.cpu], libc: [p.libc], main: 'binary.js' },
    'binary.js': `module.exports = ${JSON.stringify(p.id)};\n`,
  }));
  const platformNames = platforms.map((p) => `${SCOPE}/${p.id}`);
  const mains = [['main', platformNames], ['main-missing', [...platformNames, `${SCOPE}/missing`]]].map(([name, optional]) =>
    writePackage(path.join(root, name), {
      'package.json': {
        name: `${SCOPE}/${name}`, version: '1.0.0', main: 'index.js',
        scripts: { install: 'node install.js' },
        // detect-libc (through the uplink) stands in for the loader's own libc detection.
        dependencies: { 'detect-libc': '^2.0.0' },
        optionalDependencies: Object.fromEntries(optional.map((n) => [n, '1.0.0'])),
      },
      // The install script only leaves a mark, to see whether it ran.
      'install.js': "require('fs').writeFileSync(require('path').join(__dirname, 'install-ran'), '');\n",
      'index.js': [
        "const { familySync, GLIBC } = require('detect-libc');",
        `const id = \`\${process.platform}\${familySync() === GLIBC ? '' : 'musl'}-\${process.arch}\`;`,
        `module.exports = require(\`${SCOPE}/\${id}\`);`,
        '',
      ].join('\n'),
    }));
  return [...dirs, ...mains];
}

function npm(registry, args, cwd, extraEnv = {}) {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env: registry.npmEnv(extraEnv), encoding: 'utf8', timeout: 5 * 60 * 1000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The platform packages installed in app (main packages left out). */
function installed(app) {
  const dir = path.join(app, 'node_modules', SCOPE);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => !d.startsWith('main')).sort() : [];
}

function emptyApp(work, name, extra = {}) {
  return writePackage(path.join(work, name), { 'package.json': { name, version: '1.0.0', private: true, ...extra } });
}

function loads(app, main = 'main') {
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(require('${SCOPE}/${main}'))`], { cwd: app, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : `error: ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr.slice(-300)}`;
}

async function main() {
  const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`npm ${npmVersion}, node ${process.version}, ${process.platform}-${process.arch}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-npm-behaviour-'));
  const registry = await startLocalRegistry({ localOnly: [`${SCOPE}/*`] });
  try {
    for (const dir of makeProbePackages(path.join(work, 'packages'))) registry.publish(dir);
    const native = `linux-${process.arch}`;
    const only = (app, list) => JSON.stringify(installed(app)) === JSON.stringify(list);

    const plain = emptyApp(work, 'plain');
    const a = npm(registry, ['install', `${SCOPE}/main`], plain);
    console.log(`  npm install ${SCOPE}/main: exit ${a.status}; platform packages installed: ${installed(plain).join(', ')}`);
    check(`os/cpu/libc: of the platform packages only ${SCOPE}/${native} is installed`, a.status === 0 && only(plain, [native]), a.output.slice(-1500));
    check('the main package loads its platform package', loads(plain) === native, loads(plain));
    check('npm install ran the install script', fs.existsSync(path.join(plain, 'node_modules', SCOPE, 'main', 'install-ran')));
    const lock = JSON.parse(fs.readFileSync(path.join(plain, 'package-lock.json'), 'utf8'));
    const locked = Object.keys(lock.packages).filter((p) => p.includes(`${SCOPE}/linux`)).map((p) => p.split(`${SCOPE}/`)[1]).sort();
    check('the lockfile lists every platform package, those of other platforms too', JSON.stringify(locked) === JSON.stringify(['linux-arm64', 'linux-x64', 'linuxmusl-x64']), locked.join(', '));
    fs.rmSync(path.join(plain, 'node_modules'), { recursive: true, force: true });
    const ci = npm(registry, ['ci'], plain);
    check('npm ci from that lockfile installs the same', ci.status === 0 && only(plain, [native]), ci.output.slice(0, 800));

    const noScripts = emptyApp(work, 'no-scripts');
    const b = npm(registry, ['install', '--ignore-scripts', `${SCOPE}/main`], noScripts);
    check('npm install --ignore-scripts: no install script ran, and the package works from its platform package',
      b.status === 0 && !fs.existsSync(path.join(noScripts, 'node_modules', SCOPE, 'main', 'install-ran')) && loads(noScripts) === native,
      `${b.output.slice(-800)} loads: ${loads(noScripts)}`);

    const foreign = emptyApp(work, 'foreign');
    const f = npm(registry, ['install', '--ignore-scripts', '--os=linux', '--cpu=arm64', '--libc=glibc', `${SCOPE}/main`], foreign);
    check('npm install --os=linux --cpu=arm64 --libc=glibc installs the arm64 package instead', f.status === 0 && only(foreign, ['linux-arm64']),
      `${f.output.slice(-800)} installed: ${installed(foreign).join(', ')}`);

    const direct = emptyApp(work, 'direct');
    const d = npm(registry, ['install', '--ignore-scripts', '--os=linux', '--cpu=arm64', '--libc=glibc', `${SCOPE}/linux-arm64`], direct);
    check('... but a platform package named directly is refused for this machine (EBADPLATFORM), --cpu or not',
      d.status !== 0 && d.output.includes('EBADPLATFORM'), d.output.slice(-800));

    // An optionalDependency that does not exist on the registry (404): in a dependency, and in a repository's
    // own package.json (the dynamic-ofa repo before its platform packages are published).
    const missing = emptyApp(work, 'missing');
    const m1 = npm(registry, ['install', `${SCOPE}/main-missing`], missing);
    check('a dependency naming an unpublished optionalDependency: npm install succeeds', m1.status === 0 && loads(missing, 'main-missing') === native, m1.output.slice(-1500));
    fs.rmSync(path.join(missing, 'node_modules'), { recursive: true, force: true });
    const m2 = npm(registry, ['ci'], missing);
    check(`... but npm ci from the lockfile it wrote fails ("Missing: ${SCOPE}/missing@ from lock file")`,
      m2.status !== 0 && m2.output.includes(`Missing: ${SCOPE}/missing@`), m2.output.slice(0, 800));
    const repo = emptyApp(work, 'repo', { optionalDependencies: { [`${SCOPE}/missing`]: '1.0.0' } });
    const r1 = npm(registry, ['install'], repo);
    fs.rmSync(path.join(repo, 'node_modules'), { recursive: true, force: true });
    const r2 = npm(registry, ['ci'], repo);
    check('a repository whose own optionalDependencies name an unpublished package: npm install succeeds, npm ci fails the same way',
      r1.status === 0 && r2.status !== 0 && r2.output.includes(`Missing: ${SCOPE}/missing@`), `${r1.output.slice(-600)}\n${r2.output.slice(0, 600)}`);
    const warnings = [...new Set([a, ci, b, f, d, m1, m2, r1, r2].flatMap((x) => x.output.split('\n').filter((l) => /npm warn/.test(l))))];
    if (warnings.length > 0) console.log(`  npm warnings seen:\n    ${warnings.join('\n    ')}`);
  } finally {
    await registry.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main()
  .catch((error) => check('npm-platform-behaviour ran', false, error.stack ?? error.message))
  .finally(() => {
    process.exitCode = report.finish();
  });
