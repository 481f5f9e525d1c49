/**
 * int8 calibration data: the family's calibration images (family.json `calibration`: the training images the
 * toolkit's int8 export calibrated on), else its bundled sample, preprocessed by the same rules as every image
 * inference, as float32 NCHW samples of one input size, back to back (what the TensorRT builder reads).
 */
import * as path from 'node:path';

import { type LoadedManifest, subnetResolution } from '../family/manifest';
import { type FamilyImages, loadCalibrationImages, loadSample } from '../image/family-images';
import { preprocessImage } from '../image/preprocess';
import { writeFileAtomically } from '../util/atomic-file';

/** The images int8 calibration uses: the family's calibration images, else its sample, else none. */
export function calibrationImages(family: Pick<LoadedManifest, 'manifest' | 'dir'>): { images: FamilyImages; source: 'calibration' | 'sample' } | undefined {
  const calibration = loadCalibrationImages(family);
  if (calibration) return { images: calibration, source: 'calibration' };
  const sample = loadSample(family);
  return sample ? { images: sample, source: 'sample' } : undefined;
}

/**
 * Writes the first `limit` calibration images (see {@link calibrationImages}) as calibration data for one
 * resolution; returns the file, or undefined when the family has neither calibration images nor a sample.
 */
export function writeCalibrationData(family: Pick<LoadedManifest, 'manifest' | 'dir'>, resolution: number, file: string, limit = 500): string | undefined {
  const chosen = calibrationImages(family);
  if (!chosen) return undefined;
  const { images } = chosen;
  const count = Math.min(limit, images.count);
  function* samples(): Generator<Uint8Array> {
    for (let i = 0; i < count; i++) {
      const floats = preprocessImage(images.image(i), family.manifest.input, resolution, resolution);
      yield new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
    }
  }
  writeFileAtomically(file, samples());
  return file;
}

/**
 * The calibration data of each sub-network of `family`, written into `cacheDir` on first use (once however many
 * devices ask): what build-engines and loadFamily give the engine cache, so that both key an int8 calibration cache
 * by the same data and find each other's.
 */
export function calibrationDataFor(family: Pick<LoadedManifest, 'manifest' | 'dir'>, cacheDir: string): (subnetId: string) => string | undefined {
  const files = new Map<string, string | undefined>();
  return (id) => {
    if (!files.has(id)) {
      const subnet = family.manifest.subnets.find((s) => s.id === id);
      const resolution = subnet ? subnetResolution(subnet) : undefined;
      files.set(id, resolution === undefined ? undefined : writeCalibrationData(family, resolution, path.join(cacheDir, 'calibration', `${id}.r${resolution}.f32`)));
    }
    return files.get(id);
  };
}
