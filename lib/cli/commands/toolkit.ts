import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Command } from 'commander';

import { DynamicOfaError } from '../../errors';
import { packageRoot } from '../../util/package-root';

/** Debian's Python first: another python3 earlier on PATH often lacks PyTorch. DYNAMIC_OFA_PYTHON overrides. */
function python(): string {
  if (process.env.DYNAMIC_OFA_PYTHON) return process.env.DYNAMIC_OFA_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** A command that hands its arguments to one of the OFA toolkit's Python scripts (scripts/ofa/). */
function passthrough(name: string, script: string, description: string): Command {
  return new Command(name)
    .description(`${description} (the OFA toolkit in Python: needs PyTorch and onnx; its --help lists the options)`)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action((args: string[]) => {
      const file = path.join(packageRoot, 'scripts', 'ofa', script);
      const probe = spawnSync(python(), ['-c', 'import torch, onnx, jsonschema'], { stdio: 'ignore' });
      if (probe.status !== 0) {
        throw new DynamicOfaError('E_RUNTIME_LOAD', `${python()} cannot import torch, onnx and jsonschema, which the OFA toolkit needs ` +
          '(Debian: apt-get install python3-torch python3-onnx python3-jsonschema; or set DYNAMIC_OFA_PYTHON to a Python that has them)');
      }
      const result = spawnSync(python(), [file, ...args], { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    });
}

export const exportCommand = passthrough('export', 'export_family.py', 'export the ONNX files of a family from an OFA supernet checkpoint (or synthetic weights)');
export const searchCommand = passthrough('search', 'search.py', 'sample sub-networks, measure their latency here, keep the Pareto front, write a family');
