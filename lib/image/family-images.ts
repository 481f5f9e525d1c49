/**
 * The images a family ships: its labelled sample (family.json "sample") and its int8 calibration images
 * ("calibration"), raw uint8 images back to back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { FamilyInvalidError } from '../errors';
import type { Image } from './image';
import type { ImageSet } from '../family/manifest';

export interface FamilyImages {
  count: number;
  image(i: number): Image;
}

export interface FamilySample extends FamilyImages {
  label(i: number): number;
}

interface ImageSource {
  manifest: { sample?: ImageSet & { labels: string }; calibration?: ImageSet };
  dir: string;
}

/** The images of `set`, checked against its declared count and size; `labels` must hold one byte per image. */
function readImages(family: ImageSource, key: 'sample' | 'calibration', set: ImageSet, labels?: Buffer): FamilyImages {
  const images = fs.readFileSync(path.join(family.dir, set.images));
  const imageBytes = set.width * set.height * set.channels;
  if (images.length !== imageBytes * set.count || (labels && labels.length !== set.count)) {
    const labelBytes = labels ? ` and its labels ${labels.length}` : '';
    const labelNeed = labels ? ` and ${set.count}` : '';
    throw new FamilyInvalidError(path.join(family.dir, 'family.json'), [
      { path: `/${key}`, message: `${set.images} has ${images.length} bytes${labelBytes}; count ${set.count} of ${set.width}x${set.height}x${set.channels} needs ${imageBytes * set.count}${labelNeed}` },
    ]);
  }
  const format = set.channels === 1 ? 'gray' : 'rgb';
  return {
    count: set.count,
    image: (i) => ({ data: images.subarray(i * imageBytes, (i + 1) * imageBytes), width: set.width, height: set.height, format }),
  };
}

/** The family's sample, or null when it ships none. */
export function loadSample(family: ImageSource): FamilySample | null {
  const sample = family.manifest.sample;
  if (!sample) return null;
  const labels = fs.readFileSync(path.join(family.dir, sample.labels));
  return { ...readImages(family, 'sample', sample, labels), label: (i) => labels[i]! };
}

/** The family's int8 calibration images, or null when it ships none. */
export function loadCalibrationImages(family: ImageSource): FamilyImages | null {
  const calibration = family.manifest.calibration;
  return calibration ? readImages(family, 'calibration', calibration) : null;
}

/** A synthetic camera image for families without a sample. */
export function syntheticImage(channels: number, t: number, width = 64, height = 48): Image {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + t * 13) & 255;
  return { data, width, height, format: channels === 1 ? 'gray' : 'rgb' };
}
