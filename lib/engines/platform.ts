/**
 * The facts about this machine that an engine depends on, from the addon's `tensorrtInfo()` and, on a Jetson,
 * the L4T release (which ships the DLA compiler).
 */
import * as fs from 'node:fs';

import { BackendUnavailableError } from '../errors';
import type { NativeTensorRtInfo } from '../native/addon';

/** What the fingerprint needs to know about the machine. */
export interface TrtPlatform {
  /** Loaded TensorRT library, "8.5.2". */
  tensorrtVersion: string;
  /** NV_TENSORRT_VERSION encoding of it. */
  tensorrtEncoded: number;
  /** Which build of it (see NativeTensorRtInfo.build): a plan or timing cache is reusable by the same build only. */
  tensorrtBuild: string;
  gpuName: string;
  /** "7.2" */
  computeCapability: string;
  /** Streaming multiprocessors (Xavier NX 6, AGX Xavier 8). */
  multiProcessors: number;
  /** What CUDA reports as the device's memory (on Jetson: the shared RAM). */
  totalMemoryBytes: number;
  dlaCores: number;
  /** Jetson L4T release (/etc/nv_tegra_release), which ships the DLA compiler; undefined elsewhere. */
  l4tRelease?: string;
}

/** The first line of /etc/nv_tegra_release ("# R35 (release), REVISION: 2.1, ..."), or undefined off Jetson. */
export function readL4tRelease(file = '/etc/nv_tegra_release'): string | undefined {
  try {
    const line = fs.readFileSync(file, 'utf8').split('\n')[0]!.replace(/^#\s*/, '').trim();
    const match = /R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)/.exec(line);
    return match ? `R${match[1]}.${match[2]}` : line || undefined;
  } catch {
    return undefined;
  }
}

/** "10.3.0.26" (a build number), "8.5.2 (libnvinfer of N bytes)" (what stands for one): for messages. */
export function tensorRtText(version: string, build: string | undefined): string {
  if (build === undefined) return `${version} (build not recorded)`;
  return /^\d+$/.test(build) ? `${version}.${build}` : `${version} (${build})`;
}

/** The platform facts from the addon's tensorrtInfo(); throws when no CUDA device is usable. */
export function platformFromNative(info: NativeTensorRtInfo, l4tRelease: string | undefined = readL4tRelease()): TrtPlatform {
  if (!info.cuda) throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `TensorRT ${info.version} is compiled in, but no CUDA device is usable: ${info.cudaError ?? 'unknown error'}`);
  const platform: TrtPlatform = {
    tensorrtVersion: info.version,
    tensorrtEncoded: info.encoded,
    tensorrtBuild: info.build,
    gpuName: info.cuda.name,
    computeCapability: info.cuda.computeCapability,
    multiProcessors: info.cuda.multiProcessors,
    totalMemoryBytes: info.cuda.totalMemory,
    dlaCores: info.dlaCores,
  };
  if (l4tRelease !== undefined) platform.l4tRelease = l4tRelease;
  return platform;
}
