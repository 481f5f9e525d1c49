import { latencyStats, percentile, percentiles } from '../../lib/util/latency-stats';

describe('latency statistics', () => {
  it('nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 0.99), percentile(sorted, 1)]).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('summaries', () => {
    const s = latencyStats([4, 1, 3, 2]);
    expect(s).toEqual({ min: 1, mean: 2.5, p50: 2, p90: 4, p99: 4, max: 4, stdev: Math.sqrt(1.25) });
    expect(() => latencyStats([])).toThrow(RangeError);
  });

  it('percentiles of samples in any order', () => {
    expect(percentiles([5, 1, 4, 2, 3])).toEqual({ p50: 3, p90: 5, p99: 5 });
    expect(percentiles([])).toEqual({ p50: NaN, p90: NaN, p99: NaN });
  });
});
