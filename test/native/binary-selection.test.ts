// Which addon binary loads: DYNAMIC_OFA_BINARY, then this platform's package (a TensorRT variant only after a
// child process proved TensorRT loads, then its CPU addon), then the local build; node-gyp-build resolves each
// folder. Fakes: platform packages in a temporary node_modules with prebuilds/ trees (node-gyp-build reads names
// only), injected probes and loaders, and .js modules exporting tensorrtProbe for the child-process probe.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { getBinding, loadedAddon } from '../../lib/native/addon';
import { type AddonSearch, findAddon, loadFirst, probeTensorRtInChild, type TensorRtProbe } from '../../lib/native/binary-selection';
import { findPlatformPackage, type PlatformFacts } from '../../lib/native/platform-package';
import { RuntimeLoadError } from '../../lib/errors';
import { fakeProbeAddon, mainPackageWith, platformPackage, prebuild } from './fake-packages';

// node-gyp-build resolves for the CPU this runs on: the fakes are this CPU's package.
const arch = process.arch;
const here: PlatformFacts = { platform: 'linux', arch, glibc: '2.31' };
const pkgDir = `node_modules/@dynamic-ofa/linux-${arch}`;

const trtVariants = [
  { dir: 'tensorrt8', tensorrtMajor: 8, cudaMajor: 11 },
  { dir: 'tensorrt10', tensorrtMajor: 10, cudaMajor: 12 },
];
const relative = (root: string, search: AddonSearch): string[] => search.candidates.map((c) => path.relative(root, c.file));
const probeFile = (root: string, source: string): string => {
  const file = path.join(root, `probe-${fs.readdirSync(root).length}.js`);
  fs.writeFileSync(file, source);
  return file;
};

describe('addon binary selection', () => {
  it('DYNAMIC_OFA_BINARY forces a file', () => {
    expect(findAddon(os.tmpdir(), { DYNAMIC_OFA_BINARY: '/x/y.node' }, here).candidates).toEqual([{ file: '/x/y.node', origin: 'DYNAMIC_OFA_BINARY' }]);
  });

  it("the platform package's prebuild (node-gyp-build's pick) comes before the local build", () => {
    const root = mainPackageWith({ ...platformPackage(arch), 'build/Release/dynamic_ofa.node': 'x' });
    const search = findAddon(root, {}, here);
    expect(relative(root, search)).toEqual([`${pkgDir}/${prebuild(arch)}`, 'build/Release/dynamic_ofa.node']);
    expect(search.candidates[0]!.origin).toBe(`@dynamic-ofa/linux-${arch}`);
  });

  it('without a platform package: the local build, and the search says the package is not installed', () => {
    const root = mainPackageWith({ 'build/Release/dynamic_ofa.node': 'x' });
    const search = findAddon(root, {}, here);
    expect(relative(root, search)).toEqual(['build/Release/dynamic_ofa.node']);
    expect(search.looked.join('\n')).toContain(`@dynamic-ofa/linux-${arch} is not installed`);
  });

  it("the package of this CPU only; one without this platform's prebuild is passed over with node-gyp-build's reason", () => {
    const root = mainPackageWith({ ...platformPackage('x64'), ...platformPackage('arm64') });
    expect(findPlatformPackage(root, { ...here, arch: 'arm64' })).toMatchObject({ found: true, name: '@dynamic-ofa/linux-arm64' });
    const other = arch === 'x64' ? 'arm64' : 'x64';
    const wrong = mainPackageWith(platformPackage(arch, {}, {}));
    fs.renameSync(path.join(wrong, pkgDir, 'prebuilds', `linux-${arch}`), path.join(wrong, pkgDir, 'prebuilds', `linux-${other}`));
    const search = findAddon(wrong, {}, here);
    expect(search.candidates).toEqual([]);
    expect(search.looked.join('\n')).toContain(`platform package @dynamic-ofa/linux-${arch}: No native build was found for platform=linux arch=${arch}`);
  });

  it('passes the platform package over under musl, below its glibc floor, and on platforms without one', () => {
    const root = mainPackageWith(platformPackage(arch));
    const musl = findAddon(root, {}, { ...here, glibc: undefined });
    expect(musl.candidates).toEqual([]);
    expect(musl.looked.join('\n')).toMatch(/needs glibc; this Node runs on another C library \(musl\?\)/);
    const old = findAddon(root, {}, { ...here, glibc: '2.27' });
    expect(old.candidates).toEqual([]);
    expect(old.looked.join('\n')).toContain('needs glibc >= 2.28; this machine has 2.27');
    const mac = findAddon(root, {}, { platform: 'darwin', arch: 'arm64', glibc: undefined });
    expect(mac.looked.join('\n')).toContain('no platform package is published for darwin-arm64 (there are: linux-x64, linux-arm64)');
  });

  it('TensorRT variants: each found by node-gyp-build in its folder, newest TensorRT first, used only when its probe says available', () => {
    const root = mainPackageWith(platformPackage(arch, { tensorrt: trtVariants }));
    const probe: TensorRtProbe = (file) => (file.includes('/tensorrt8/') ? { available: true } : { available: false, reason: 'libnvinfer.so.10: cannot open shared object file' });
    const search = findAddon(root, {}, here, probe);
    expect(relative(root, search)).toEqual([`${pkgDir}/tensorrt8/${prebuild(arch)}`, `${pkgDir}/${prebuild(arch)}`]);
    expect(search.candidates[0]!.origin).toBe(`@dynamic-ofa/linux-${arch} (TensorRT)`);
    const looked = search.looked.join('\n');
    expect(looked).toMatch(/TensorRT 10 \/ CUDA 12 variant .*not used: libnvinfer\.so\.10: cannot open shared object file/);
    expect(looked.indexOf('TensorRT 10')).toBeLessThan(looked.indexOf('TensorRT 8'));
  });

  it('a variant folder without an addon for this platform is passed over without a probe', () => {
    const root = mainPackageWith(platformPackage(arch, { tensorrt: [...trtVariants, { dir: 'tensorrt11', tensorrtMajor: 11, cudaMajor: 13 }] }));
    fs.rmSync(path.join(root, pkgDir, 'tensorrt11'), { recursive: true, force: true });
    const probe = jest.fn<ReturnType<TensorRtProbe>, Parameters<TensorRtProbe>>(() => ({ available: false, reason: 'no TensorRT' }));
    const search = findAddon(root, {}, here, probe);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(search.looked.join('\n')).toMatch(/TensorRT 11 \/ CUDA 13 variant in .*tensorrt11: not used: No native build was found/);
  });

  it('the probe in a child process: a build that crashes, throws or has no tensorrtProbe is "not available"', () => {
    const root = mainPackageWith();
    expect(probeTensorRtInChild(probeFile(root, 'process.abort();\n')).reason).toMatch(/loading it failed \(SIGABRT\)/);
    expect(probeTensorRtInChild(probeFile(root, "throw new Error('libnvinfer.so.8: cannot open shared object file');\n")).reason)
      .toMatch(/loading it failed \(exit 1: .*libnvinfer\.so\.8: cannot open shared object file\)/);
    expect(probeTensorRtInChild(probeFile(root, 'module.exports = {};\n')).reason).toMatch(/loading it failed \(exit 1: TypeError: .*tensorrtProbe is not a function\)/);
    expect(probeTensorRtInChild(probeFile(root, fakeProbeAddon("{ available: false, reason: 'no libcudart.so.12' }")))).toEqual({ available: false, reason: 'no libcudart.so.12' });
  });

  it('DYNAMIC_OFA_FORCE_CPU=1 skips the TensorRT variants without probing them', () => {
    const root = mainPackageWith(platformPackage(arch, { tensorrt: trtVariants }));
    const probe = jest.fn<ReturnType<TensorRtProbe>, Parameters<TensorRtProbe>>(() => ({ available: true }));
    const search = findAddon(root, { DYNAMIC_OFA_FORCE_CPU: '1' }, here, probe);
    expect(probe).not.toHaveBeenCalled();
    expect(relative(root, search)).toEqual([`${pkgDir}/${prebuild(arch)}`]);
  });

  it('a probe whose child process cannot be started means "not loadable"', () => {
    const root = mainPackageWith({ 'addon.js': fakeProbeAddon('{ available: true }') });
    expect(probeTensorRtInChild(path.join(root, 'addon.js'))).toEqual({ available: true });
    const unspawnable = probeTensorRtInChild(path.join(root, 'addon.js'), { nodePath: path.join(root, 'no-such-node') });
    expect(unspawnable.available).toBe(false);
    expect(unspawnable.reason).toMatch(/no child process could be started to probe it \(spawnSync .*ENOENT\)/);
  });

  it('falls through to the next candidate when one does not load, and loads the first that does', () => {
    const root = mainPackageWith({ ...platformPackage(arch), 'build/Release/dynamic_ofa.node': 'x' });
    const search = findAddon(root, {}, here);
    const load = (file: string): unknown => {
      if (file.includes('node_modules')) throw new Error("version `GLIBC_2.32' not found");
      return { kind: 'local' };
    };
    const loaded = loadFirst<{ kind: string }>(search, load, here);
    expect(loaded.binding.kind).toBe('local');
    expect(loaded.origin).toBe('local build');
  });

  it('nothing to load: E_RUNTIME_LOAD says where it looked and what to do', () => {
    const root = mainPackageWith();
    const search = findAddon(root, {}, here);
    let error: unknown;
    try {
      loadFirst(search, require, here);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuntimeLoadError);
    const message = (error as RuntimeLoadError).message;
    expect((error as RuntimeLoadError).code).toBe('E_RUNTIME_LOAD');
    expect(message).toContain(`could not be loaded for linux-${arch}`);
    expect(message).toContain('DYNAMIC_OFA_BINARY: not set');
    expect(message).toContain(`@dynamic-ofa/linux-${arch} is not installed`);
    expect(message).toContain(`local build: none in ${root} (No native build was found for platform=linux arch=${arch}`);
    expect(message).toContain('npm install dynamic-ofa --include=optional');
    expect(message).toContain('npm rebuild dynamic-ofa --build-from-source');
  });

  it('a forced file that does not load is an error, not a fallback', () => {
    const search = findAddon(os.tmpdir(), { DYNAMIC_OFA_BINARY: '/nonexistent/dynamic_ofa.node' }, here);
    expect(() => loadFirst(search, require, here)).toThrow(/DYNAMIC_OFA_BINARY: \/nonexistent\/dynamic_ofa\.node does not load[\s\S]*Unset DYNAMIC_OFA_BINARY/);
  });

  it('this checkout loads a CPU build with the ONNX Runtime backend', () => {
    expect(getBinding().backends()).toContain('onnxruntime-cpu');
    expect(['local build', 'DYNAMIC_OFA_BINARY']).toContain(loadedAddon().origin);
  });
});
