import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { calibrationKey, computeFingerprint, fingerprintDifferences, fingerprintFields, FINGERPRINT_VERSION, type FingerprintInput, memoryGiB, sha256File } from '../../lib/engines/fingerprint';
import { dlaCoreOf } from '../../lib/devices/devices';
import { tinyFamily } from '../helpers';
import { tempDir, xavier } from './helpers';

const base: FingerprintInput = {
  onnxSha256: 'a'.repeat(64),
  device: 'dla0',
  precision: 'fp16',
  platform: xavier,
  builder: { workspaceMiB: 256, gpuFallback: true },
};

describe('engine fingerprints', () => {
  it('are a stable sha256 of the normalized fields', () => {
    const fp = computeFingerprint(base);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(computeFingerprint({ ...base, platform: { ...xavier }, builder: { gpuFallback: true, workspaceMiB: 256 } })).toBe(fp);
  });

  it.each<[string, Partial<FingerprintInput>]>([
    ['ONNX content', { onnxSha256: 'b'.repeat(64) }],
    ['TensorRT version', { platform: { ...xavier, tensorrtVersion: '8.5.3', tensorrtEncoded: 8503 } }],
    ['TensorRT build (same x.y.z: TensorRT\'s support policy needs the build to match too)', { platform: { ...xavier, tensorrtBuild: 'libnvinfer of 4321 bytes' } }],
    ['GPU name', { platform: { ...xavier, gpuName: 'Orin' } }],
    ['compute capability', { platform: { ...xavier, computeCapability: '8.7' } }],
    ['DLA core', { device: 'dla1' }],
    ['device gpu vs dla', { device: 'gpu' }],
    ['precision', { precision: 'int8', builder: { workspaceMiB: 256, gpuFallback: true, calibrationSha256: 'c'.repeat(64) } }],
    ['GPU fallback flag', { builder: { workspaceMiB: 256, gpuFallback: false } }],
    ['workspace', { builder: { workspaceMiB: 512, gpuFallback: true } }],
    ['L4T release (DLA compiler)', { platform: { ...xavier, l4tRelease: 'R35.3.1' } }],
    ['SM count (Xavier NX vs AGX Xavier: same name and compute capability)', { platform: { ...xavier, multiProcessors: 8 } }],
    ['memory size (8 GB vs 16 GB modules)', { platform: { ...xavier, totalMemoryBytes: 15_500_000_000 } }],
  ])('change when the %s changes', (_name, change) => {
    const other = { ...base, ...change };
    expect(computeFingerprint(other)).not.toBe(computeFingerprint(base));
    expect(fingerprintDifferences(base, other).length).toBeGreaterThan(0);
  });

  it('ignore what cannot matter: fallback and L4T release for gpu engines, calibration for fp16', () => {
    const gpu: FingerprintInput = { ...base, device: 'gpu' };
    expect(computeFingerprint({ ...gpu, builder: { workspaceMiB: 256, gpuFallback: false } })).toBe(computeFingerprint(gpu));
    expect(computeFingerprint({ ...gpu, platform: { ...xavier, l4tRelease: 'R36.4' } })).toBe(computeFingerprint(gpu));
    expect(computeFingerprint({ ...base, builder: { ...base.builder, calibrationSha256: 'd'.repeat(64) } })).toBe(computeFingerprint(base));
    expect(fingerprintFields(gpu).gpuFallback).toBe(false);
    expect(fingerprintDifferences(base, { ...base, device: 'dla1' })).toEqual(['dlaCore']);
  });

  it('hash the ONNX content, not the path', () => {
    const dir = tempDir('fp');
    const a = path.join(dir, 'a.onnx');
    const b = path.join(dir, 'b.onnx');
    fs.copyFileSync(path.join(tinyFamily, 's0.onnx'), a);
    fs.copyFileSync(path.join(tinyFamily, 's0.onnx'), b);
    expect(sha256File(a)).toBe(sha256File(b));
    expect(sha256File(a)).toBe(crypto.createHash('sha256').update(fs.readFileSync(a)).digest('hex'));
    fs.appendFileSync(b, Buffer.from([0]));
    expect(sha256File(a)).not.toBe(sha256File(b));
  });

  it('map devices to DLA cores', () => {
    expect([dlaCoreOf('gpu'), dlaCoreOf('dla0'), dlaCoreOf('dla1')]).toEqual([-1, 0, 1]);
  });

  it('round the memory size to whole GiB: a few MiB of carve-out do not make engines stale', () => {
    expect(FINGERPRINT_VERSION).toBe(3);
    expect(memoryGiB(7_765_000_000)).toBe(7);
    expect(memoryGiB(8 * 2 ** 30 - 40 * 2 ** 20)).toBe(8);
    const nearby = { ...base, platform: { ...xavier, totalMemoryBytes: xavier.totalMemoryBytes + 30 * 2 ** 20 } };
    expect(computeFingerprint(nearby)).toBe(computeFingerprint(base));
    expect(fingerprintFields(base)).toMatchObject({ multiProcessors: 6, memoryGiB: 7 });
  });

  it('key int8 calibrations by the ONNX hash, the resolution and the calibration data', () => {
    const key = { onnxSha256: 'a'.repeat(64), resolution: 224, dataSha256: 'd'.repeat(64) };
    expect(calibrationKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(calibrationKey({ ...key })).toBe(calibrationKey(key));
    expect(new Set([
      calibrationKey(key),
      calibrationKey({ ...key, onnxSha256: 'b'.repeat(64) }),
      calibrationKey({ ...key, resolution: 192 }),
      calibrationKey({ ...key, dataSha256: 'e'.repeat(64) }),
      calibrationKey({ ...key, dataSha256: undefined }),
      calibrationKey({ ...key, resolution: undefined }),
    ]).size).toBe(6);
  });
});
