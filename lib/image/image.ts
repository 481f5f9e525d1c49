/**
 * The image: 8-bit pixels as a caller hands them to a model, as the addon preprocesses them natively and as the
 * TypeScript reference ({@link preprocessImage}) reads them. Its pixel formats are listed here and nowhere else.
 */

/** The pixel formats an {@link Image} can have; alpha is ignored. */
export const PIXEL_FORMATS = ['gray', 'rgb', 'bgr', 'rgba', 'bgra'] as const;

export type PixelFormat = (typeof PIXEL_FORMATS)[number];

export const BYTES_PER_PIXEL: Readonly<Record<PixelFormat, number>> = Object.freeze({ gray: 1, rgb: 3, bgr: 3, rgba: 4, bgra: 4 });

/** An 8-bit image; a model resizes (bilinear) and normalizes it into the sub-network's input. */
export interface Image {
  data: Uint8Array;
  width: number;
  height: number;
  format: PixelFormat;
  /** Bytes per row; default width * bytes per pixel. */
  stride?: number;
}

export function isPixelFormat(value: unknown): value is PixelFormat {
  return typeof value === 'string' && (PIXEL_FORMATS as readonly string[]).includes(value);
}
