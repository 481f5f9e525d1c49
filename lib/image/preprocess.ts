/**
 * The preprocessing rules in TypeScript: how an 8-bit image becomes a sub-network's float input. The addon
 * applies the same rules natively on every image inference (binding/ preprocessing, in float32 for speed);
 * this version, in float64 per output value, is what int8 calibration data is made with and the reference the
 * numerics tests hold the addon to.
 *
 * The rules: PyTorch's `interpolate(mode='bilinear', align_corners=False)` (no antialias) on `pixel / 255`, then
 * `(x - mean[c]) / std[c]`; a colour image feeding a gray model becomes BT.601 luma first; an image's channel
 * order (rgb/bgr, alpha ignored) is mapped to the model's.
 */
import type { FamilyManifest } from '../family/manifest';
import { BYTES_PER_PIXEL, type Image } from './image';

/** The image as the model's float32 NCHW input of `outH` x `outW` (channels and normalization from `input`). */
export function preprocessImage(image: Image, input: Pick<FamilyManifest['input'], 'channels' | 'format' | 'mean' | 'std'>, outH: number, outW: number): Float32Array {
  const bpp = BYTES_PER_PIXEL[image.format];
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
    if (input.channels === 1) return image.format === 'gray' ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    const order = input.format === 'bgr' ? [b, g, r] : [r, g, b];
    return order[c]!;
  };
  // The two source pixels and the weight of the second, for output position i (align_corners=False).
  const source = (i: number, inSize: number, outSize: number): [number, number, number] => {
    const src = Math.max(0, ((i + 0.5) * inSize) / outSize - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    return [lo, Math.min(lo + 1, inSize - 1), src - lo];
  };
  const out = new Float32Array(input.channels * outH * outW);
  for (let c = 0; c < input.channels; c++) {
    for (let y = 0; y < outH; y++) {
      const [y0, y1, wy] = source(y, image.height, outH);
      for (let x = 0; x < outW; x++) {
        const [x0, x1, wx] = source(x, image.width, outW);
        const top = value(x0, y0, c) * (1 - wx) + value(x1, y0, c) * wx;
        const bottom = value(x0, y1, c) * (1 - wx) + value(x1, y1, c) * wx;
        const pixel = (top * (1 - wy) + bottom * wy) / 255;
        out[(c * outH + y) * outW + x] = (pixel - input.mean[c]!) / input.std[c]!;
      }
    }
  }
  return out;
}
