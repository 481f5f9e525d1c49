// Which addon binary loads: DYNAMIC_OFA_BINARY, then this platform's package (a TensorRT variant only after a
// child process proved TensorRT loads, then its CPU addon), then the local build. Fakes: platform packages in a
// temporary node_modules, and addons that are .js modules exporting tensorrtProbe.
import * as os from 'node:os';
import * as path from 'node:path';

import { getBinding, loadedAddon } from '../../lib/native/addon';
import { type AddonSearch, findAddon, loadFirst, probeTensorRtInChild, type TensorRtProbe } from '../../lib/native/binary-selection';
import type { PlatformFacts } from '../../lib/native/platform-package';
import { RuntimeLoadError } from '../../lib/errors';
import { fakeProbeAddon, mainPackageWith, platformPackage } from './fake-packages';

const linuxX64: PlatformFacts = { platform: 'linux', arch: 'x64', glibc: '2.31' };

const trtVariants = [
  { addon: 'tensorrt8/addon.js', tensorrtMajor: 8, cudaMajor: 11 },
  { addon: 'tensorrt10/addon.js', tensorrtMajor: 10, cudaMajor: 12 },
];
const relative = (root: string, search: AddonSearch): string[] => search.candidates.map((c) => path.relative(root, c.file));

describe('addon binary selection', () => {
  it('DYNAMIC_OFA_BINARY forces a file', () => {
    expect(findAddon(os.tmpdir(), { DYNAMIC_OFA_BINARY: '/x/y.node' }, linuxX64).candidates).toEqual([{ file: '/x/y.node', origin: 'DYNAMIC_OFA_BINARY' }]);
  });

  it('the platform package comes before the local build', () => {
    const root = mainPackageWith({ ...platformPackage('x64'), 'build/Release/dynamic_ofa.node': 'x' });
    const search = findAddon(root, {}, linuxX64);
    expect(relative(root, search)).toEqual(['node_modules/@dynamic-ofa/linux-x64/dynamic_ofa.js', 'build/Release/dynamic_ofa.node']);
    expect(search.candidates[0]!.origin).toBe('@dynamic-ofa/linux-x64');
  });

  it('without a platform package: the local build, and the search says the package is not installed', () => {
    const root = mainPackageWith({ 'build/Release/dynamic_ofa.node': 'x' });
    const search = findAddon(root, {}, linuxX64);
    expect(relative(root, search)).toEqual(['build/Release/dynamic_ofa.node']);
    expect(search.looked.join('\n')).toContain('@dynamic-ofa/linux-x64 is not installed');
  });

  it('the package of this CPU only: on arm64 the arm64 package', () => {
    const root = mainPackageWith({ ...platformPackage('x64'), ...platformPackage('arm64') });
    expect(relative(root, findAddon(root, {}, { platform: 'linux', arch: 'arm64', glibc: '2.31' }))).toEqual(['node_modules/@dynamic-ofa/linux-arm64/dynamic_ofa.js']);
  });

  it('passes the platform package over under musl, below its glibc floor, and on platforms without one', () => {
    const root = mainPackageWith(platformPackage('x64'));
    const musl = findAddon(root, {}, { ...linuxX64, glibc: undefined });
    expect(musl.candidates).toEqual([]);
    expect(musl.looked.join('\n')).toMatch(/needs glibc; this Node runs on another C library \(musl\?\)/);
    const old = findAddon(root, {}, { ...linuxX64, glibc: '2.27' });
    expect(old.candidates).toEqual([]);
    expect(old.looked.join('\n')).toContain('needs glibc >= 2.28; this machine has 2.27');
    const mac = findAddon(root, {}, { platform: 'darwin', arch: 'arm64', glibc: undefined });
    expect(mac.looked.join('\n')).toContain('no platform package is published for darwin-arm64 (there are: linux-x64, linux-arm64)');
  });

  it('TensorRT variants: newest TensorRT first, used only when its probe says available', () => {
    const root = mainPackageWith(platformPackage('x64', { tensorrt: trtVariants }, {
      'tensorrt8/addon.js': fakeProbeAddon("{ available: true }"),
      'tensorrt10/addon.js': fakeProbeAddon("{ available: false, reason: 'libnvinfer.so.10: cannot open shared object file' }"),
    }));
    const search = findAddon(root, {}, linuxX64);
    expect(relative(root, search)).toEqual(['node_modules/@dynamic-ofa/linux-x64/tensorrt8/addon.js', 'node_modules/@dynamic-ofa/linux-x64/dynamic_ofa.js']);
    expect(search.candidates[0]!.origin).toBe('@dynamic-ofa/linux-x64 (TensorRT)');
    const looked = search.looked.join('\n');
    expect(looked).toMatch(/TensorRT 10 \/ CUDA 12 variant .*not used: libnvinfer\.so\.10: cannot open shared object file/);
    expect(looked.indexOf('TensorRT 10')).toBeLessThan(looked.indexOf('TensorRT 8'));
  });

  it('skips a TensorRT build that cannot load here (it crashes, or throws) and uses the CPU build', () => {
    const root = mainPackageWith(platformPackage('x64', { tensorrt: trtVariants }, {
      'tensorrt10/addon.js': 'process.abort();\n',
      'tensorrt8/addon.js': "throw new Error('libnvinfer.so.8: cannot open shared object file');\n",
    }));
    const search = findAddon(root, {}, linuxX64);
    expect(relative(root, search)).toEqual(['node_modules/@dynamic-ofa/linux-x64/dynamic_ofa.js']);
    expect(search.looked.join('\n')).toMatch(/TensorRT 10 .*loading it failed \(SIGABRT\)/);
    expect(search.looked.join('\n')).toMatch(/TensorRT 8 .*loading it failed \(exit 1: .*libnvinfer\.so\.8: cannot open shared object file\)/);
  });

  it('skips a build that loads but has no TensorRT probe (not a TensorRT build)', () => {
    const root = mainPackageWith(platformPackage('x64', { tensorrt: [trtVariants[1]!] }, { 'tensorrt10/addon.js': 'module.exports = {};\n' }));
    const search = findAddon(root, {}, linuxX64);
    expect(relative(root, search)).toEqual(['node_modules/@dynamic-ofa/linux-x64/dynamic_ofa.js']);
    expect(search.looked.join('\n')).toMatch(/TensorRT 10 .*loading it failed \(exit 1: TypeError: .*tensorrtProbe is not a function\)/);
  });

  it('DYNAMIC_OFA_FORCE_CPU=1 skips the TensorRT variants without probing them', () => {
    const root = mainPackageWith(platformPackage('x64', { tensorrt: trtVariants }));
    const probe = jest.fn<ReturnType<TensorRtProbe>, Parameters<TensorRtProbe>>(() => ({ available: true }));
    const search = findAddon(root, { DYNAMIC_OFA_FORCE_CPU: '1' }, linuxX64, probe);
    expect(probe).not.toHaveBeenCalled();
    expect(relative(root, search)).toEqual(['node_modules/@dynamic-ofa/linux-x64/dynamic_ofa.js']);
  });

  it('a probe whose child process cannot be started means "not loadable"', () => {
    const root = mainPackageWith({ 'addon.js': fakeProbeAddon('{ available: true }') });
    expect(probeTensorRtInChild(path.join(root, 'addon.js'))).toEqual({ available: true });
    const unspawnable = probeTensorRtInChild(path.join(root, 'addon.js'), { nodePath: path.join(root, 'no-such-node') });
    expect(unspawnable.available).toBe(false);
    expect(unspawnable.reason).toMatch(/no child process could be started to probe it \(spawnSync .*ENOENT\)/);
  });

  it('falls through to the next candidate when one does not load, and loads the first that does', () => {
    const root = mainPackageWith({ ...platformPackage('x64'), 'build/Release/dynamic_ofa.node': 'x' });
    const search = findAddon(root, {}, linuxX64);
    const load = (file: string): unknown => {
      if (file.includes('node_modules')) throw new Error("version `GLIBC_2.32' not found");
      return { kind: 'local' };
    };
    const loaded = loadFirst<{ kind: string }>(search, load, linuxX64);
    expect(loaded.binding.kind).toBe('local');
    expect(loaded.origin).toBe('local build');
  });

  it('nothing to load: E_RUNTIME_LOAD says where it looked and what to do', () => {
    const root = mainPackageWith();
    const search = findAddon(root, {}, linuxX64);
    let error: unknown;
    try {
      loadFirst(search, require, linuxX64);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuntimeLoadError);
    const message = (error as RuntimeLoadError).message;
    expect((error as RuntimeLoadError).code).toBe('E_RUNTIME_LOAD');
    expect(message).toContain('could not be loaded for linux-x64');
    expect(message).toContain('DYNAMIC_OFA_BINARY: not set');
    expect(message).toContain('@dynamic-ofa/linux-x64 is not installed');
    expect(message).toContain(`local build: no ${path.join(root, 'build', 'Release', 'dynamic_ofa.node')}`);
    expect(message).toContain('npm install dynamic-ofa --include=optional');
    expect(message).toContain('npm rebuild dynamic-ofa --build-from-source');
  });

  it('a forced file that does not load is an error, not a fallback', () => {
    const search = findAddon(os.tmpdir(), { DYNAMIC_OFA_BINARY: '/nonexistent/dynamic_ofa.node' }, linuxX64);
    expect(() => loadFirst(search, require, linuxX64)).toThrow(/DYNAMIC_OFA_BINARY: \/nonexistent\/dynamic_ofa\.node does not load[\s\S]*Unset DYNAMIC_OFA_BINARY/);
  });

  it('this checkout loads a CPU build with the ONNX Runtime backend', () => {
    expect(getBinding().backends()).toContain('onnxruntime-cpu');
    expect(['local build', 'DYNAMIC_OFA_BINARY']).toContain(loadedAddon().origin);
  });
});
