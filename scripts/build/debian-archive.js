'use strict';
// Private apt: Debian packages of any suite and architecture fetched without touching this machine's apt state
// (own sources list, lists and cache under a work folder). Archive addresses come from this machine's apt
// configuration (configuredDebianArchives); only the suite and architecture change.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

// Until the scripts/ restructure lands, fetch-ort-headers.js sits one level up.
const { configuredDebianArchives } = require(
  fs.existsSync(path.join(__dirname, 'fetch-ort-headers.js')) ? './fetch-ort-headers' : '../fetch-ort-headers',
);

/** `deb [signed-by=...] URI SUITE COMPONENT` lines for this machine's Debian archives; throws when there is none. */
function debianSourceLines(suite, component = 'main') {
  const archives = configuredDebianArchives();
  if (archives.length === 0) {
    throw new Error(
      'no Debian archive is configured in /etc/apt (sources.list or sources.list.d/*.sources, with its keyring); ' +
        'this script takes the archive address from there',
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

/** Unpacks a .deb's files (no maintainer scripts run) into dest. */
function extractDeb(deb, dest) {
  fs.mkdirSync(dest, { recursive: true });
  execFileSync('dpkg-deb', ['-x', deb, dest]);
}

module.exports = { debianSourceLines, privateApt, extractDeb };
