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

type Fake = { file: string; kind: 'TENSORRT' | 'PARSER' | 'CUDART'; version?: number; defines?: string[] };

/** Builds stand-in libraries into `dir` (a folder per scenario). */
function install(dir: string, fakes: Fake[]): string {
  const target = path.join(work, dir);
  fs.mkdirSync(target, { recursive: true });
  for (const fake of fakes) {
    const defines = [`-DFAKE_${fake.kind}`, `-DFAKE_VERSION=${fake.version ?? 0}`, ...(fake.defines ?? []).map((d) => `-D${d}`)];
    execFileSync('g++', ['-std=c++17', '-shared', '-fPIC', ...defines, '-o', path.join(target, fake.file), path.join(here, 'fake_library.cc')]);
  }
  return target;
}

interface Library { role: string; name: string; loaded: boolean; path: string; version: string; error: string }
interface State {
  available: boolean; reason: string; canBuild: boolean; buildReason: string; tensorrt: string; cudaRuntime: string;
  resolved: Record<string, boolean>; libraries: Library[];
}

function load(headers: { tensorrt: string; cuda: string; oldestCuda: string }, env: NodeJS.ProcessEnv, fallbacks: string[] = []): State {
  const result = spawnSync(main, ['load', headers.tensorrt, headers.cuda, headers.oldestCuda, ...fallbacks], {
    encoding: 'utf8', env: { PATH: process.env.PATH, ...env },
  });
  if (result.status !== 0) throw new Error(`loader_main failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as State;
}

const run = (...args: string[]): string => execFileSync(main, args, { encoding: 'utf8' }).trim();
const jetpack5 = { tensorrt: '8.5.2', cuda: '11.8', oldestCuda: '11.4' };
const jetpack6 = { tensorrt: '10.3.0', cuda: '12.4', oldestCuda: '12.0' };
const trt = (version: number, file = 'libnvinfer.so.8'): Fake => ({ file, kind: 'TENSORRT', version });
const parser = (file = 'libnvonnxparser.so.8'): Fake => ({ file, kind: 'PARSER' });
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
