'use strict';
// Shared by the development scripts (soak, fuzz): argument parsing.
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

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

module.exports = { parseArgs, root };
