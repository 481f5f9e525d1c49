// The npm install hook: with this platform's package installed and loading, it exits at once (no compiler, no
// download, no dist/); without one it goes on to a source build, whose first step is finding ONNX Runtime's headers.
import * as path from 'node:path';

import { mainPackageWith, platformPackage } from '../native/fake-packages';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const install = require('../../scripts/build/install') as { main(o: { root: string; env: NodeJS.ProcessEnv }): Promise<number> };

let output: string[];
beforeEach(() => {
  output = [];
  const keep = (...args: unknown[]): void => void output.push(args.join(' '));
  jest.spyOn(console, 'log').mockImplementation(keep);
  jest.spyOn(console, 'error').mockImplementation(keep);
});
afterEach(() => jest.restoreAllMocks());

describe('scripts/build/install.js', () => {
  it('a platform package that loads: exit 0 at once, nothing built (the fake root has no cmake-js to build with)', async () => {
    const root = mainPackageWith(platformPackage(process.arch));
    expect(await install.main({ root, env: {} })).toBe(0);
    expect(output.join('\n')).toContain(`using the prebuilt addon of @dynamic-ofa/linux-${process.arch}; nothing to build`);
  });

  it("a platform package whose addon does not load here: a source build, starting with ONNX Runtime's headers", async () => {
    const root = mainPackageWith(platformPackage(process.arch, {}, { 'dynamic_ofa.js': "throw new Error('GLIBC_2.99 not found');\n" }));
    const missing = path.join(root, 'no-headers');
    expect(await install.main({ root, env: { ONNXRUNTIME_INCLUDE_DIR: missing } })).toBe(1);
    const log = output.join('\n');
    expect(log).toContain(`@dynamic-ofa/linux-${process.arch}'s addon does not load here; building the addon from source`);
    expect(log).toContain(`ONNXRUNTIME_INCLUDE_DIR=${missing} has no onnxruntime_c_api.h`);
  });

  it('no platform package (a clone): a source build', async () => {
    const root = mainPackageWith();
    expect(await install.main({ root, env: { ONNXRUNTIME_INCLUDE_DIR: path.join(root, 'x') } })).toBe(1);
    expect(output.join('\n')).toContain(`@dynamic-ofa/linux-${process.arch} is not installed; building the addon from source`);
  });

  it('npm_config_build_from_source forces a source build even where the platform package loads', async () => {
    const root = mainPackageWith(platformPackage(process.arch));
    expect(await install.main({ root, env: { npm_config_build_from_source: 'true', ONNXRUNTIME_INCLUDE_DIR: path.join(root, 'x') } })).toBe(1);
    expect(output.join('\n')).not.toContain('nothing to build');
  });
});
