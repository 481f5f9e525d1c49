// A family with a static int8 level: loaded, run and managed like any other level.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type DynamicModel, type FamilyInvalidError, type Image, type InferenceResult, loadFamily, RuntimeManager } from '../../lib';
import { preprocessImage } from '../../lib/image/preprocess';
import { int8Family, maxAbsDiff, OrtReference, seededBytes } from '../helpers';

const manifest = JSON.parse(fs.readFileSync(path.join(int8Family, 'family.json'), 'utf8'));
const images: Image[] = Array.from({ length: 8 }, (_, i) => ({ data: seededBytes(28 * 28, 40 + i), width: 28, height: 28, format: 'gray' }));

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('a family with an int8 level', () => {
  let model: DynamicModel;
  const reference = new OrtReference();
  beforeAll(async () => {
    model = await loadFamily(int8Family, { warmupRuns: 3 });
  });
  afterAll(async () => {
    await model.close();
    await reference.release();
  });

  it('loads with each level\'s precision (fp32 by default)', () => {
    expect(model.subnets.map((s) => [s.id, s.precision, s.resolution])).toEqual([['s0', 'fp32', 16], ['s1', 'int8', 24]]);
    for (const s of model.subnets) expect(s.latencyMs).toBeGreaterThan(0);
  });

  it('the int8 level gives what ONNX Runtime gives for its file, and follows its fp32 sibling', async () => {
    const int8File = path.join(int8Family, 's1.int8.onnx');
    const fp32File = path.join(int8Family, manifest.subnets[1].sibling.model);
    for (const image of images) {
      const result = await model.infer(image, { subnet: 's1' });
      const input = preprocessImage(image, manifest.input, 24, 24);
      expect(maxAbsDiff(result.output, await reference.run(int8File, input, [1, 1, 24, 24]))).toBeLessThan(1e-4);
      const fp32 = await reference.run(fp32File, input, [1, 1, 24, 24]);
      expect(cosine(result.output, fp32)).toBeGreaterThan(0.98);
      expect(maxAbsDiff(result.output, fp32)).toBeGreaterThan(0); // really the int8 file, not the fp32 one
    }
  });

  it('the runtime manager picks it like any other level', async () => {
    // Latencies fixed in their true order (the r=24 level is the slower one): the warm-up medians measured at
    // load can come out in either order on a machine busy with other test workers.
    const subnets = model.subnets.map((s, i) => ({ ...s, latencyMs: [0.05, 0.2][i]! }));
    const target = { device: model.device, subnets, infer: (image: Image, o: { subnet: number }) => model.infer(image, o) };
    const manager = new RuntimeManager<Image, InferenceResult>(target, { latencyTargetMs: 1000 });
    const { decision, result } = await manager.infer(images[0]!);
    expect(decision.id).toBe('s1');
    expect(result.subnet).toBe(1);
    manager.setConstraints({ objective: 'latency', accuracyFloor: 0 });
    expect((await manager.infer(images[1]!)).decision.id).toBe('s0');
  });

  it('a sibling of the level\'s own precision, or one outside the folder: E_FAMILY_INVALID naming the field', async () => {
    const subnets = (sibling: unknown): unknown[] => [manifest.subnets[0], { ...manifest.subnets[1], sibling }];
    const same = (await loadFamily({ manifest: { ...manifest, subnets: subnets({ precision: 'int8', model: 's1.onnx' }) }, dir: int8Family }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(same.problems).toEqual([{ path: '/subnets/1/sibling/precision', message: expect.stringContaining("is 'int8', the level's own") }]);
    const outside = (await loadFamily({ manifest: { ...manifest, subnets: subnets({ precision: 'fp32', model: '../s1.onnx' }) }, dir: int8Family }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(outside.problems).toEqual([{ path: '/subnets/1/sibling/model', message: expect.stringContaining('inside the family folder') }]);
    const unknown = (await loadFamily({ manifest: { ...manifest, subnets: [{ ...manifest.subnets[0], precision: 'int4' }] }, dir: int8Family }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(unknown.problems).toEqual([{ path: '/subnets/0/precision', message: 'must be one of ["fp32","int8"]' }]);
  });
});
