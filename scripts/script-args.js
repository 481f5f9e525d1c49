'use strict';
// Shared by the development scripts (soak, fuzz): argument parsing and the default family.
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

module.exports = { parseArgs, defaultFamily, root };
