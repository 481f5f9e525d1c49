/**
 * Engine fingerprints. An engine is specific to the ONNX file, the TensorRT version and build, the GPU (name, compute
 * capability, SM count and memory size: Xavier NX and AGX Xavier share a name and compute capability, as do the
 * Orin modules), the DLA core, the precision, GPU fallback, the builder options and, for int8, the calibration;
 * its fingerprint hashes all of them, so a cached engine built for anything else is stale.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

import { dlaCoreOf, type TrtDevice } from '../devices/devices';
import type { TrtPlatform } from './platform';

export type Precision = 'fp16' | 'int8' | 'fp32';
export const PRECISIONS: readonly Precision[] = ['fp16', 'int8', 'fp32'];

/**
 * Bumped when the fingerprint's inputs or the engine file format change: every cached engine becomes stale.
 * 3: the TensorRT build (engines of version 2 also recorded DLA loadables that counted Myelin GPU regions).
 */
export const FINGERPRINT_VERSION = 3;

export interface BuilderOptions {
  /** Builder workspace limit, MiB. */
  workspaceMiB: number;
  /** DLA: let layers DLA cannot run fall back to the GPU (always false for gpu). */
  gpuFallback: boolean;
  /**
   * int8: SHA-256 identifying the calibration (calibrationKey: the ONNX file, the resolution and the calibration
   * data), the same before and after the calibration cache is written.
   */
  calibrationSha256?: string;
}

export interface FingerprintInput {
  onnxSha256: string;
  device: TrtDevice;
  precision: Precision;
  platform: TrtPlatform;
  builder: BuilderOptions;
}

/** The fields an engine depends on, normalized (gpu: no fallback; the L4T release matters only for DLA). */
export function fingerprintFields(input: FingerprintInput): Record<string, string | number | boolean | null> {
  const dla = input.device !== 'gpu';
  return {
    fingerprintVersion: FINGERPRINT_VERSION,
    onnxSha256: input.onnxSha256,
    tensorrt: input.platform.tensorrtVersion,
    // TensorRT's support policy reuses a plan only with the same major, minor, patch and build.
    tensorrtBuild: input.platform.tensorrtBuild,
    gpuName: input.platform.gpuName,
    computeCapability: input.platform.computeCapability,
    multiProcessors: input.platform.multiProcessors,
    memoryGiB: memoryGiB(input.platform.totalMemoryBytes),
    dlaCore: dlaCoreOf(input.device),
    l4tRelease: dla ? (input.platform.l4tRelease ?? null) : null,
    precision: input.precision,
    gpuFallback: dla ? input.builder.gpuFallback : false,
    workspaceMiB: input.builder.workspaceMiB,
    calibrationSha256: input.precision === 'int8' ? (input.builder.calibrationSha256 ?? null) : null,
  };
}

/**
 * Memory size in whole GiB: tells the 8 GB and 16 GB modules apart, while the few MiB that a different carve-out
 * configuration moves do not make every engine stale.
 */
export function memoryGiB(bytes: number): number {
  return Math.round(bytes / 2 ** 30);
}

/** SHA-256 (hex) of the canonical JSON of {@link fingerprintFields} (keys sorted). */
export function computeFingerprint(input: FingerprintInput): string {
  const fields = fingerprintFields(input);
  const canonical = JSON.stringify(Object.fromEntries(Object.keys(fields).sort().map((k) => [k, fields[k]])));
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

/** Which fields differ between two fingerprint inputs (for messages: "stale because tensorrt changed"). */
export function fingerprintDifferences(a: FingerprintInput, b: FingerprintInput): string[] {
  const fa = fingerprintFields(a);
  const fb = fingerprintFields(b);
  return Object.keys(fa).filter((k) => fa[k] !== fb[k]);
}

/** What an int8 calibration depends on: the model, the resolution it runs at, and the images it is calibrated on. */
export interface CalibrationInput {
  onnxSha256: string;
  resolution: number | undefined;
  /** SHA-256 of the calibration data file; undefined when there is none (a calibration cache made elsewhere). */
  dataSha256: string | undefined;
}

/**
 * SHA-256 (hex) identifying a calibration: it names the calibration cache file, so a re-exported model or other
 * images never reuse stale scales, and it stands for the calibration in the fingerprint, so writing the cache
 * after the first calibration does not make the engine stale.
 */
export function calibrationKey(input: CalibrationInput): string {
  const canonical = JSON.stringify({ dataSha256: input.dataSha256 ?? null, onnxSha256: input.onnxSha256, resolution: input.resolution ?? null });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
