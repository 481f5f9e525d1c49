import { type DynamicModel, loadFamily } from '../../lib';
import { maxAbsDiff, seededFloats, tinyFamily } from '../helpers';

describe('switching sub-networks', () => {
  let model: DynamicModel;
  // Reference outputs per sub-network for one fixed image, each from a fresh single-purpose run.
  const image = { data: new Uint8Array(40 * 30 * 3).map((_, i) => (i * 37) % 256), width: 40, height: 30, format: 'rgb' as const };
  const expected: Float32Array[] = [];

  beforeAll(async () => {
    model = await loadFamily(tinyFamily, { threads: 1 });
    for (const s of model.subnets) expected.push(model.inferSync(image, { subnet: s.index }).output);
    // The sub-networks really differ, so a wrong switch would be caught.
    expect(maxAbsDiff(expected[0]!, expected[3]!)).toBeGreaterThan(1e-2);
  });
  afterAll(() => model.close());

  it('starts on the most accurate sub-network', () => {
    expect(model.active.index).toBe(model.subnets.length - 1);
  });

  it('after use(j) the next result comes from sub-network j (by index and by id)', async () => {
    for (const s of model.subnets) {
      model.use(s.index);
      const byIndex = await model.infer(image);
      expect(byIndex.subnet).toBe(s.index);
      expect(byIndex.id).toBe(s.id);
      expect(maxAbsDiff(byIndex.output, expected[s.index]!)).toBe(0);
      model.use(s.id);
      expect(model.active.index).toBe(s.index);
      expect(model.input.length).toBe(s.inputShape.reduce((a, b) => a * b, 1));
    }
  });

  it('alternating across all sub-networks for many iterations gives the right output every time', async () => {
    const order = [0, 3, 1, 2, 3, 0, 2, 1];
    for (let i = 0; i < 400; i++) {
      const j = order[i % order.length]!;
      model.use(j);
      const result = await model.infer(image);
      expect(result.subnet).toBe(j);
      expect(maxAbsDiff(result.output, expected[j]!)).toBe(0);
    }
  });

  it('a request runs on the sub-network active when it was made, even if use() changes before it runs', async () => {
    const inputs = model.subnets.map((s) => seededFloats(s.inputShape.reduce((a, b) => a * b, 1), 100 + s.index));
    const solo = model.subnets.map((s) => model.inferSync(inputs[s.index]!, { subnet: s.index }).output);
    const promises = model.subnets.map((s) => {
      model.use(s.index);
      return model.infer(inputs[s.index]!);
    });
    model.use(0);
    const results = await Promise.all(promises);
    results.forEach((r, i) => {
      expect(r.subnet).toBe(i);
      expect(maxAbsDiff(r.output, solo[i]!)).toBe(0);
    });
  });
});
