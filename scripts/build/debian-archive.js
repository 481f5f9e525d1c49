'use strict';
// Private apt: Debian packages of any suite and architecture fetched without touching this machine's apt state
// (own sources list, lists and cache under a work folder). Archive addresses come from this machine's apt
// configuration (configuredDebianArchives); only the suite and architecture change. Shipped in the package:
// install.js uses it for source builds on Debian (node builtins only).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Debian archive entries configured on this machine: [{ uri, keyring }], security/updates suites excluded. */
function configuredDebianArchives({ etc = '/etc/apt' } = {}) {
  const found = [];
  const sourcesDir = path.join(etc, 'sources.list.d');
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
  const legacy = path.join(etc, 'sources.list');
  if (fs.existsSync(legacy)) {
    for (const line of fs.readFileSync(legacy, 'utf8').split('\n')) {
      const m = line.match(/^\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)/);
      if (m && !/-(security|updates|backports)$/.test(m[3]) && !/security/.test(m[2])) {
        found.push({ uri: m[2], keyring: DEFAULT_KEYRING });
      }
    }
  }
  // Debian's own archive only (an Ubuntu or vendor mirror carries other suites and packages).
  return found.filter((a) => /\/debian\/?$/.test(a.uri) && fs.existsSync(a.keyring));
}

/** `deb [signed-by=...] URI SUITE COMPONENT` lines for this machine's Debian archives; throws when there is none. */
function debianSourceLines(suite, component = 'main') {
  const archives = configuredDebianArchives();
  if (archives.length === 0) {
    throw new Error(
      'no Debian archive is configured in /etc/apt (sources.list or sources.list.d/*.sources, with its keyring); ' +
        'the archive address is taken from there',
    );
  }
  return archives.map((a) => `deb [signed-by=${a.keyring}] ${a.uri} ${suite} ${component}`);
}

/**
 * An apt that only sees `suite` (`component`, default main) for `architecture`, with its state under `work`.
 * download(names, dir) fetches .deb files (no dependencies resolved) and returns their paths.
 */
function privateApt({ work, suite, architecture, component = 'main' }) {
  for (const d of ['lists/partial', 'cache/archives/partial']) fs.mkdirSync(path.join(work, d), { recursive: true });
  const sourcesList = path.join(work, 'sources.list');
  fs.writeFileSync(sourcesList, debianSourceLines(suite, component).join('\n') + '\n');
  const options = [
    '-o', `Dir::Etc::SourceList=${sourcesList}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${path.join(work, 'lists')}`,
    '-o', `Dir::Cache=${path.join(work, 'cache')}`,
    '-o', `APT::Architecture=${architecture}`,
    '-o', `APT::Architectures=${architecture}`,
    '-o', 'Acquire::Languages=none',
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Sandbox::User=root',
  ];
  const aptGet = (args, cwd) => execFileSync('apt-get', [...options, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let updated = false;
  return {
    download(names, dir) {
      if (!updated) aptGet(['update', '-q']);
      updated = true;
      fs.mkdirSync(dir, { recursive: true });
      const before = new Set(fs.readdirSync(dir));
      aptGet(['download', '-q', ...names], dir);
      const fresh = fs.readdirSync(dir).filter((f) => f.endsWith('.deb') && !before.has(f));
      return names.map((name) => {
        const file = fresh.find((f) => f.startsWith(`${name}_`));
        if (!file) throw new Error(`apt-get download ${name} (Debian ${suite}, ${architecture}) produced no .deb`);
        return path.join(dir, file);
      });
    },
  };
}

/**
 * Unpacks a .deb's files (no maintainer scripts run) into dest: all of them, or only `members` (tar member names
 * such as ./usr/include, streamed from dpkg-deb --fsys-tarfile so nothing else is written).
 */
function extractDeb(deb, dest, members) {
  fs.mkdirSync(dest, { recursive: true });
  if (!members) {
    execFileSync('dpkg-deb', ['-x', deb, dest]);
    return;
  }
  const args = ['-c', 'deb="$1"; dest="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$dest" "$@"', 'sh', deb, dest, ...members];
  const result = spawnSync('sh', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`sh: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().slice(-4000);
    throw new Error(`sh ${args.join(' ')} exited with ${result.status ?? result.signal}${output ? `:\n${output}` : ''}`);
  }
}

/** The host's Debian architecture (dpkg --print-architecture). */
function hostDebianArchitecture() {
  return execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
}

module.exports = { configuredDebianArchives, debianSourceLines, privateApt, extractDeb, hostDebianArchitecture };
