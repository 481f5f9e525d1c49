#!/usr/bin/env node
'use strict';
// Symbol check of shipped binaries: the highest GLIBC / GLIBCXX / CXXABI / GCC symbol versions each one needs
// (readelf's version-needs section), its NEEDED libraries and its machine. Fails above the floors in
// scripts/build/platforms.js, on a NEEDED library outside the allowed list, or on a binary of the wrong machine.
// Usage: node scripts/dev/check-symbols.js [FILE...]   (default: every binary in the staged platform packages)
const fs = require('node:fs');
const path = require('node:path');

const { ALLOWED_NEEDED, PLATFORMS, SYMBOL_FLOORS, platformPackagesDir } = require('../build/platforms');
const { requireCommand, run } = require('../build/tools');

const MACHINES = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };
const FAMILIES = ['GLIBC', 'GLIBCXX', 'CXXABI', 'GCC'];

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** { machine, highest: { GLIBC: '2.17', ... }, needed: [...], runpath } of one ELF file. */
function inspect(file) {
  requireCommand('readelf', 'apt-get install binutils');
  const header = run('readelf', ['--file-header', '--wide', file]);
  const machine = (header.match(/^\s*Machine:\s*(.+)$/m) || [])[1]?.trim() ?? 'unknown';
  const dynamic = run('readelf', ['--dynamic', '--wide', file]);
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const runpath = (dynamic.match(/\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]/) || [])[1];
  const versionInfo = run('readelf', ['--version-info', '--wide', file]);
  const needs = versionInfo.split(/\n(?=Version )/).find((s) => s.includes("'.gnu.version_r'")) ?? '';
  const highest = {};
  for (const [, family, version] of needs.matchAll(/Name: ([A-Z]+)_([0-9.]+)/g)) {
    if (FAMILIES.includes(family) && (!highest[family] || compareVersions(version, highest[family]) > 0)) highest[family] = version;
  }
  return { machine, highest, needed, runpath };
}

/** Problems of one binary expected to run on `cpu` (empty when it passes). */
function problemsOf(info, cpu) {
  const problems = [];
  if (cpu && info.machine !== MACHINES[cpu]) problems.push(`machine is ${info.machine}, expected ${MACHINES[cpu]} (linux-${cpu})`);
  for (const [family, floor] of Object.entries(SYMBOL_FLOORS)) {
    const got = info.highest[family];
    if (got && compareVersions(got, floor) > 0) problems.push(`needs ${family}_${got}, above the floor ${family}_${floor}`);
  }
  const unexpected = info.needed.filter((n) => !ALLOWED_NEEDED.includes(n));
  if (unexpected.length > 0) problems.push(`unexpected NEEDED ${unexpected.join(', ')} (allowed: ${ALLOWED_NEEDED.join(', ')})`);
  return problems;
}

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

module.exports = { inspect, problemsOf, checkBinaries, shippedBinaries, stagedBinaries, compareVersions };

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
