/**
 * Where a family's engines, timing caches, calibration caches and latency profiles live: `<family>/.engine-cache`,
 * an explicit folder, or a per-user folder when the family's folder is read-only.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { TrtDevice } from '../devices/devices';
import type { Precision } from './fingerprint';
import type { TrtPlatform } from './platform';

export const FAMILY_CACHE_FOLDER = '.engine-cache';

/** $XDG_CACHE_HOME/dynamic-ofa, else ~/.cache/dynamic-ofa. */
export function userCacheRoot(env: NodeJS.ProcessEnv = process.env, homedir: string = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir, '.cache'), 'dynamic-ofa');
}

export interface CacheDirChoice {
  dir: string;
  source: 'override' | 'family' | 'user';
  /** Why the family folder was not used. */
  reason?: string;
}

/**
 * Pure given `isWritable`: an explicit folder (DYNAMIC_OFA_ENGINE_CACHE or `override`) wins; else
 * `<family>/.engine-cache`; else, when that cannot be written (read-only install), a per-user folder keyed by the
 * family's name and absolute path.
 */
export function chooseCacheDir(options: {
  familyDir: string;
  familyName: string;
  override?: string | undefined;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  isWritable: (dir: string) => boolean;
}): CacheDirChoice {
  const env = options.env ?? process.env;
  const override = options.override ?? env.DYNAMIC_OFA_ENGINE_CACHE;
  if (override) return { dir: path.resolve(override), source: 'override' };
  const familyDir = path.resolve(options.familyDir);
  const inFamily = path.join(familyDir, FAMILY_CACHE_FOLDER);
  if (options.isWritable(inFamily)) return { dir: inFamily, source: 'family' };
  const key = crypto.createHash('sha256').update(familyDir).digest('hex').slice(0, 12);
  const safeName = options.familyName.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    dir: path.join(userCacheRoot(env, options.homedir), `${safeName}-${key}`),
    source: 'user',
    reason: `${inFamily} is not writable`,
  };
}

/** Creates `dir` if needed and proves it can be written (a probe file). */
export function isWritableDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.probe-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}

export function resolveCacheDir(familyDir: string, familyName: string, override?: string): CacheDirChoice {
  const choice = chooseCacheDir({ familyDir, familyName, override, isWritable: isWritableDir });
  if (choice.source !== 'family') fs.mkdirSync(choice.dir, { recursive: true });
  return choice;
}

/** The cache folders a family's engines and profiles may already be in, most specific first; creates nothing. */
export function existingCacheDirs(familyDir: string, familyName: string, override?: string): string[] {
  const candidates = [
    chooseCacheDir({ familyDir, familyName, override, isWritable: () => true }).dir,
    chooseCacheDir({ familyDir, familyName, override, isWritable: () => false }).dir,
  ];
  return [...new Set(candidates)].filter((dir) => fs.existsSync(dir));
}

export function enginePath(cacheDir: string, device: TrtDevice, subnetId: string, precision: Precision): string {
  return path.join(cacheDir, device, `${subnetId}.${precision}.engine`);
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'unknown';
}

/**
 * One timing cache per device kind, GPU, and TensorRT version and build (TensorRT's support policy reuses a timing
 * cache only with the same major, minor, patch and build).
 */
export function timingCachePath(cacheDir: string, device: TrtDevice, platform: TrtPlatform): string {
  const tensorrt = `trt${platform.tensorrtVersion}-${slug(platform.tensorrtBuild)}`;
  return path.join(cacheDir, device, `timing-${slug(platform.gpuName)}-sm${platform.computeCapability.replace('.', '')}-${tensorrt}.cache`);
}

/** The int8 calibration cache of one calibration ({@link calibrationKey}: model, resolution, images) and TensorRT version. */
export function calibrationCachePath(cacheDir: string, subnetId: string, platform: TrtPlatform, key: { calibrationKey: string; resolution: number | undefined }): string {
  const resolution = key.resolution !== undefined ? `.r${key.resolution}` : '';
  return path.join(cacheDir, 'calibration', `${subnetId}${resolution}.${key.calibrationKey.slice(0, 16)}.trt${platform.tensorrtVersion}.calib`);
}
