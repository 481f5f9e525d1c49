import { type DynamicModel, loadFamily } from '../../lib';
import { maxAbsDiff, seededFloats, tinyFamily } from '../helpers';

// Runtimes that refuse external memory (Electron's V8 sandbox) get JS-owned views synchronized around runs.
describe('copy fallback for the shared views', () => {
  let external: DynamicModel;
  let copied: DynamicModel;
  beforeAll(async () => {
    external = await loadFamily(tinyFamily, { warmupRuns: 1 });
    copied = await loadFamily(tinyFamily, { warmupRuns: 1, copyBuffers: true });
  });
  afterAll(async () => {
    await external.close();
    await copied.close();
  });

  it('reports which mode it is in', () => {
    expect(external.copiedBuffers).toBe(false);
    expect(copied.copiedBuffers).toBe(true);
  });

  it('writing the input view and reading the output view work the same in both modes', async () => {
    for (const subnet of [0, 3, 1]) {
      external.use(subnet);
      copied.use(subnet);
      const input = seededFloats(external.input.length, subnet + 60);
      external.input.set(input);
      copied.input.set(input);
      await external.infer(undefined, { sharedOutput: true });
      await copied.infer(undefined, { sharedOutput: true });
      expect(maxAbsDiff(copied.output, external.output)).toBe(0);
      expect(Math.max(...Array.from(copied.output, Math.abs))).toBeGreaterThan(1e-3);
    }
  });

  it('image input shows the preprocessed input in the input view in both modes', async () => {
    const image = { data: new Uint8Array(20 * 10 * 3).map((_, i) => i % 250), width: 20, height: 10, format: 'rgb' as const };
    external.use(2);
    copied.use(2);
    await external.infer(image);
    await copied.infer(image);
    expect(maxAbsDiff(copied.input, external.input)).toBe(0);
  });
});
