#!/usr/bin/env node
'use strict';
// Fetches ONNX Runtime's C headers (Debian's libonnxruntime-dev, suite trixie) into deps/onnxruntime/include
// without touching the system: a private sources list, lists folder and cache under deps/.apt.
// The archive address is taken from this machine's own apt configuration, only the suite is changed.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const SUITE = 'trixie';
const PACKAGE = 'libonnxruntime-dev';
const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Debian archive entries configured on this machine: [{ uri, keyring }], security/updates suites excluded. */
function configuredDebianArchives() {
  const found = [];
  const sourcesDir = '/etc/apt/sources.list.d';
  const deb822 = fs.existsSync(sourcesDir)
    ? fs.readdirSync(sourcesDir).filter((f) => f.endsWith('.sources')).map((f) => path.join(sourcesDir, f))
    : [];
  for (const file of deb822) {
    for (const stanza of fs.readFileSync(file, 'utf8').split(/\n\s*\n/)) {
      const field = (name) => (stanza.match(new RegExp(`^${name}:\\s*(.+)$`, 'mi')) || [])[1];
      const uris = field('URIs');
      const suites = field('Suites') || '';
      if (!uris || !/\bdeb\b/.test(field('Types') || '')) continue;
      if (!suites.split(/\s+/).some((s) => s && !/-(security|updates|backports)$/.test(s))) continue;
      if (/security/.test(uris)) continue;
      for (const uri of uris.split(/\s+/)) found.push({ uri, keyring: field('Signed-By') || DEFAULT_KEYRING });
    }
  }
  const legacy = '/etc/apt/sources.list';
  if (fs.existsSync(legacy)) {
    for (const line of fs.readFileSync(legacy, 'utf8').split('\n')) {
      const m = line.match(/^\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)/);
      if (m && !/-(security|updates|backports)$/.test(m[3]) && !/security/.test(m[2])) {
        found.push({ uri: m[2], keyring: DEFAULT_KEYRING });
      }
    }
  }
  // Only Debian's own archive carries libonnxruntime-dev.
  return found.filter((a) => /\/debian\/?$/.test(a.uri) && fs.existsSync(a.keyring));
}

function fetchHeaders(destRoot) {
  const target = path.join(destRoot, 'onnxruntime', 'include');
  if (fs.existsSync(path.join(target, 'onnxruntime_c_api.h'))) return target;
  const archives = configuredDebianArchives();
  if (archives.length === 0) {
    throw new Error(
      'No Debian archive is configured in /etc/apt; cannot fetch ONNX Runtime headers. ' +
        'Set ONNXRUNTIME_INCLUDE_DIR to a folder containing onnxruntime_c_api.h (ONNX Runtime >= 1.17).',
    );
  }
  const work = path.join(destRoot, '.apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'download']) fs.mkdirSync(path.join(work, d), { recursive: true });
  const sourcesList = path.join(work, 'sources.list');
  fs.writeFileSync(
    sourcesList,
    archives.map((a) => `deb [signed-by=${a.keyring}] ${a.uri} ${SUITE} main\n`).join(''),
  );
  const aptOptions = [
    '-o', `Dir::Etc::SourceList=${sourcesList}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${path.join(work, 'lists')}`,
    '-o', `Dir::Cache=${path.join(work, 'cache')}`,
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Sandbox::User=root',
  ];
  const run = (args, cwd) => execFileSync('apt-get', [...aptOptions, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['update', '-q']);
  const downloadDir = path.join(work, 'download');
  run(['download', '-q', PACKAGE], downloadDir);
  const deb = fs.readdirSync(downloadDir).find((f) => f.startsWith(PACKAGE) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${PACKAGE} produced no .deb`);
  const unpacked = path.join(work, 'unpacked');
  fs.rmSync(unpacked, { recursive: true, force: true });
  execFileSync('dpkg-deb', ['-x', path.join(downloadDir, deb), unpacked]);
  const headers = path.join(unpacked, 'usr', 'include', 'onnxruntime');
  if (!fs.existsSync(path.join(headers, 'onnxruntime_c_api.h'))) throw new Error(`${deb} has no onnxruntime_c_api.h`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(headers, target, { recursive: true });
  fs.writeFileSync(path.join(destRoot, 'onnxruntime', 'SOURCE'), `${deb} (Debian ${SUITE})\n`);
  fs.rmSync(work, { recursive: true, force: true });
  return target;
}

module.exports = { fetchHeaders, configuredDebianArchives };

if (require.main === module) {
  const dest = process.argv[2] || path.join(__dirname, '..', '..', 'deps');
  try {
    console.log(fetchHeaders(dest));
  } catch (err) {
    console.error(`fetch-ort-headers: ${err.message}`);
    if (err.stderr) console.error(String(err.stderr));
    process.exit(1);
  }
}
