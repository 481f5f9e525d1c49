// The bundled default family, run through the addon: its recorded accuracies are reproduced here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { type DynamicModel, loadFamily } from '../../lib';
import { argmax } from '../../lib/cli/helpers';
import { calibrationImages } from '../../lib/engines/calibration';
import { loadSample } from '../../lib/image/family-images';

const familyDir = path.join(__dirname, '..', '..', 'engines', 'fashion-ofa');
const fullTestSet = '/usr/share/datasets/fashion-mnist'; // Debian's dataset-fashion-mnist
const hasFullTestSet = fs.existsSync(path.join(fullTestSet, 't10k-images-idx3-ubyte.gz'));

/** IDX files (big-endian header: magic, dims) from the Debian package. */
function readIdx(file: string): { dims: number[]; data: Buffer } {
  const bytes = gunzipSync(fs.readFileSync(file));
  const rank = bytes[3]!;
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

async function top1(model: DynamicModel, subnet: number, count: number, frame: (i: number) => Uint8Array, label: (i: number) => number): Promise<number> {
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const result = await model.infer({ data: frame(i), width: 28, height: 28, format: 'gray' }, { subnet, sharedOutput: true });
    if (argmax(result.output) === label(i)) correct++;
  }
  return (100 * correct) / count;
}

describe('bundled family engines/fashion-ofa', () => {
  let model: DynamicModel;
  beforeAll(async () => {
    model = await loadFamily(familyDir, { warmupRuns: 3 });
  });
  afterAll(() => model.close());

  it('is a Pareto family: at least 6 levels, accuracy rising with latency, spanning at least 3x, under 10 MB', () => {
    const levels = model.manifest.subnets;
    expect(levels.length).toBeGreaterThanOrEqual(6);
    const latency = levels.map((s) => Object.values(s.latencyMs ?? {})[0]!);
    for (let i = 1; i < levels.length; i++) {
      expect(levels[i]!.accuracy.value).toBeGreaterThan(levels[i - 1]!.accuracy.value);
      expect(latency[i]!).toBeGreaterThan(latency[i - 1]!);
    }
    expect(latency.at(-1)! / latency[0]!).toBeGreaterThanOrEqual(3);
    expect(model.manifest.weights).toBe('trained');
    for (const s of levels) expect(s.accuracy).toMatchObject({ source: 'measured', dataset: 'fashion-mnist-test-10000' });
    const bytes = fs.readdirSync(familyDir).reduce((sum, f) => sum + fs.statSync(path.join(familyDir, f)).size, 0);
    expect(bytes).toBeLessThan(10 * 1024 * 1024);
  });

  it('top-1 of every sub-network on the bundled sample, through the addon, is the recorded value within 0.5 points', async () => {
    const sample = loadSample(model)!;
    expect(sample.count).toBe(1000);
    for (const s of model.manifest.subnets.keys()) {
      const measured = await top1(model, s, sample.count, (i) => sample.image(i).data, sample.label);
      expect(Math.abs(measured - model.manifest.subnets[s]!.sampleAccuracy!.value)).toBeLessThanOrEqual(0.5);
    }
  });

  it('ships the calibration images its int8 candidates used, and TensorRT\'s int8 calibration reads them', () => {
    const chosen = calibrationImages(model)!;
    expect(chosen.source).toBe('calibration');
    expect(chosen.images.count).toBe(model.manifest.calibration!.count);
    expect(chosen.images.image(0)).toMatchObject({ width: 28, height: 28, format: 'gray' });
    expect(model.manifest.produced?.int8Candidates?.candidates.length).toBeGreaterThan(0);
  });

  (hasFullTestSet ? it : it.skip)('top-1 on the full 10,000-image test set (Debian dataset-fashion-mnist) is the recorded value within 0.5 points', async () => {
    const images = readIdx(path.join(fullTestSet, 't10k-images-idx3-ubyte.gz'));
    const labels = readIdx(path.join(fullTestSet, 't10k-labels-idx1-ubyte.gz'));
    expect(images.dims).toEqual([10000, 28, 28]);
    for (const s of model.manifest.subnets.keys()) {
      const measured = await top1(model, s, 10000, (i) => images.data.subarray(i * 784, (i + 1) * 784), (i) => labels.data[i]!);
      expect(Math.abs(measured - model.manifest.subnets[s]!.accuracy.value)).toBeLessThanOrEqual(0.5);
    }
  }, 300000);
});
