/**
 * The TensorRT binaries' library loader (binding/trt/runtime_loader.cc), on any machine: which files it opens for
 * which header versions, where it looks, and what it refuses and says. Stand-in libraries built here export the
 * entry points and report a chosen version (tensorrt-loader/fake_library.cc); they never run an engine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from '../engines/helpers';

const root = path.join(__dirname, '..', '..');
const here = path.join(__dirname, 'tensorrt-loader');
const work = tempDir('trt-loader');
const main = path.join(work, 'loader_main');

type Fake = {
  file: string; kind: 'TENSORRT' | 'PARSER' | 'CUDART' | 'DEPENDENCY'; version?: number; defines?: string[];
  /** Links the library against lib<link>.so in `dir` (a DT_NEEDED entry the system's loader must satisfy). */
  dependency?: { dir: string; link: string };
  /** The library's soname (what a library linked against it asks for). */
  soname?: string;
};

/** Builds stand-in libraries into `dir` (a folder per scenario). */
function install(dir: string, fakes: Fake[]): string {
  const target = path.join(work, dir);
  fs.mkdirSync(target, { recursive: true });
  for (const fake of fakes) {
    const defines = [`-DFAKE_${fake.kind}`, `-DFAKE_VERSION=${fake.version ?? 0}`, ...(fake.defines ?? []).map((d) => `-D${d}`)];
    const links = fake.dependency ? ['-DFAKE_NEEDS_DEPENDENCY', `-L${fake.dependency.dir}`, '-Wl,--no-as-needed', `-l${fake.dependency.link}`] : [];
    const soname = fake.soname ? [`-Wl,-soname,${fake.soname}`] : [];
    execFileSync('g++', ['-std=c++17', '-shared', '-fPIC', ...defines, ...soname, '-o', path.join(target, fake.file), path.join(here, 'fake_library.cc'), ...links]);
  }
  return target;
}

interface Library { role: string; name: string; loaded: boolean; path: string; version: string; error: string }
interface State {
  available: boolean; reason: string; canBuild: boolean; buildReason: string; tensorrt: string; cudaRuntime: string;
  onnxParser: string; tensorrtBuild: string; resolved: Record<string, boolean>; libraries: Library[];
}

function load(headers: { tensorrt: string; cuda: string; oldestCuda: string; onnxParser: string }, env: NodeJS.ProcessEnv, fallbacks: string[] = []): State {
  const result = spawnSync(main, ['load', headers.tensorrt, headers.cuda, headers.oldestCuda, headers.onnxParser, ...fallbacks], {
    encoding: 'utf8', env: { PATH: process.env.PATH, ...env },
  });
  if (result.status !== 0) throw new Error(`loader_main failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as State;
}

const run = (...args: string[]): string => execFileSync(main, args, { encoding: 'utf8' }).trim();
// NV_ONNX_PARSER_VERSION is 0.1.0 in both header trees (the parser's own version, not TensorRT's).
const jetpack5 = { tensorrt: '8.5.2', cuda: '11.8', oldestCuda: '11.4', onnxParser: '0.1.0' };
const jetpack6 = { tensorrt: '10.3.0', cuda: '12.4', oldestCuda: '12.0', onnxParser: '0.1.0' };
const trt = (version: number, file = 'libnvinfer.so.8', defines: string[] = []): Fake => ({ file, kind: 'TENSORRT', version, defines });
const parser = (file = 'libnvonnxparser.so.8', version = 100, defines: string[] = []): Fake => ({ file, kind: 'PARSER', version, defines });
const cudart = (version: number, file = 'libcudart.so.11.0', defines: string[] = []): Fake => ({ file, kind: 'CUDART', version, defines });

beforeAll(() => {
  execFileSync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', `-I${path.join(root, 'binding')}`, '-o', main,
    path.join(here, 'loader_main.cc'), path.join(root, 'binding', 'trt', 'runtime_loader.cc'), '-ldl']);
}, 120000);

describe('the TensorRT library loader', () => {
  it('with nothing installed: unavailable, naming each missing file and the JetPack package that has it', () => {
    const state = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('none', []) });
    expect(state.available).toBe(false);
    expect(state.canBuild).toBe(false);
    expect(state.reason).toMatch(/libnvinfer\.so\.8 was not found .*libnvinfer8/);
    expect(state.reason).toMatch(/libcudart\.so\.11\.0 was not found .*cuda-cudart-11-4/);
    expect(state.libraries.map((l) => [l.name, l.loaded])).toEqual([['libnvinfer.so.8', false], ['libcudart.so.11.0', false], ['libnvonnxparser.so.8', false]]);
    expect(state.libraries[2]!.error).toMatch(/not tried/);
  });

  it('loads what JetPack 5 has for a TensorRT 8.5.2 / CUDA 11.8 build (CUDA 11.4 runtime) and resolves every entry point', () => {
    const dir = install('jp5', [trt(8502), parser(), cudart(11040)]);
    const state = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: dir });
    expect(state).toMatchObject({ available: true, reason: '', canBuild: true, buildReason: '', tensorrt: '8.5.2', cudaRuntime: '11.4' });
    expect(state.resolved).toEqual({ createInferBuilder_INTERNAL: true, createNvOnnxParser_INTERNAL: true, cudaMalloc: true });
    expect(state.libraries.map((l) => l.path)).toEqual(['libnvinfer.so.8', 'libcudart.so.11.0', 'libnvonnxparser.so.8'].map((f) => path.join(dir, f)));
  });

  it('refuses an older TensorRT minor and another major, naming both versions; accepts a newer minor', () => {
    const older = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('trt843', [trt(8403), parser(), cudart(11040)]) });
    expect(older.available).toBe(false);
    expect(older.reason).toMatch(/TensorRT 8\.4\.3 is installed; this addon was built with TensorRT 8\.5\.2 headers.*older minor/);
    expect(older.libraries[2]!.error).toMatch(/not tried/); // the parser is not loaded beside a refused TensorRT
    const otherMajor = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('trt10as8', [trt(100300), cudart(11040)]) });
    expect(otherMajor.reason).toMatch(/TensorRT 10\.3\.0 is installed; this addon was built with TensorRT 8\.5\.2 headers.*another major/);
    const newer = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('trt861', [trt(8601), parser(), cudart(11080)]) });
    expect(newer).toMatchObject({ available: true, tensorrt: '8.6.1', cudaRuntime: '11.8' });
  });

  it('chooses the files by the headers\' majors: libnvinfer.so.10 and libcudart.so.12 for a JetPack 6 build', () => {
    const jp5 = install('jp5-for-jp6', [trt(8502), parser(), cudart(11040)]);
    const missing = load(jetpack6, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: jp5 });
    expect(missing.libraries.map((l) => l.name)).toEqual(['libnvinfer.so.10', 'libcudart.so.12', 'libnvonnxparser.so.10']);
    expect(missing.reason).toMatch(/libnvinfer\.so\.10 was not found .*libnvinfer10/);
    expect(missing.reason).toMatch(/libcudart\.so\.12 was not found/);
    const jp6 = install('jp6', [trt(100300, 'libnvinfer.so.10'), parser('libnvonnxparser.so.10'), cudart(12060, 'libcudart.so.12')]);
    expect(load(jetpack6, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: jp6 })).toMatchObject({ available: true, canBuild: true, tensorrt: '10.3.0', cudaRuntime: '12.6' });
  });

  it('refuses a CUDA runtime older than the functions it calls, one without an entry point, and one without a driver', () => {
    const old = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('cuda112', [trt(8502), parser(), cudart(11020)]) });
    expect(old.available).toBe(false);
    expect(old.reason).toMatch(/CUDA runtime 11\.2 is installed; this addon was built with CUDA 11\.8 headers and calls functions the runtime has from CUDA 11\.4 on/);
    const noMalloc = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('nomalloc', [trt(8502), parser(), cudart(11040, 'libcudart.so.11.0', ['FAKE_WITHOUT_MALLOC'])]) });
    expect(noMalloc.reason).toMatch(/libcudart\.so\.11\.0 has no entry point cudaMalloc/);
    expect(noMalloc.resolved.cudaMalloc).toBe(false);
    const noDriver = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('nodriver', [trt(8502), parser(), cudart(11080, 'libcudart.so.11.0', ['FAKE_DRIVER_ERROR'])]) });
    expect(noDriver.reason).toMatch(/libcudart\.so\.11\.0 does not work here: cudaRuntimeGetVersion: CUDA driver version is insufficient/);
  });

  it('without the ONNX parser: engines can run but not be built, and the build reason names the parser', () => {
    const state = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('noparser', [trt(8502), cudart(11040)]) });
    expect(state).toMatchObject({ available: true, canBuild: false });
    expect(state.buildReason).toMatch(/libnvonnxparser\.so\.8 was not found .*libnvonnxparsers8/);
  });

  it('searches DYNAMIC_OFA_TENSORRT_LIBRARY_PATH in order, then the system search (LD_LIBRARY_PATH), then the CUDA fallback folders', () => {
    const first = install('order-a', [trt(8502), parser(), cudart(11040)]);
    const second = install('order-b', [trt(8601), parser(), cudart(11080)]);
    const both = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: `${first}:${second}` });
    expect(both).toMatchObject({ tensorrt: '8.5.2', cudaRuntime: '11.4' });
    expect(load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: `${second}:${first}` })).toMatchObject({ tensorrt: '8.6.1', cudaRuntime: '11.8' });
    expect(load(jetpack5, { LD_LIBRARY_PATH: second })).toMatchObject({ available: true, tensorrt: '8.6.1' });
    const trtOnly = install('trt-only', [trt(8502), parser()]);
    const cudaDir = install('cuda-folder', [cudart(11040)]);
    const fallback = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: trtOnly }, [cudaDir]);
    expect(fallback).toMatchObject({ available: true, cudaRuntime: '11.4' });
    expect(fallback.libraries[1]!.path).toBe(path.join(cudaDir, 'libcudart.so.11.0'));
  });

  it('a libnvinfer whose own dependency is missing: found (where), cannot be loaded, and which library it needs', () => {
    const dependency = install('dependency', [{ file: 'libfakedependency.so', kind: 'DEPENDENCY' }]);
    const needs: Fake[] = [{ file: 'libnvinfer.so.8', kind: 'TENSORRT', version: 8502, dependency: { dir: dependency, link: 'fakedependency' } }, parser(), cudart(11040)];
    const dir = install('needs-dependency', needs);
    const state = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: dir });
    expect(state.available).toBe(false);
    expect(state.libraries[0]!.error).toMatch(new RegExp(`^libnvinfer\\.so\\.8 was found in ${dir} but cannot be loaded: it needs libfakedependency\\.so, which was not found \\(libfakedependency\\.so: cannot open shared object file.*\\); .*LD_LIBRARY_PATH`));
    expect(state.reason).not.toMatch(/libnvinfer\.so\.8 was not found/);
    // Found by the system search instead of the search path: said so.
    const bySystem = load(jetpack5, { LD_LIBRARY_PATH: dir });
    expect(bySystem.libraries[0]!.error).toMatch(/^libnvinfer\.so\.8 was found by the system search \(LD_LIBRARY_PATH, ld\.so\.cache\) but cannot be loaded: it needs libfakedependency\.so/);
    // With the dependency where the system's loader looks, it loads.
    expect(load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: dir, LD_LIBRARY_PATH: dependency })).toMatchObject({ available: true, tensorrt: '8.5.2' });
    // Found but not a library at all: what dlopen said, with where it was found.
    const garbage = install('garbage', [parser(), cudart(11040)]);
    fs.writeFileSync(path.join(garbage, 'libnvinfer.so.8'), 'not an ELF file');
    expect(load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: garbage }).libraries[0]!.error)
      .toMatch(new RegExp(`^libnvinfer\\.so\\.8 was found in ${garbage} but cannot be loaded: ${garbage}/libnvinfer\\.so\\.8: (file too short|invalid ELF header)`));
    // A libnvinfer.so.10 that needs a libcudart.so.12 which is absent: the CUDA runtime's package is named.
    const cudaDir = install('cudart-to-link', [{ file: 'libcudart.so', kind: 'DEPENDENCY', soname: 'libcudart.so.12' }]);
    const jp6 = install('needs-cudart', [{ file: 'libnvinfer.so.10', kind: 'TENSORRT', version: 100300, dependency: { dir: cudaDir, link: 'cudart' } }]);
    const missingCuda = load(jetpack6, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: jp6 });
    expect(missingCuda.libraries[0]!.error).toMatch(/^libnvinfer\.so\.10 was found in .* but cannot be loaded: it needs libcudart\.so\.12, which was not found \(.*\); JetPack 6 ships it as cuda-cudart-12/);
  });

  it('checks the ONNX parser library\'s own version like TensorRT\'s: another major or an older minor than the headers is refused', () => {
    const accepted = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('parser-010', [trt(8502), parser(), cudart(11040)]) });
    expect(accepted).toMatchObject({ available: true, canBuild: true, onnxParser: '0.1.0' });
    expect(accepted.libraries[2]!.version).toBe('0.1.0');
    const newer = load(jetpack6, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('parser-020', [trt(100300, 'libnvinfer.so.10'), parser('libnvonnxparser.so.10', 200), cudart(12060, 'libcudart.so.12')]) });
    expect(newer).toMatchObject({ canBuild: true, onnxParser: '0.2.0' });
    const older = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('parser-005', [trt(8502), parser('libnvonnxparser.so.8', 5), cudart(11040)]) });
    expect(older).toMatchObject({ available: true, canBuild: false });
    expect(older.buildReason).toMatch(/libnvonnxparser\.so\.8 reports parser version 0\.0\.5; this addon was built with ONNX parser 0\.1\.0 headers, and an older minor lacks/);
    const otherMajor = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('parser-100', [trt(8502), parser('libnvonnxparser.so.8', 10000), cudart(11040)]) });
    expect(otherMajor).toMatchObject({ available: true, canBuild: false });
    expect(otherMajor.buildReason).toMatch(/reports parser version 1\.0\.0; .*another major/);
    const unversioned = load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('parser-none', [trt(8502), parser('libnvonnxparser.so.8', 100, ['FAKE_WITHOUT_PARSER_VERSION']), cudart(11040)]) });
    expect(unversioned).toMatchObject({ canBuild: false });
    expect(unversioned.buildReason).toMatch(/libnvonnxparser\.so\.8 has no entry point getNvOnnxParserVersion/);
  });

  it('identifies the TensorRT build: getInferLibBuildVersion where the library has it (10.x), else the library file\'s size (8.x)', () => {
    const jp6 = install('build-10', [trt(100300, 'libnvinfer.so.10', ['FAKE_BUILD=26']), parser('libnvonnxparser.so.10'), cudart(12060, 'libcudart.so.12')]);
    expect(load(jetpack6, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: jp6 })).toMatchObject({ available: true, tensorrt: '10.3.0', tensorrtBuild: '26' });
    const jp5 = install('build-8', [trt(8502), parser(), cudart(11040)]);
    const bytes = fs.statSync(path.join(jp5, 'libnvinfer.so.8')).size;
    expect(load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: jp5 })).toMatchObject({ available: true, tensorrtBuild: `libnvinfer of ${bytes} bytes` });
    expect(load(jetpack5, { DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: install('build-none', []) }).tensorrtBuild).toBe('');
  });

  it('decodes both version encodings and says which TensorRT releases have no DLA', () => {
    expect([run('decode', '8502'), run('decode', '8616'), run('decode', '100300'), run('decode', '110100')]).toEqual(['8.5.2', '8.6.16', '10.3.0', '11.1.0']);
    expect(run('dla', '8.5.2')).toBe('');
    expect(run('dla', '10.3.0')).toBe('');
    expect(run('dla', '10.7.0')).toBe('');
    expect(run('dla', '10.8.0')).toMatch(/TensorRT 10\.8\.0 has no DLA support/);
    expect(run('dla', '11.1.0')).toMatch(/TensorRT 11\.1\.0 has no DLA support.*use the gpu device/);
    expect(run('dla', '11.4.1')).toBe('');
  });
});
