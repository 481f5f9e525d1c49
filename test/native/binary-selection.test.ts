// Which addon binary loads: TensorRT prebuilds only after a child process proved they load and have the backend.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { getBinding } from '../../lib/native/addon';
import { selectBinaryPath, tensorRtPrebuilds } from '../../lib/native/binary-selection';

const cpuBinary = require.resolve(selectBinaryPath()); // what this checkout loads (local build or CPU prebuild)

function packageWith(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-binsel-'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'dynamic-ofa' }));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

const cpuPrebuild = `prebuilds/${process.platform}-${process.arch}/dynamic-ofa.glibc.node`;
const trtDir = (major: number): string => `prebuilds/${process.platform}-${process.arch}-tensorrt${major}`;

describe('addon binary selection', () => {
  it('lists TensorRT prebuilds newest TensorRT first', () => {
    const root = packageWith({ [`${trtDir(8)}/a.node`]: 'x', [`${trtDir(10)}/b.node`]: 'x', [cpuPrebuild]: 'x' });
    expect(tensorRtPrebuilds(root).map((f) => path.relative(root, f))).toEqual([`${trtDir(10)}/b.node`, `${trtDir(8)}/a.node`]);
  });

  it('skips a TensorRT build that cannot load here (missing libnvinfer: simulated by a broken file) and uses the CPU build', () => {
    const root = packageWith({ [`${trtDir(10)}/dynamic-ofa.glibc.node`]: Buffer.from('not an ELF file'), [cpuPrebuild]: fs.readFileSync(cpuBinary) });
    expect(selectBinaryPath(root, {})).toBe(path.join(root, cpuPrebuild));
  });

  it('skips a build that loads but has no TensorRT backend', () => {
    const root = packageWith({ [`${trtDir(10)}/dynamic-ofa.glibc.node`]: fs.readFileSync(cpuBinary), [cpuPrebuild]: fs.readFileSync(cpuBinary) });
    expect(selectBinaryPath(root, {})).toBe(path.join(root, cpuPrebuild));
  });

  it('DYNAMIC_OFA_BINARY forces a file', () => {
    expect(selectBinaryPath(os.tmpdir(), { DYNAMIC_OFA_BINARY: '/x/y.node' })).toBe('/x/y.node');
  });

  it('this checkout loads a CPU build with the ONNX Runtime backend', () => {
    expect(getBinding().backends()).toContain('onnxruntime-cpu');
  });
});
