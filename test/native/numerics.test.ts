import * as path from 'node:path';

import { type DynamicModel, loadFamily } from '../../lib';
import { preprocessImage } from '../../lib/image/preprocess';
import { maxAbsDiff, OrtReference, seededBytes, seededFloats, tinyFamily } from '../helpers';

describe('numerics against onnxruntime-node', () => {
  let model: DynamicModel;
  const reference = new OrtReference(1);

  beforeAll(async () => {
    model = await loadFamily(tinyFamily, { threads: 1 });
  });
  afterAll(async () => {
    await model.close();
    await reference.release();
  });

  it('loads every sub-network with its own input resolution and one output shape', () => {
    expect(model.subnets.map((s) => s.resolution)).toEqual([16, 20, 24, 32]);
    expect(new Set(model.subnets.map((s) => s.outputShape.join('x')))).toEqual(new Set(['1x10']));
    // One shared input buffer sized for the largest sub-network.
    expect(model.inputBuffer.length).toBe(3 * 32 * 32);
    for (const s of model.subnets) expect(s.latencyMs).toBeGreaterThan(0);
  });

  it('raw float input: every sub-network equals the ORT JS API within 1e-4', async () => {
    for (const subnet of model.subnets) {
      const count = subnet.inputShape.reduce((a, b) => a * b, 1);
      const input = seededFloats(count, subnet.index + 1);
      const ours = await model.infer(input, { subnet: subnet.index });
      const theirs = await reference.run(path.join(tinyFamily, `${subnet.id}.onnx`), input, subnet.inputShape);
      expect(ours.subnet).toBe(subnet.index);
      expect(maxAbsDiff(ours.output, theirs)).toBeLessThanOrEqual(1e-4);
      // Not trivially equal to zeros or to another sub-network's output.
      expect(Math.max(...Array.from(ours.output, Math.abs))).toBeGreaterThan(1e-3);
    }
  });

  it('input written into the shared input view runs in place', async () => {
    const subnet = model.use(2);
    const input = seededFloats(model.input.length, 77);
    model.input.set(input);
    const ours = await model.infer();
    const theirs = await reference.run(path.join(tinyFamily, `${subnet.id}.onnx`), input, subnet.inputShape);
    expect(maxAbsDiff(ours.output, theirs)).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    ['rgb', 3],
    ['bgr', 3],
    ['rgba', 4],
    ['gray', 1],
  ] as const)('image input (%s): native preprocessing equals the TS reference and the output the ORT JS API', async (format, bpp) => {
    const width = 45;
    const height = 29;
    const stride = width * bpp + 7; // padded rows
    const image = { data: seededBytes(stride * height, bpp * 13), width, height, format, stride };
    for (const subnet of model.subnets) {
      const ours = await model.infer(image, { subnet: subnet.index });
      const [, , h, w] = subnet.inputShape as [number, number, number, number];
      const expectedInput = preprocessImage(image, model.manifest.input, h, w);
      // The shared input now holds what preprocessing wrote.
      expect(maxAbsDiff(model.inputBuffer.subarray(0, expectedInput.length), expectedInput)).toBeLessThanOrEqual(1e-4);
      const theirs = await reference.run(path.join(tinyFamily, `${subnet.id}.onnx`), expectedInput, subnet.inputShape);
      expect(maxAbsDiff(ours.output, theirs)).toBeLessThanOrEqual(1e-4);
      expect(ours.preprocessMs).toBeGreaterThan(0);
    }
  });

  it('inferSync gives the same output as infer', async () => {
    const input = seededFloats(3 * 24 * 24, 5);
    const asyncResult = await model.infer(input, { subnet: 2 });
    const syncResult = model.inferSync(input, { subnet: 2 });
    expect(Array.from(syncResult.output)).toEqual(Array.from(asyncResult.output));
  });

  it('sharedOutput returns the shared view; the default returns a copy', async () => {
    const input = seededFloats(3 * 16 * 16, 9);
    const copy = await model.infer(input, { subnet: 0 });
    const shared = await model.infer(input, { subnet: 0, sharedOutput: true });
    expect(shared.output).toBe(model.output);
    expect(copy.output).not.toBe(model.output);
    await model.infer(seededFloats(3 * 16 * 16, 10), { subnet: 0 });
    expect(Array.from(shared.output)).not.toEqual(Array.from(copy.output)); // the view moved on
  });
});
