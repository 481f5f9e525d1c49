// int8 calibration data for TensorRT: the family's calibration images (the ones the Python int8 export used),
// else its sample, preprocessed by the TypeScript rules.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { FamilyInvalidError } from '../../lib';
import { calibrationImages, writeCalibrationData } from '../../lib/engines/calibration';
import { loadManifest } from '../../lib/family/manifest';
import { preprocessImage } from '../../lib/image/preprocess';
import { scratchFamily, seededBytes, tinyFamily, withModels } from '../helpers';

const model = { 's0.onnx': fs.readFileSync(path.join(tinyFamily, 's0.onnx')) };
const frame = 8 * 6 * 3; // 8x6 rgb images
const sampleImages = Buffer.from(seededBytes(4 * frame, 1));
const calibrationBytes = Buffer.from(seededBytes(3 * frame, 2));
const sample = { images: 'sample.u8', labels: 'labels.u8', count: 4, width: 8, height: 6, channels: 3 };
const calibration = { images: 'calibration.u8', count: 3, width: 8, height: 6, channels: 3, source: 'seeded bytes (test)' };

function family(overrides: Record<string, unknown>, files: Record<string, Buffer> = {}): string {
  return scratchFamily(withModels(['s0.onnx'], overrides), { ...model, 'sample.u8': sampleImages, 'labels.u8': Buffer.alloc(4), 'calibration.u8': calibrationBytes, ...files });
}

function floatsOf(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function expected(images: Buffer, count: number, manifest: ReturnType<typeof loadManifest>['manifest'], resolution: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const image = { data: images.subarray(i * frame, (i + 1) * frame), width: 8, height: 6, format: 'rgb' as const };
    out.push(...preprocessImage(image, manifest.input, resolution, resolution));
  }
  return out;
}

describe('int8 calibration data (TensorRT)', () => {
  const out = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-calib-')), 'c.f32');

  it('uses the family\'s calibration images when it ships them, not its sample', () => {
    const loaded = loadManifest(family({ sample, calibration }));
    expect(calibrationImages(loaded)?.source).toBe('calibration');
    const file = writeCalibrationData(loaded, 16, out())!;
    const floats = floatsOf(file);
    expect(floats.length).toBe(3 * 3 * 16 * 16);
    expect(Array.from(floats)).toEqual(expected(calibrationBytes, 3, loaded.manifest, 16));
    expect(Array.from(floats)).not.toEqual(expected(sampleImages, 3, loaded.manifest, 16));
  });

  it('falls back to the sample without calibration images, and honours the limit', () => {
    const loaded = loadManifest(family({ sample }));
    expect(calibrationImages(loaded)?.source).toBe('sample');
    const floats = floatsOf(writeCalibrationData(loaded, 20, out(), 2)!);
    expect(Array.from(floats)).toEqual(expected(sampleImages, 2, loaded.manifest, 20));
  });

  it('calibration images without a sample are enough; neither gives no file', () => {
    expect(floatsOf(writeCalibrationData(loadManifest(family({ calibration })), 16, out())!).length).toBe(3 * 3 * 16 * 16);
    const target = out();
    expect(writeCalibrationData(loadManifest(family({})), 16, target)).toBeUndefined();
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a calibration file of the wrong size: E_FAMILY_INVALID at /calibration, naming both sizes', () => {
    const loaded = loadManifest(family({ calibration: { ...calibration, count: 4 } }));
    const error = (() => {
      try {
        return writeCalibrationData(loaded, 16, out());
      } catch (e) {
        return e;
      }
    })() as FamilyInvalidError;
    expect(error).toBeInstanceOf(FamilyInvalidError);
    expect(error.problems).toEqual([{ path: '/calibration', message: expect.stringContaining(`has ${3 * frame} bytes; count 4 of 8x6x3 needs ${4 * frame}`) }]);
  });

  it('the calibration file must stay inside the family folder, as written and through links', () => {
    expect(() => loadManifest(family({ calibration: { ...calibration, images: '../calibration.u8' } }))).toThrow(
      expect.objectContaining({ code: 'E_FAMILY_INVALID', problems: [{ path: '/calibration/images', message: expect.stringContaining('inside the family folder') }] }),
    );
    const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-outside-')), 'secret.u8');
    fs.writeFileSync(secret, calibrationBytes);
    const dir = family({ calibration: { ...calibration, images: 'linked.u8' } });
    fs.symlinkSync(secret, path.join(dir, 'linked.u8'));
    expect(() => loadManifest(dir)).toThrow(expect.objectContaining({ problems: [{ path: '/calibration/images', message: expect.stringContaining('outside the family folder') }] }));
  });

  it('the schema checks the calibration entry', () => {
    const { images: _images, ...noImages } = calibration;
    expect(() => loadManifest(family({ calibration: { ...noImages, channels: 2 } }))).toThrow(
      expect.objectContaining({ problems: expect.arrayContaining([{ path: '/calibration/images', message: 'is required' }, { path: '/calibration/channels', message: 'must be one of [1,3]' }]) }),
    );
  });
});
