/**
 * The CLI on the stand-in: `info` finds TensorRT, the device and its DLA cores and names the stand-in;
 * `build-engines` builds, counts DLA loadables from the built engines and profiles; a second run uses the cache;
 * a changed ONNX file, a corrupt engine file and another TensorRT build each rebuild; `bench --device gpu` runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { bundledFamily, cli, copyFamily, summaryFragment, tinyFamily } from './helpers';

interface Row { device: string; id: string; engine: string; dlaLoadables?: number; gpuLayers?: number; hostMs?: { p50: number } }
interface BuildResult { cacheDir: string; profiles: Record<string, string>; results: Row[] }

const summary = summaryFragment('cli');
/** The stand-in's TensorRT version, major.minor.patch, as `info` reported it. */
let tensorrtVersion = '';

function json<T>(args: string[], env: NodeJS.ProcessEnv = {}): T {
  const out = cli([...args, '--json'], env);
  if (out.status !== 0) throw new Error(`dynamic-ofa ${args.join(' ')} exited ${out.status}:\n${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`);
  return JSON.parse(out.stdout) as T;
}

function buildEngines(family: string, devices: string, env: NodeJS.ProcessEnv = {}): BuildResult {
  return json<BuildResult>(['build-engines', '--family', family, '--device', devices, '--runs', '10', '--warmup-ms', '5'], env);
}

describe('info', () => {
  it('reports TensorRT available, the stand-in device with 2 DLA cores, and the library build', () => {
    const info = json<{ backends: Array<{ name: string; available: boolean }>; devices: string[]; tensorrt?: Record<string, unknown> }>(['info']);
    expect(info.backends.find((b) => b.name === 'tensorrt')?.available).toBe(true);
    expect(info.devices).toEqual(expect.arrayContaining(['gpu', 'dla0', 'dla1']));
    const text = JSON.stringify(info);
    expect(text).toMatch(/dynamic-ofa stand-in/);
    const human = cli(['info']);
    expect(human.stdout).toMatch(/stand-in/i);
    const trt = info.tensorrt as { version: string; build: string; info: { dlaCores: number; cuda: { name: string } } };
    // TensorRT 10 reports its build number; 8.x has no call for it, so the library file's size stands in.
    expect(trt.build).toMatch(/^\d+$|^libnvinfer of \d+ bytes$/);
    tensorrtVersion = trt.version;
    expect(trt.info.dlaCores).toBe(2);
    expect(trt.info.cuda.name).toMatch(/^dynamic-ofa stand-in/);
    summary.tensorrtVersion = `${trt.version}.${trt.build}`;
    summary.save();
  });
});

describe('build-engines on the bundled family (gpu, dla0, dla1) and the tiny family (dla0, dla1)', () => {
  const bundled = copyFamily(bundledFamily, 'cli-bundled');
  const tiny = copyFamily(tinyFamily, 'cli-tiny');
  let first: BuildResult;
  const loadables: Record<string, Record<string, number>> = {};
  const record = (family: string, rows: Row[]): void => {
    for (const row of rows) if (row.device !== 'gpu' && row.dlaLoadables !== undefined) (loadables[`${family}/${row.id}`] ??= {})[row.device] = row.dlaLoadables;
    summary.dlaLoadables = loadables;
    summary.save();
  };

  beforeAll(() => {
    first = buildEngines(bundled, 'gpu,dla0,dla1');
  }, 600000);

  it('builds every engine and profiles every sub-network on the GPU', () => {
    const gpu = first.results.filter((r) => r.device === 'gpu');
    expect(gpu.map((r) => r.engine)).toEqual(Array(6).fill('built'));
    expect(gpu.every((r) => r.hostMs!.p50 > 0)).toBe(true);
    expect(fs.existsSync(first.profiles.gpu!)).toBe(true);
  });

  it('on each DLA core: every engine built with its loadables counted, and what fits a core profiled', () => {
    for (const device of ['dla0', 'dla1']) {
      const rows = first.results.filter((r) => r.device === device);
      expect(rows.map((r) => r.engine)).toEqual(Array(6).fill('built'));
      // h-swish's hard-sigmoid and the squeeze-excite pooling split every level into more DLA subgraphs than a
      // core takes: TensorRT moves the rest to the GPU, so each level alone fills the core's 16 loadables.
      for (const row of rows) expect(row.dlaLoadables).toBe(16);
      expect(rows.filter((r) => r.hostMs).length).toBe(1);
      expect(fs.existsSync(first.profiles[device]!)).toBe(true);
    }
    record('fashion-ofa', first.results);
  });

  it('counts one DLA loadable per DLA subgraph (the tiny family: one per Conv between HardSwish layers)', () => {
    const result = buildEngines(tiny, 'dla0,dla1');
    for (const device of ['dla0', 'dla1']) {
      const rows = result.results.filter((r) => r.device === device);
      expect(rows.map((r) => [r.id, r.dlaLoadables])).toEqual([['s0', 5], ['s1', 7], ['s2', 9], ['s3', 11]]);
      // 5 + 7 fit a core's 16; s2 and s3 are built but not profiled beside them.
      expect(rows.map((r) => r.hostMs !== undefined)).toEqual([true, true, false, false]);
    }
    record('tiny-family', result.results);
  });

  it('a second run uses the cache', () => {
    const second = buildEngines(bundled, 'gpu,dla0,dla1');
    expect(second.results).toHaveLength(18);
    expect(second.results.every((r) => r.engine === 'cached')).toBe(true);
    summary.secondBuildCached = true;
    summary.save();
  });

  it('a changed ONNX file rebuilds that sub-network only', () => {
    // A doc string appended to the ModelProto (field 6): the same network in other bytes.
    const l0 = path.join(bundled, 'L0.onnx');
    fs.appendFileSync(l0, Buffer.from([0x32, 0x02, 0x4f, 0x4b]));
    const result = buildEngines(bundled, 'gpu');
    expect(result.results.map((r) => r.engine)).toEqual(['built', 'cached', 'cached', 'cached', 'cached', 'cached']);
    summary.rebuilds = { ...(summary.rebuilds as object), changedOnnx: true };
    summary.save();
  });

  it('a corrupt engine file is rebuilt', () => {
    const engineDir = path.join(bundled, '.engine-cache');
    const engine = (fs.readdirSync(engineDir, { recursive: true }) as string[]).find((f) => f.startsWith('gpu') && f.includes('L2') && f.endsWith('.engine'));
    expect(engine).toBeDefined();
    const file = path.join(engineDir, engine!);
    const bytes = fs.readFileSync(file);
    bytes.fill(0x5a, bytes.length - 64);
    fs.writeFileSync(file, bytes);
    const result = buildEngines(bundled, 'gpu');
    expect(result.results.find((r) => r.id === 'L2')!.engine).toBe('built');
    summary.rebuilds = { ...(summary.rebuilds as object), corruptEngine: true };
    summary.save();
  });

  it('another TensorRT build number rebuilds every engine', () => {
    // On TensorRT 8 the addon cannot see the build (the library file stands in for it): the plan's own check refuses
    // the engine at deserialization, and the refused cached engines are rebuilt once.
    const result = buildEngines(bundled, 'gpu', { DYNAMIC_OFA_STANDIN_TENSORRT_VERSION: `${tensorrtVersion}.99` });
    expect(result.results.every((r) => r.engine === 'built')).toBe(true);
    summary.rebuilds = { ...(summary.rebuilds as object), otherBuild: true };
    summary.save();
  });
});

describe('bench --device gpu', () => {
  it('runs end to end and labels the device as the stand-in', () => {
    const family = copyFamily(bundledFamily, 'cli-bench');
    const out = cli(['bench', '--family', family, '--device', 'gpu', '--runs', '20']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/stand-in/i);
  });
});
