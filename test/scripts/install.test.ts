// The npm install hook: with this platform's package installed and its addon loading (node-gyp-build resolves and
// requires it), it exits at once (no compiler, no download, no dist/); without one it goes on to a source build,
// whose first step is finding ONNX Runtime's headers.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { mainPackageWith } from '../native/fake-packages';

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

// A Node-API addon that loads here: the clone's own build (npm install made it).
const BUILT_ADDON = path.join(__dirname, '..', '..', 'build', 'Release', 'dynamic_ofa.node');

/** A main package with an installed @dynamic-ofa/linux-<arch> whose prebuilds/ holds `addon` (a file to copy, or bytes). */
function withPlatformPackage(addon: string | Buffer): string {
  const name = `@dynamic-ofa/linux-${process.arch}`;
  const root = mainPackageWith({ [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '0.0.0' }) });
  const prebuild = path.join(root, 'node_modules', name, 'prebuilds', `linux-${process.arch}`, 'dynamic-ofa.glibc.node');
  fs.mkdirSync(path.dirname(prebuild), { recursive: true });
  if (typeof addon === 'string') fs.copyFileSync(addon, prebuild);
  else fs.writeFileSync(prebuild, addon);
  return root;
}

describe('scripts/build/install.js', () => {
  it('a platform package that loads: exit 0 at once, nothing built (the fake root has no cmake-js to build with)', async () => {
    const root = withPlatformPackage(BUILT_ADDON);
    expect(await install.main({ root, env: {} })).toBe(0);
    expect(output.join('\n')).toContain(`using the prebuilt addon of @dynamic-ofa/linux-${process.arch}; nothing to build`);
  });

  it("a platform package whose addon does not load here: a source build, starting with ONNX Runtime's headers", async () => {
    const root = withPlatformPackage(Buffer.from('not an ELF file'));
    const missing = path.join(root, 'no-headers');
    expect(await install.main({ root, env: { ONNXRUNTIME_INCLUDE_DIR: missing } })).toBe(1);
    const log = output.join('\n');
    expect(log).toContain(`@dynamic-ofa/linux-${process.arch} has no addon that loads here; building the addon from source`);
    expect(log).toContain(`ONNXRUNTIME_INCLUDE_DIR=${missing} has no onnxruntime_c_api.h`);
  });

  it('no platform package (a clone): a source build', async () => {
    const root = mainPackageWith();
    expect(await install.main({ root, env: { ONNXRUNTIME_INCLUDE_DIR: path.join(root, 'x') } })).toBe(1);
    expect(output.join('\n')).toContain(`@dynamic-ofa/linux-${process.arch} is not installed; building the addon from source`);
  });

  it('a platform package without an addon for this platform (prebuilds/ of another): a source build', async () => {
    const root = withPlatformPackage(BUILT_ADDON);
    const pkg = path.join(root, 'node_modules', `@dynamic-ofa/linux-${process.arch}`, 'prebuilds');
    fs.renameSync(path.join(pkg, `linux-${process.arch}`), path.join(pkg, 'linux-ppc64'));
    expect(await install.main({ root, env: { ONNXRUNTIME_INCLUDE_DIR: path.join(root, 'x') } })).toBe(1);
    expect(output.join('\n')).toContain(`@dynamic-ofa/linux-${process.arch} has no addon that loads here; building the addon from source`);
  });

  it('npm_config_build_from_source forces a source build even where the platform package loads', async () => {
    const root = withPlatformPackage(BUILT_ADDON);
    expect(await install.main({ root, env: { npm_config_build_from_source: 'true', ONNXRUNTIME_INCLUDE_DIR: path.join(root, 'x') } })).toBe(1);
    expect(output.join('\n')).not.toContain('nothing to build');
  });
});
