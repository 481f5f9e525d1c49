'use strict';
// A throwaway npm registry on 127.0.0.1 (verdaccio, installed into the git-ignored cache, not a project
// dependency): the packages named in `localOnly` are served only from what is published to it; everything else
// comes through its uplink, the registry this machine's npm is configured with (`npm config get registry`).
// npmEnv() gives npm commands npm's default configuration pointed at it (no user or project .npmrc, own cache).
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { cacheDir } = require('../build/platforms');
const { run } = require('../build/tools');

// 6.10 needs Node 22; 6.8.0 runs on Node 20 once node-fetch is held at 2.7.0 (its 'cjs' tag moved on).
const VERDACCIO = { version: '6.8.0', overrides: { 'node-fetch': '2.7.0' } };

/** verdaccio's entry script, installed once into the cache. */
function installVerdaccio() {
  const dir = cacheDir('tools', `verdaccio-${VERDACCIO.version}`);
  const entry = path.join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (fs.existsSync(entry)) return entry;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'dynamic-ofa-local-registry', private: true,
    dependencies: { verdaccio: VERDACCIO.version }, overrides: VERDACCIO.overrides,
  }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--no-package-lock'], { cwd: dir, env: cleanNpmEnv() });
  if (!fs.existsSync(entry)) throw new Error(`npm install verdaccio@${VERDACCIO.version} in ${dir} left no ${entry}`);
  return entry;
}

/** This process's environment without npm's injected settings (npm run exports the project's .npmrc as npm_config_*). */
function cleanNpmEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

function upstreamRegistry() {
  const url = run('npm', ['config', 'get', 'registry'], { cwd: os.tmpdir(), env: cleanNpmEnv() }).trim();
  if (!/^https?:\/\//.test(url)) throw new Error(`npm config get registry gave '${url}', not a URL`);
  return url;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function configYaml({ storage, htpasswd, uplink, port, localOnly }) {
  const quote = (s) => JSON.stringify(s);
  return [
    `storage: ${quote(storage)}`,
    `listen: ${quote(`127.0.0.1:${port}`)}`,
    // A platform package with ONNX Runtime is tens of MB.
    'max_body_size: 200mb',
    'auth:',
    '  htpasswd:',
    `    file: ${quote(htpasswd)}`,
    '    max_users: 10',
    'uplinks:',
    '  upstream:',
    `    url: ${quote(uplink)}`,
    '    timeout: 120s',
    'packages:',
    ...localOnly.flatMap((pattern) => [`  ${quote(pattern)}:`, '    access: $all', '    publish: $authenticated']),
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    '    proxy: upstream',
    'web:',
    '  enable: false',
    'log: { type: stdout, format: pretty, level: http }',
    '',
  ].join('\n');
}

async function waitUntilUp(url, child, logFile, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`verdaccio did not answer at ${url} (exit ${child.exitCode}); its log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

/**
 * Starts the registry. Returns { url, work, logFile, npmEnv(extra), publish(tarballOrDir), stop() }.
 * localOnly: package name patterns never looked up upstream (what the tests publish).
 */
async function startLocalRegistry({ localOnly }) {
  const entry = installVerdaccio();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = path.join(work, 'config.yaml');
  fs.writeFileSync(config, configYaml({
    storage: path.join(work, 'storage'), htpasswd: path.join(work, 'htpasswd'), uplink: upstreamRegistry(), port, localOnly,
  }));
  const logFile = path.join(work, 'verdaccio.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [entry, '--config', config], { stdio: ['ignore', log, log], env: cleanNpmEnv() });
  fs.closeSync(log);
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  // Never left running behind this process, whatever ends it.
  process.once('exit', stop);
  try {
    await waitUntilUp(url, child, logFile);
    // A user for publishing: npm refuses to publish without a token for the registry.
    const response = await fetch(`${url}-/user/org.couchdb.user:tester`, {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tester', password: 'local-only-tester' }),
    });
    const { token } = await response.json();
    if (!token) throw new Error(`verdaccio gave no token for a new user (HTTP ${response.status})`);
    fs.writeFileSync(path.join(work, 'npmrc'), `//127.0.0.1:${port}/:_authToken=${token}\n`);
  } catch (error) {
    stop();
    throw error;
  }
  const npmEnv = (extra = {}) => cleanNpmEnv({
    npm_config_registry: url,
    npm_config_userconfig: path.join(work, 'npmrc'),
    npm_config_globalconfig: path.join(work, 'global-npmrc'),
    npm_config_cache: path.join(work, 'npm-cache'),
    npm_config_update_notifier: 'false',
    ...extra,
  });
  return {
    url,
    work,
    logFile,
    npmEnv,
    publish: (tarballOrDir) => run('npm', ['publish', tarballOrDir], { cwd: work, env: npmEnv() }),
    /** Stops verdaccio and deletes its storage, logs and npm cache. */
    stop: async () => {
      stop();
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

module.exports = { startLocalRegistry, installVerdaccio, cleanNpmEnv };
