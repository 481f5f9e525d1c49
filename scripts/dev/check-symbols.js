#!/usr/bin/env node
'use strict';
// Symbol check of shipped binaries: the highest GLIBC / GLIBCXX / CXXABI / GCC symbol versions each one needs
// (readelf's version-needs section), its NEEDED libraries and its machine. Fails above the floors in
// scripts/build/platforms.js, on a NEEDED library outside the allowed list, or on a binary of the wrong machine.
// Usage: node scripts/dev/check-symbols.js [FILE...]   (default: every binary in the staged platform packages)
const fs = require('node:fs');
const path = require('node:path');

const { FAMILIES, compareVersions, inspect, problemsOf } = require('../build/elf');
const { PLATFORMS, SYMBOL_FLOORS, platformPackagesDir } = require('../build/platforms');

const isBinary = (name) => name.endsWith('.node') || /\.so(\.\d+)*$/.test(name);

/** Every binary in platform package folders (TensorRT variants in subfolders too): [{ file, cpu }]. */
function shippedBinaries(packages) {
  return packages.flatMap(({ cpu, dir }) => fs.readdirSync(dir, { recursive: true })
    .filter((f) => isBinary(path.basename(f)))
    .sort()
    .map((f) => ({ file: path.join(dir, f), cpu })));
}

/** Binaries of the staged platform packages (platform-packages/linux-<cpu>/). */
function stagedBinaries() {
  return shippedBinaries(Object.keys(PLATFORMS).map((cpu) => ({ cpu, dir: platformPackagesDir(`linux-${cpu}`) })).filter((p) => fs.existsSync(p.dir)));
}

/** Prints one line per binary; returns the number that failed. */
function checkBinaries(binaries, log = console.log) {
  log(`floors: ${Object.entries(SYMBOL_FLOORS).map(([f, v]) => `${f}_${v}`).join(', ')}`);
  let failed = 0;
  for (const { file, cpu } of binaries) {
    const info = inspect(file);
    const problems = problemsOf(info, cpu);
    if (problems.length > 0) failed++;
    const versions = FAMILIES.map((f) => `${f}_${info.highest[f] ?? '-'}`).join(' ');
    log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${path.relative(process.cwd(), file)} [${cpu ?? info.machine}]: ${versions}`);
    log(`     NEEDED ${info.needed.join(', ')}${info.runpath ? `; RUNPATH ${info.runpath}` : ''}`);
    for (const p of problems) log(`     ${p}`);
  }
  return failed;
}

module.exports = { checkBinaries, shippedBinaries, stagedBinaries };

if (require.main === module) {
  try {
    const files = process.argv.slice(2);
    const binaries = files.length > 0 ? files.map((file) => ({ file })) : stagedBinaries();
    if (binaries.length === 0) throw new Error('no binaries to check: stage the platform packages first (node scripts/build/platform-packages.js)');
    const failed = checkBinaries(binaries);
    console.log(`check-symbols: ${binaries.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  } catch (error) {
    console.error(`check-symbols: ${error.message}`);
    process.exit(1);
  }
}
