import * as path from 'node:path';

import * as ort from 'onnxruntime-node';

export const fixtures = path.join(__dirname, 'fixtures');
export const tinyFamily = path.join(fixtures, 'tiny-family');
export const slowFamily = path.join(fixtures, 'slow-family');
export const badModels = path.join(fixtures, 'bad');

/** Deterministic pseudo-random floats in [-1, 1). */
export function seededFloats(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

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

/**
 * Independent preprocessing reference: PyTorch's interpolate(mode='bilinear', align_corners=False) on x/255,
 * then (x - mean) / std, computed in float64 per output pixel.
 */
export function referencePreprocess(
  image: { data: Uint8Array; width: number; height: number; format: 'gray' | 'rgb' | 'bgr' | 'rgba' | 'bgra'; stride?: number },
  model: { channels: 1 | 3; format: 'gray' | 'rgb' | 'bgr'; mean: number[]; std: number[] },
  outH: number,
  outW: number,
): Float32Array {
  const bpp = { gray: 1, rgb: 3, bgr: 3, rgba: 4, bgra: 4 }[image.format];
  const stride = image.stride ?? image.width * bpp;
  const rgbAt = (x: number, y: number): [number, number, number] => {
    const o = y * stride + x * bpp;
    const d = image.data;
    if (image.format === 'gray') return [d[o]!, d[o]!, d[o]!];
    if (image.format === 'bgr' || image.format === 'bgra') return [d[o + 2]!, d[o + 1]!, d[o]!];
    return [d[o]!, d[o + 1]!, d[o + 2]!];
  };
  const value = (x: number, y: number, c: number): number => {
    const [r, g, b] = rgbAt(x, y);
    if (model.channels === 1) return image.format === 'gray' ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    const order = model.format === 'bgr' ? [b, g, r] : [r, g, b];
    return order[c]!;
  };
  const source = (i: number, inSize: number, outSize: number): [number, number, number] => {
    const src = Math.max(0, ((i + 0.5) * inSize) / outSize - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    return [lo, Math.min(lo + 1, inSize - 1), src - lo];
  };
  const out = new Float32Array(model.channels * outH * outW);
  for (let c = 0; c < model.channels; c++) {
    for (let y = 0; y < outH; y++) {
      const [y0, y1, wy] = source(y, image.height, outH);
      for (let x = 0; x < outW; x++) {
        const [x0, x1, wx] = source(x, image.width, outW);
        const top = value(x0, y0, c) * (1 - wx) + value(x1, y0, c) * wx;
        const bottom = value(x0, y1, c) * (1 - wx) + value(x1, y1, c) * wx;
        const pixel = (top * (1 - wy) + bottom * wy) / 255;
        out[(c * outH + y) * outW + x] = (pixel - model.mean[c]!) / model.std[c]!;
      }
    }
  }
  return out;
}
