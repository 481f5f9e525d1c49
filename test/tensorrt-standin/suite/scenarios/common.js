'use strict';
// Shared by the scenario scripts: each runs in its own process (the stand-in reads its environment once, and an
// injected fault or a lost device lasts for the process), prints one JSON line on stdout and exits.
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.join(__dirname, '..', '..', '..', '..');
const api = require(path.join(repoRoot, 'dist'));

const { seededFloats } = require('../../../seeded');

function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`output lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The error as the suite records it: its class, code and message, and whether it is one of ours. */
function describeError(error) {
  return {
    typed: error instanceof api.DynamicOfaError,
    name: error?.constructor?.name ?? typeof error,
    code: error?.code,
    message: String(error?.message ?? error),
  };
}

/** Runs main(args) with the JSON argument given on the command line and prints its result as one JSON line. */
function scenario(main) {
  const args = JSON.parse(process.argv[2] ?? '{}');
  Promise.resolve()
    .then(() => main(args))
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    })
    .catch((error) => {
      process.stdout.write(`${JSON.stringify({ uncaught: describeError(error), stack: error?.stack })}\n`);
      process.exitCode = 3;
    });
}

function readU8(file) {
  return new Uint8Array(fs.readFileSync(file));
}

module.exports = { api, repoRoot, seededFloats, maxAbsDiff, describeError, scenario, readU8 };
