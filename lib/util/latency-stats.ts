/** Small numeric and formatting helpers shared by the tools. */
import { percentile as percentileOfSorted } from '../family/latency-profile';


/** Nearest-rank percentile (p in 0..100) of a list in any order (the latency profiles' definition). */
export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p / 100);
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  return { p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99) };
}

/** A plain text table with padded columns. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: readonly (string | number)[]): string =>
    cells.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
