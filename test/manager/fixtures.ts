import type { ManagedSubnet } from '../../lib';

/**
 * nets_6 of Dynamic-OFA (the 6-level GPU family of the reference runtime demo): ImageNet top-1 %
 * and stored latency (ms), copied as literals from the decoded nets_6.pickle table.
 */
export const NETS6: readonly ManagedSubnet[] = [
  { index: 0, id: 'L0-r176', accuracy: 74.202, latencyMs: 41.159 },
  { index: 1, id: 'L1-r176', accuracy: 74.968, latencyMs: 45.421 },
  { index: 2, id: 'L2-r192', accuracy: 76.134, latencyMs: 49.436 },
  { index: 3, id: 'L3-r208', accuracy: 77.54, latencyMs: 51.079 },
  { index: 4, id: 'L4-r224', accuracy: 78.346, latencyMs: 56.747 },
  { index: 5, id: 'L5-r224', accuracy: 79.03, latencyMs: 61.735 },
];

/** The same family on a second, faster device (a GPU-like accelerator, ~0.45x). */
export const NETS6_FAST: readonly ManagedSubnet[] = NETS6.map((s) => ({ ...s, latencyMs: +(s.latencyMs * 0.45).toFixed(3) }));
