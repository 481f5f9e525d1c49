import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ort from 'onnxruntime-node';

import { type DynamicModel, loadFamily } from '../lib';

export const fixtures = path.join(__dirname, 'fixtures');
export const tinyFamily = path.join(fixtures, 'tiny-family');
export const slowFamily = path.join(fixtures, 'slow-family');
/** A gray family whose second level is static int8 (with its fp32 sibling). */
export const int8Family = path.join(fixtures, 'int8-family');
export const badModels = path.join(fixtures, 'bad');

/** Deterministic pseudo-random floats in [-1, 1) (test/seeded.js, shared with the stand-in suite's scenarios). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const seededFloats = (require('./seeded') as { seededFloats(count: number, seed: number): Float32Array }).seededFloats;

export function seededBytes(count: number, seed: number): Uint8Array {
  return Uint8Array.from(seededFloats(count, seed), (v) => Math.floor((v + 1) * 127.999));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The same model through onnxruntime-node's own JS API: the independent reference. */
export class OrtReference {
  private readonly sessions = new Map<string, ort.InferenceSession>();
  constructor(private readonly threads = 1) {}

  async run(modelPath: string, input: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    let session = this.sessions.get(modelPath);
    if (!session) {
      session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      this.sessions.set(modelPath, session);
    }
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [...shape]) };
    const result = await session.run(feeds);
    return result[session.outputNames[0]!]!.data as Float32Array;
  }

  async release(): Promise<void> {
    for (const session of this.sessions.values()) await session.release();
    this.sessions.clear();
  }
}

/** The tiny fixture family's manifest, parsed. */
export const tinyManifest = JSON.parse(fs.readFileSync(path.join(tinyFamily, 'family.json'), 'utf8'));

/** A scratch family folder with the given manifest and files. */
export function scratchFamily(manifest: unknown, files: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-bad-'));
  fs.writeFileSync(path.join(dir, 'family.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** The tiny family's manifest with one sub-network per model file (ids m0, m1, ...). */
export function withModels(models: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...tinyManifest,
    ...overrides,
    subnets: models.map((model, i) => ({ ...tinyManifest.subnets[0], id: `m${i}`, model })),
  };
}

/** The tiny family (sub-networks far under a millisecond) and the slow one (over it), 1 thread each, loaded in the
 * enclosing describe block's beforeAll and closed in its afterAll: read them inside tests. */
export function tinyAndSlowModels(): { tiny: DynamicModel; slow: DynamicModel } {
  const models = {} as { tiny: DynamicModel; slow: DynamicModel };
  beforeAll(async () => {
    models.tiny = await loadFamily(tinyFamily, { threads: 1 });
    models.slow = await loadFamily(slowFamily, { threads: 1, warmupRuns: 1 });
  });
  afterAll(async () => {
    await models.tiny.close();
    await models.slow.close();
  });
  return models;
}
