'use strict';
// What a shipped ELF binary needs (readelf): its machine, NEEDED libraries, RUNPATH and the highest GLIBC / GLIBCXX /
// CXXABI / GCC symbol versions, and the problems of one meant for linux-<cpu> against the floors and the allowed
// NEEDED list in platforms.js. Used by the TensorRT build (scripts/build/tensorrt-prebuilt.js) and the checks in
// scripts/dev/.
const { ALLOWED_NEEDED, SYMBOL_FLOORS } = require('./platforms');
const { requireCommand, run } = require('./tools');

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

module.exports = { FAMILIES, compareVersions, inspect, problemsOf };
