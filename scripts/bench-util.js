'use strict';
// Small shared pieces of the benchmark scripts: argument parsing, percentiles, a text table.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** --key value pairs over defaults; unknown keys are an error. */
function parseArgs(argv, defaults) {
  const args = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = argv[i].match(/^--([\w-]+)(?:=(.*))?$/);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown argument '${argv[i]}'; known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    args[m[1]] = m[2] ?? argv[++i];
  }
  return args;
}

/** The bundled default family, or the test fixture family before it exists. */
function defaultFamily() {
  const bundled = path.join(root, 'engines', 'fashion-ofa');
  return fs.existsSync(path.join(bundled, 'family.json')) ? bundled : path.join(root, 'test', 'fixtures', 'tiny-family');
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { parseArgs, defaultFamily, percentile, table, root };
