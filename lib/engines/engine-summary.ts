/**
 * What a family's engine cache holds per TensorRT device and precision, from the engine files' headers: how many
 * engines, the DLA loadables they need against a core's budget, and the activation memory a loaded family would
 * hold (one shared block sized for the largest engine, against the sum if each context owned its own).
 */
import * as fs from 'node:fs';

import { devicesOf, dlaCoreOf, type TrtDevice } from '../devices/devices';
import type { FamilyManifest } from '../family/manifest';
import { enginePath } from './cache-folder';
import { type DlaBudgetDecision, decideDlaBudget } from './dla-budget';
import { checkEngineBytes, type EngineHeader } from './engine-file';
import { type Precision, PRECISIONS } from './fingerprint';

export interface EngineCacheSummary {
  device: TrtDevice;
  precision: Precision;
  cacheDir: string;
  /** Engines present and intact, of the family's sub-networks. */
  engines: number;
  subnets: number;
  planBytes: number;
  /** DLA devices: the loadable budget's decision for a load of the engines present (refused or trimmed). */
  dlaBudget?: DlaBudgetDecision;
  /** The largest recorded activation need (what the shared block holds) and the sum; undefined if none recorded. */
  sharedActivationBytes?: number;
  separateActivationBytes?: number;
}

function readHeader(file: string): EngineHeader | undefined {
  try {
    const check = checkEngineBytes(fs.readFileSync(file));
    return check.ok ? check.header : undefined;
  } catch {
    return undefined;
  }
}

/** One summary per device and precision with at least one engine in `cacheDir`. */
export function summarizeEngineCache(cacheDir: string, manifest: FamilyManifest): EngineCacheSummary[] {
  const summaries: EngineCacheSummary[] = [];
  for (const device of devicesOf('tensorrt')) {
    for (const precision of PRECISIONS) {
      const found = manifest.subnets.flatMap((s) => {
        const header = readHeader(enginePath(cacheDir, device, s.id, precision));
        return header ? [{ subnet: s.id, header }] : [];
      });
      if (found.length === 0) continue;
      const activations = found.map((f) => f.header.activationBytes).filter((b): b is number => b !== undefined);
      const summary: EngineCacheSummary = {
        device, precision, cacheDir, engines: found.length, subnets: manifest.subnets.length,
        planBytes: found.reduce((sum, f) => sum + f.header.planBytes, 0),
      };
      if (activations.length > 0) {
        summary.sharedActivationBytes = Math.max(...activations);
        summary.separateActivationBytes = activations.reduce((a, b) => a + b, 0);
      }
      if (device !== 'gpu') {
        summary.dlaBudget = decideDlaBudget({
          core: dlaCoreOf(device), mode: 'trim',
          engines: found.map((f) => ({ subnet: f.subnet, dlaLoadables: f.header.placement?.dlaLoadables })),
        });
      }
      summaries.push(summary);
    }
  }
  return summaries;
}
