// prebuildify's cmake-js backend: what prebuildify asks of node-gyp becomes cmake-js configure + build, and the
// packages copied into the build root are the build packages with everything they depend on.
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shim = require('../../scripts/build/prebuildify-cmake-js') as { cmakeJsCommands(argv: string[], env: NodeJS.ProcessEnv): string[][] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const inRoot = require('../../scripts/build/prebuildify-in-root') as { packageClosure(names: string[]): string[] };

const repo = path.join(__dirname, '..', '..');

describe('scripts/build/prebuildify-cmake-js.js', () => {
  it("turns prebuildify's node-gyp rebuild into cmake-js configure and build, with DYNAMIC_OFA_CMAKE_OPTION_* as -D", () => {
    const argv = ['rebuild', '--target=20.20.2', '--devdir=/tmp/prebuildify/node', '--arch=arm64', '--release'];
    const env = { DYNAMIC_OFA_CMAKE_OPTION_CMAKE_CXX_COMPILER: 'aarch64-linux-gnu-g++', DYNAMIC_OFA_BUILD_JOBS: '2', PATH: '/usr/bin' };
    expect(shim.cmakeJsCommands(argv, env)).toEqual([
      ['configure', '--arch', 'arm64', '--CDCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++'],
      ['build', '--parallel', '2'],
    ]);
    expect(shim.cmakeJsCommands(['rebuild', '--debug'], {})).toEqual([['configure', '--debug'], ['build', '--debug']]);
    expect(() => shim.cmakeJsCommands(['clean'], {})).toThrow("expects prebuildify's 'rebuild ...'");
  });

  it('the build packages copied into the root: prebuildify, cmake-js, node-addon-api and what they depend on', () => {
    const dirs = inRoot.packageClosure(['prebuildify', 'cmake-js', 'node-addon-api']).map((d) => path.relative(path.join(repo, 'node_modules'), d));
    expect(dirs).toEqual(expect.arrayContaining(['prebuildify', 'cmake-js', 'node-addon-api', 'node-api-headers', 'minimist', 'node-abi', 'tar-fs']));
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(dirs).not.toContain('jest');
  });
});
