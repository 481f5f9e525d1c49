'use strict';
// The main package as released: `npm pack` of the repository (prepack builds dist/), re-packed with
// optionalDependencies naming every platform package at exactly this version. The repository's own package.json
// names none: npm ci fails on an optional dependency that is not published yet (npm install tolerates it), and a
// clone builds its addon from source anyway.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { mainPackage, platformPackagesDir, repoRoot } = require('./platforms');
const { run } = require('./tools');

/** npm pack's JSON report, which comes after anything prepack printed. */
function packReport(stdout) {
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1))[0];
}

/**
 * `npm pack --json` of `spec` (default: the folder cwd) into dest, `flags` added. Returns { version, packed }:
 * packed is { tarball, size, unpackedSize, files }.
 */
function npmPack(dest, { cwd, spec, flags = [] } = {}) {
  const info = packReport(run('npm', ['pack', ...(spec ? [spec] : []), '--json', ...flags, '--pack-destination', dest], { cwd }));
  return {
    version: info.version,
    packed: { tarball: path.join(dest, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path) },
  };
}

/** optionalDependencies of the released main package: every platform package at this exact version. */
function releaseOptionalDependencies() {
  return Object.fromEntries(Object.values(mainPackage.dynamicOfa.platformPackages).map((name) => [name, mainPackage.version]));
}

/** Packs the main package for release into platform-packages/; returns { tarball, size, unpackedSize, files }. */
function packMainRelease({ log = console.log } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-main-pack-'));
  try {
    run('tar', ['-xzf', npmPack(work, { cwd: repoRoot }).packed.tarball, '-C', work]);
    const staged = path.join(work, 'package');
    const pkgFile = path.join(staged, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    pkg.optionalDependencies = { ...pkg.optionalDependencies, ...releaseOptionalDependencies() };
    fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    const dest = platformPackagesDir();
    fs.mkdirSync(dest, { recursive: true });
    // --ignore-scripts: dist/ is already in the staged copy, which has no sources to build it from.
    const { packed } = npmPack(dest, { cwd: staged, flags: ['--ignore-scripts'] });
    log(`${mainPackage.name}: optionalDependencies ${Object.entries(pkg.optionalDependencies).map(([n, v]) => `${n}@${v}`).join(', ')}`);
    return packed;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { packMainRelease, releaseOptionalDependencies, packReport, npmPack };
