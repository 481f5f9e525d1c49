#!/usr/bin/env node
'use strict';
// Runs the OFA toolkit's pytest suite with Debian's Python when PyTorch is importable there.
// In CI (CI=true) a missing PyTorch is a failure, since .ci/run installs it.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const testsDir = path.join(root, 'scripts', 'ofa', 'tests');
const python = process.env.DYNAMIC_OFA_PYTHON || (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

if (!fs.existsSync(testsDir)) {
  console.log('python tests: none yet (scripts/ofa/tests missing)');
  process.exit(0);
}
const probe = spawnSync(python, ['-c', 'import torch, onnx, jsonschema, pytest'], { stdio: 'ignore' });
if (probe.status !== 0) {
  const message = `python tests: ${python} cannot import torch, onnx, jsonschema and pytest (Debian: apt-get install python3-torch python3-onnx python3-jsonschema python3-pytest)`;
  if (process.env.CI) {
    console.error(`${message}; required in CI`);
    process.exit(1);
  }
  console.log(`${message}; skipped`);
  process.exit(0);
}
const run = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', testsDir], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
