// The TS preprocessing rules (lib/image/preprocess.ts) against values worked out by hand; the addon's native
// preprocessing is held to this implementation in test/native/numerics.test.ts.
import { preprocessImage } from '../../lib/image/preprocess';

const plain = (channels: 1 | 3, format: 'gray' | 'rgb' | 'bgr' = channels === 1 ? 'gray' : 'rgb') => ({
  channels,
  format,
  mean: Array<number>(channels).fill(0),
  std: Array<number>(channels).fill(1),
});

describe('preprocessing rules', () => {
  it('same size: pixel / 255, then (x - mean) / std per channel, planar (NCHW)', () => {
    const image = { data: Uint8Array.from([0, 51, 102, 153, 204, 255]), width: 2, height: 1, format: 'rgb' as const };
    const out = preprocessImage(image, { channels: 3, format: 'rgb', mean: [0.5, 0, 0], std: [0.5, 1, 2] }, 1, 2);
    expect(Array.from(out)).toEqual([-1, 0.2, 0.2, 0.8, 0.2, 0.5].map(Math.fround));
  });

  it('upsampling is bilinear with align_corners=False (edges clamp)', () => {
    // 2x2 [[0, 255], [255, 0]] to 4x4: source positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    const image = { data: Uint8Array.from([0, 255, 255, 0]), width: 2, height: 2, format: 'gray' as const };
    const out = Array.from(preprocessImage(image, plain(1), 4, 4));
    expect(out.slice(0, 4)).toEqual([0, 0.25, 0.75, 1]);
    expect(out.slice(4, 8)).toEqual([0.25, 0.375, 0.625, 0.75]);
    expect(out.slice(12, 16)).toEqual([1, 0.75, 0.25, 0]);
  });

  it('downsampling averages the two nearest source pixels (no antialias)', () => {
    const image = { data: Uint8Array.from([0, 102, 204, 255]), width: 4, height: 1, format: 'gray' as const };
    // source positions 0.5 and 2.5
    expect(Array.from(preprocessImage(image, plain(1), 1, 2))).toEqual([0.2, (204 + 255) / 2 / 255].map(Math.fround));
  });

  it('channel order, alpha and row padding: bgra with a padded stride into an rgb and a bgr model', () => {
    const image = { data: Uint8Array.from([10, 20, 30, 99, 0, 0, 0]), width: 1, height: 1, format: 'bgra' as const, stride: 7 };
    expect(Array.from(preprocessImage(image, plain(3, 'rgb'), 1, 1))).toEqual([30, 20, 10].map((v) => Math.fround(v / 255)));
    expect(Array.from(preprocessImage(image, plain(3, 'bgr'), 1, 1))).toEqual([10, 20, 30].map((v) => Math.fround(v / 255)));
  });

  it('a colour image into a gray model is BT.601 luma; a gray image into a colour model repeats it', () => {
    const rgb = { data: Uint8Array.from([200, 100, 50]), width: 1, height: 1, format: 'rgb' as const };
    expect(preprocessImage(rgb, plain(1), 1, 1)[0]).toBeCloseTo((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, 6);
    const gray = { data: Uint8Array.from([51]), width: 1, height: 1, format: 'gray' as const };
    expect(Array.from(preprocessImage(gray, plain(3), 1, 1))).toEqual([0.2, 0.2, 0.2].map(Math.fround));
  });
});
