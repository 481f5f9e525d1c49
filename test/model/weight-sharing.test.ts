/**
 * Shared weights on the CPU (docs/memory.md): the same outputs as loading the ONNX files as they are, identical
 * weights held once (counted by the addon and seen in the heap), the cache of optimized models (hit, stale, damaged)
 * and the fallback to the ONNX files when weights cannot be shared.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type DynamicModel, loadFamily, type LoadOptions } from '../../lib';
import type { OptimizedRecord } from '../../lib/engines/optimized-onnx';
import { getBinding } from '../../lib/native/addon';
import { WEIGHT_SHARING_WARNING } from '../../lib/model/load-cpu';
import { copyFamily, tempDir } from '../engines/helpers';
import { fixtures, maxAbsDiff, seededFloats, tinyFamily } from '../helpers';

const fashion = path.join(__dirname, '..', '..', 'engines', 'fashion-ofa');
const base: LoadOptions = { threads: 1, warmupRuns: 1 };

/** Every sub-network's output for one seeded input each. */
async function outputs(model: DynamicModel): Promise<Float32Array[]> {
  const result: Float32Array[] = [];
  for (const subnet of model.subnets) {
    const input = seededFloats(subnet.inputShape.reduce((a, b) => a * b, 1), 100 + subnet.index);
    result.push(Float32Array.from((await model.infer(input, { subnet: subnet.index })).output));
  }
  return result;
}

/** Warnings emitted while `work` runs (process.emitWarning, silenced). */
async function warningsDuring<T>(work: () => Promise<T>): Promise<{ value: T; warnings: { code?: string; message: string }[] }> {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    const value = await work();
    const warnings = spy.mock.calls.map(([message, options]) => ({
      code: (options as { code?: string } | undefined)?.code, message: String(message),
    }));
    return { value, warnings };
  } finally {
    spy.mockRestore();
  }
}

/** The family in `dir` (its ONNX files), loaded both ways: its outputs with shared weights and without. */
async function bothWays(dir: string, options: LoadOptions = {}): Promise<{ shared: DynamicModel; plain: DynamicModel }> {
  const shared = await loadFamily(dir, { ...base, ...options });
  const plain = await loadFamily(dir, { ...base, ...options, shareWeights: false });
  return { shared, plain };
}

describe('shared weights: the same outputs as the ONNX files as they are', () => {
  it.each([
    ['the bundled family', fashion],
    ['the tiny fixture family', tinyFamily],
    ['the slow fixture family', path.join(fixtures, 'slow-family')],
    ['the int8 fixture family', path.join(fixtures, 'int8-family')],
  ])('%s', async (_name, source) => {
    const dir = copyFamily(source, 'share-parity');
    const { shared, plain } = await bothWays(dir);
    try {
      expect(shared.weightSharing).toMatchObject({ enabled: true });
      expect(plain.weightSharing).toMatchObject({ enabled: false, reason: 'turned off', weightBytes: 0 });
      const [a, b] = [await outputs(shared), await outputs(plain)];
      for (let i = 0; i < a.length; i++) {
        expect(a[i]!.length).toBe(b[i]!.length);
        expect(maxAbsDiff(a[i]!, b[i]!)).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await shared.close();
      await plain.close();
    }
  });
});

describe('identical weights are held once', () => {
  // The bundled family's largest level twice (a copy of its file) and then L0: the copy's weights are all the first's.
  function twinFamily(): string {
    const dir = copyFamily(fashion, 'share-twin');
    fs.copyFileSync(path.join(dir, 'L5.onnx'), path.join(dir, 'L5-twin.onnx'));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'family.json'), 'utf8')) as { subnets: { id: string; model: string }[]; produced?: unknown };
    const [l0, l5] = [manifest.subnets[0]!, manifest.subnets.at(-1)!];
    manifest.subnets = [l5, { ...l5, id: 'L5-twin', model: 'L5-twin.onnx' }, l0];
    delete manifest.produced; // (its int8 candidates name the levels left out)
    fs.writeFileSync(path.join(dir, 'family.json'), JSON.stringify(manifest));
    return dir;
  }

  // glibc's heap counts are the process's: a free on another thread during a load (V8's sweeper returning array
  // buffers) reads as less. A load itself never shrinks the heap, so a negative reading is such a free: load again.
  async function loadUndisturbed(dir: string, options: LoadOptions): Promise<DynamicModel> {
    for (let attempt = 1; ; attempt++) {
      const model = await loadFamily(dir, options);
      if (attempt === 3 || model.subnets.every((s) => s.memory.loadHeapBytes >= 0)) return model;
      await model.close();
    }
  }

  it('counts a copy as all reused, and the heap does not grow by its weights; without sharing it does', async () => {
    const dir = twinFamily();
    const shared = await loadUndisturbed(dir, base);
    const plain = await loadUndisturbed(dir, { ...base, shareWeights: false });
    try {
      const [first, twin, other] = shared.subnets.map((s) => s.memory);
      expect(first!.weightBytes).toBeGreaterThan(2_000_000); // L5's 2.4 MB of weights
      expect(first!.reusedWeightBytes).toBe(0);
      expect(twin!.weightBytes).toBe(first!.weightBytes);
      expect(twin!.reusedWeightBytes).toBe(twin!.weightBytes);
      expect(other!.reusedWeightBytes).toBeLessThan(other!.weightBytes);
      expect(shared.weightSharing.weightBytes).toBe(first!.weightBytes * 2 + other!.weightBytes);
      expect(shared.weightSharing.heldWeightBytes).toBe(first!.weightBytes + other!.weightBytes - other!.reusedWeightBytes);
      // What ONNX Runtime holds: the twin's load takes far less heap than the first's, where without sharing it is the same.
      // (glibc's heap counts: they read 0 under the sanitizers, whose allocator replaces glibc's: npm run test:sanitize)
      const [plainFirst, plainTwin] = plain.subnets.map((s) => s.memory);
      expect(plainTwin!.weightBytes).toBe(0);
      const sanitized = (process.env.DYNAMIC_OFA_BINARY ?? '').includes('build-sanitize');
      if (!sanitized) {
        expect(first!.loadHeapBytes).toBeGreaterThan(first!.weightBytes);
        expect(twin!.loadHeapBytes).toBeLessThan(first!.loadHeapBytes - first!.weightBytes * 0.8);
        expect(plainTwin!.loadHeapBytes).toBeGreaterThan(plainFirst!.loadHeapBytes * 0.8);
      }
    } finally {
      await shared.close();
      await plain.close();
    }
  });
});

describe('the cache of optimized models', () => {
  // This host's folder of optimized models (lib/engines/optimized-onnx.ts): the one folder under cpu/ here.
  const hostFolder = (dir: string): string => {
    const cpu = path.join(dir, '.engine-cache', 'cpu');
    const folders = fs.readdirSync(cpu);
    expect(folders).toHaveLength(1);
    return path.join(cpu, folders[0]!);
  };
  const recordFile = (dir: string, id: string): string => path.join(hostFolder(dir), `${id}.json`);
  const modelFile = (dir: string, id: string): string => {
    const record = JSON.parse(fs.readFileSync(recordFile(dir, id), 'utf8')) as OptimizedRecord;
    return path.join(hostFolder(dir), `${id}.${record.optimized.contentHash}.onnx`);
  };
  const mtimes = (dir: string): number[] => ['s0', 's1', 's2', 's3'].map((id) => fs.statSync(modelFile(dir, id)).mtimeMs);

  it('is made at the first load and found by the next (nothing made: optimizeMs 0)', async () => {
    const dir = copyFamily(tinyFamily, 'share-cache');
    const first = await loadFamily(dir, base);
    await first.close();
    expect(first.loadTime.optimizeMs).toBeGreaterThan(0);
    const before = mtimes(dir);
    const second = await loadFamily(dir, base);
    await second.close();
    expect(second.weightSharing.enabled).toBe(true);
    expect(second.loadTime.optimizeMs).toBe(0);
    expect(mtimes(dir)).toEqual(before);
  });

  it('makes a model again when its ONNX file changed, and runs the new one', async () => {
    const dir = copyFamily(tinyFamily, 'share-stale');
    const old = await loadFamily(dir, base);
    const oldOutputs = await outputs(old);
    await old.close();
    const recordBefore = JSON.parse(fs.readFileSync(recordFile(dir, 's1'), 'utf8')) as OptimizedRecord;
    // Another s1: one bit flipped in the middle of the file, inside its weights (the outputs below show it).
    const onnx = path.join(dir, 's1.onnx');
    const bytes = fs.readFileSync(onnx);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 1;
    fs.writeFileSync(onnx, bytes);
    const { shared, plain } = await bothWays(dir);
    try {
      const recordAfter = JSON.parse(fs.readFileSync(recordFile(dir, 's1'), 'utf8')) as OptimizedRecord;
      expect(recordAfter.onnx.sha256).not.toBe(recordBefore.onnx.sha256);
      expect(shared.loadTime.optimizeMs).toBeGreaterThan(0);
      const [a, b] = [await outputs(shared), await outputs(plain)];
      expect(maxAbsDiff(a[1]!, oldOutputs[1]!)).toBeGreaterThan(0);
      expect(maxAbsDiff(a[1]!, b[1]!)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(a[0]!, oldOutputs[0]!)).toBe(0);
    } finally {
      await shared.close();
      await plain.close();
    }
  });

  it('makes a damaged file again (same size, other bytes: the addon\'s content hash), without a warning', async () => {
    const dir = copyFamily(tinyFamily, 'share-damaged');
    await (await loadFamily(dir, base)).close();
    const file = modelFile(dir, 's2');
    const damaged = fs.readFileSync(file);
    damaged.fill(0x55, damaged.length - 200, damaged.length - 100);
    fs.writeFileSync(file, damaged);
    const { value: model, warnings } = await warningsDuring(() => loadFamily(dir, base));
    try {
      expect(warnings.filter((w) => w.code === WEIGHT_SHARING_WARNING)).toEqual([]);
      expect(model.weightSharing.enabled).toBe(true);
      expect(model.loadTime.optimizeMs).toBeGreaterThan(0);
      // made again: the record names a file with other bytes (the damaged one replaced, or removed for a new name)
      expect(fs.readFileSync(modelFile(dir, 's2')).equals(damaged)).toBe(false);
      expect(fs.readdirSync(hostFolder(dir)).filter((f) => f.startsWith('s2.') && f.endsWith('.onnx'))).toHaveLength(1);
    } finally {
      await model.close();
    }
  });
});

describe('falling back to the ONNX files', () => {
  it('when the cache cannot be written: a warning with its code, the same outputs', async () => {
    const dir = copyFamily(tinyFamily, 'share-readonly');
    const blocker = path.join(tempDir('share-blocker'), 'a-file');
    fs.writeFileSync(blocker, '');
    const { value: model, warnings } = await warningsDuring(() => loadFamily(dir, { ...base, cache: path.join(blocker, 'cache') }));
    const plain = await loadFamily(dir, { ...base, shareWeights: false });
    try {
      expect(model.weightSharing).toMatchObject({ enabled: false, reason: expect.stringMatching(/weights are not shared \(.*ENOTDIR/) });
      expect(warnings).toEqual([{ code: WEIGHT_SHARING_WARNING, message: expect.stringMatching(/^family 'tiny-family': weights are not shared/) }]);
      const [a, b] = [await outputs(model), await outputs(plain)];
      for (let i = 0; i < a.length; i++) expect(maxAbsDiff(a[i]!, b[i]!)).toBe(0);
    } finally {
      await model.close();
      await plain.close();
    }
  });

  it('when ONNX Runtime refuses the optimized models (made twice): a warning, and the family loads as before', async () => {
    const dir = copyFamily(tinyFamily, 'share-refused');
    const binding = getBinding();
    const real = binding.optimizeModel;
    let calls = 0;
    // What the optimizer "writes" is a model the addon reads as the recorded file but that is no sub-network (two inputs).
    binding.optimizeModel = async (library, threads, onnx, output) => {
      calls++;
      const made = await real.call(binding, library, threads, path.join(fixtures, 'bad', 'two-inputs.onnx'), output);
      return made;
    };
    try {
      const { value: model, warnings } = await warningsDuring(() => loadFamily(dir, base));
      expect(calls).toBe(8); // four models, made twice
      expect(model.weightSharing).toMatchObject({ enabled: false, reason: expect.stringMatching(/E_MODEL_LOAD: .*2 inputs/) });
      expect(warnings.map((w) => w.code)).toEqual([WEIGHT_SHARING_WARNING]);
      expect(model.subnets).toHaveLength(4);
      await model.close();
    } finally {
      binding.optimizeModel = real;
    }
  });

  it('is not taken for a family that is broken itself: its own error, naming its own file, and no warning', async () => {
    const dir = copyFamily(tinyFamily, 'share-broken');
    fs.writeFileSync(path.join(dir, 's2.onnx'), 'not a model');
    const { value: error, warnings } = await warningsDuring(() => loadFamily(dir, base).catch((e: unknown) => e));
    expect(error).toMatchObject({ code: 'E_MODEL_LOAD', message: expect.stringContaining(path.join(dir, 's2.onnx')) });
    expect((error as Error).message).not.toContain('.engine-cache');
    expect(warnings).toEqual([]);
  });
});
