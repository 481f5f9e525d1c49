import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { TrtPlatform } from '../../lib/engines/platform';

export const xavier: TrtPlatform = {
  tensorrtVersion: '8.5.2',
  tensorrtEncoded: 8502,
  tensorrtBuild: 'libnvinfer of 1234 bytes',
  gpuName: 'Xavier',
  computeCapability: '7.2',
  multiProcessors: 6,
  totalMemoryBytes: 7_765_000_000,
  dlaCores: 2,
  l4tRelease: 'R35.2.1',
};

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dofa-${prefix}-`));
}

/**
 * A writable copy of a fixture family (so tests can create its .engine-cache or change its models): its files, not
 * the cache folder a CPU load made in the fixture (optimized models for shared weights).
 */
export function copyFamily(source: string, prefix: string): string {
  const dir = tempDir(prefix);
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    if (entry.isFile()) fs.copyFileSync(path.join(source, entry.name), path.join(dir, entry.name));
  }
  return dir;
}
