/**
 * Latency statistics with the one percentile definition of this package: nearest rank, the smallest sample
 * with at least a fraction q of the samples at or below it (what trtexec reports). Latency profiles, the CLI's
 * benchmarks and the OFA toolkit's latency measurements (scripts/ofa/ort_run.js) all use it.
 */

/** Milliseconds. */
export interface LatencyStats {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  stdev: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

/** Nearest-rank percentile (q in [0, 1]) of samples sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** p50, p90 and p99 of samples in any order. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = ascending(values);
  return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99) };
}

/** The summary a latency profile stores: extremes, mean, standard deviation and percentiles. */
export function latencyStats(samples: readonly number[]): LatencyStats {
  if (samples.length === 0) throw new RangeError('latencyStats needs at least one sample');
  const sorted = ascending(samples);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const variance = sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / sorted.length;
  return {
    min: sorted[0]!,
    mean,
    ...percentiles(sorted),
    max: sorted[sorted.length - 1]!,
    stdev: Math.sqrt(variance),
  };
}
