/**
 * int8 calibration data: the family's bundled sample images, preprocessed by the same rules as every image
 * inference, as float32 NCHW samples of one input size, back to back (what the TensorRT builder reads).
 */
import type { LoadedManifest } from '../family/manifest';
import { loadSample } from '../family/sample';
import { preprocessImage } from '../model/preprocess';
import { writeFileAtomically } from '../util/atomic-file';

/**
 * Writes the family's bundled sample images (family.json `sample`) as calibration data for one resolution;
 * returns the file, or undefined when the family has no sample.
 */
export function writeCalibrationData(family: LoadedManifest, resolution: number, file: string, limit = 500): string | undefined {
  const sample = loadSample(family);
  if (!sample) return undefined;
  const count = Math.min(limit, sample.count);
  function* samples(): Generator<Uint8Array> {
    for (let i = 0; i < count; i++) {
      const floats = preprocessImage(sample!.frame(i), family.manifest.input, resolution, resolution);
      yield new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
    }
  }
  writeFileAtomically(file, samples());
  return file;
}
