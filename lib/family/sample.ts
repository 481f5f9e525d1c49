/** The labelled sample a family ships (family.json "sample"): raw uint8 images and labels. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { FamilyInvalidError } from '../errors';
import type { PixelImage } from '../model/preprocess';

export interface FamilySample {
  count: number;
  frame(i: number): PixelImage;
  label(i: number): number;
}

interface SampleSource {
  manifest: { sample?: { images: string; labels: string; count: number; width: number; height: number; channels: number } };
  dir: string;
}

/** The family's sample, or null when it ships none. */
export function loadSample(family: SampleSource): FamilySample | null {
  const sample = family.manifest.sample;
  if (!sample) return null;
  const images = fs.readFileSync(path.join(family.dir, sample.images));
  const labels = fs.readFileSync(path.join(family.dir, sample.labels));
  const frameBytes = sample.width * sample.height * sample.channels;
  if (images.length !== frameBytes * sample.count || labels.length !== sample.count) {
    throw new FamilyInvalidError(path.join(family.dir, 'family.json'), [
      { path: '/sample', message: `${sample.images} has ${images.length} bytes and ${sample.labels} ${labels.length}; count ${sample.count} of ${sample.width}x${sample.height}x${sample.channels} needs ${frameBytes * sample.count} and ${sample.count}` },
    ]);
  }
  const format = sample.channels === 1 ? 'gray' : 'rgb';
  return {
    count: sample.count,
    frame: (i) => ({ data: images.subarray(i * frameBytes, (i + 1) * frameBytes), width: sample.width, height: sample.height, format }),
    label: (i) => labels[i]!,
  };
}

/** A synthetic camera frame for families without a sample. */
export function syntheticFrame(channels: number, t: number, width = 64, height = 48): PixelImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + t * 13) & 255;
  return { data, width, height, format: channels === 1 ? 'gray' : 'rgb' };
}
