/**
 * What a family costs in resident memory, measured in a fresh Node process per measurement, so that what an earlier
 * load (or the bench's own onnxruntime-node) left mapped does not count: the RSS growth of the first load (the
 * runtime's own code and threads included), then, after a close, of a second load (the family alone). docs/memory.md
 * explains the figures.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import type { Device } from '../../devices/devices';
import { DynamicOfaError } from '../../errors';

/**
 * The settings a family is loaded with: shared weights (the default on the CPU: each distinct weight once, and the
 * shared arena), the shared arena with every sub-network's own weights (`shareWeights: false`), or ONNX Runtime's
 * defaults (an arena per session, own weights).
 */
export type MemorySettings = 'shared weights' | 'shared arena' | 'onnxruntime defaults';

export interface ResidentMemory {
  settings: MemorySettings;
  /** RSS growth of the first load, MiB: every sub-network resident and warmed up, the runtime's own pages included. */
  firstLoadMiB: number;
  /** RSS left after closing it, MiB over the start: the runtime's library, its allocator caches, JS. */
  afterCloseMiB: number;
  /** RSS growth of loading the family again after that close, MiB: what the family itself costs beside the runtime. */
  secondLoadMiB: number;
  /** The C heap in use after the first load, MiB over the start (glibc's count; 0 elsewhere). */
  heapInUseMiB: number;
  /** The first load's time, ms (`DynamicModel.loadTime.totalMs`). */
  loadMs: number;
  /** The second load's time, ms. */
  secondLoadMs: number;
  /** What the first load's sub-networks hold of weights, MiB (shared weights only, else 0): all, and the distinct ones. */
  weightMiB: number;
  heldWeightMiB: number;
}

/** The script the child runs: argv = [dist folder, family, options as JSON]; prints one JSON line. */
const CHILD = `
const [dist, family, optionsJson] = process.argv.slice(1);
const { loadFamily } = require(dist);
const { getBinding } = require(dist + '/native/addon');
const rss = () => process.memoryUsage().rss / 2 ** 20;
const heap = () => getBinding().heapStats().inUseBytes / 2 ** 20;
(async () => {
  const options = JSON.parse(optionsJson);
  getBinding();
  const start = rss();
  const heapStart = heap();
  const first = await loadFamily(family, options);
  const loaded = rss();
  const heapInUse = heap() - heapStart;
  const loadMs = first.loadTime.totalMs;
  const weightMiB = first.weightSharing.weightBytes / 2 ** 20;
  const heldWeightMiB = first.weightSharing.heldWeightBytes / 2 ** 20;
  await first.close();
  const closed = rss();
  const second = await loadFamily(family, options);
  const again = rss();
  const secondLoadMs = second.loadTime.totalMs;
  await second.close();
  console.log(JSON.stringify({ firstLoadMiB: loaded - start, afterCloseMiB: closed - start, secondLoadMiB: again - closed, heapInUseMiB: heapInUse, loadMs, secondLoadMs, weightMiB, heldWeightMiB }));
})().catch((error) => { console.error(error && error.stack || error); process.exit(1); });
`;

/**
 * Measures the family's resident memory in a child process, with `settings`; `cache`: the engine cache folder (a
 * fresh one measures a load that makes the optimized models first, then one that finds them).
 */
export function measureResidentMemory(family: string, options: { device: Device; threads: number; settings: MemorySettings; cache?: string }): ResidentMemory {
  const dist = path.join(__dirname, '..', '..');
  const loadOptions = {
    device: options.device, threads: options.threads, warmupRuns: 10,
    ortSessionDefaults: options.settings === 'onnxruntime defaults', shareWeights: options.settings === 'shared weights',
    ...(options.cache ? { cache: options.cache } : {}),
  };
  const child = spawnSync(process.execPath, ['-e', CHILD, dist, family, JSON.stringify(loadOptions)], { encoding: 'utf8', timeout: 600000 });
  if (child.status !== 0) {
    throw new DynamicOfaError('E_INTERNAL', `measuring the resident memory of '${family}' in a child process failed (${child.signal ?? `exit ${child.status}`}): ${child.stderr.trim().split('\n')[0] ?? ''}`);
  }
  const measured = JSON.parse(child.stdout.trim().split('\n').pop()!) as Omit<ResidentMemory, 'settings'>;
  return { settings: options.settings, ...measured };
}
