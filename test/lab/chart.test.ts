import { predictivePolicy, stepwisePolicy } from '../../lib';
import { compare, makeTrace, renderChart } from '../../lib/lab';
import { NETS6 } from '../manager/fixtures';

describe('renderChart', () => {
  test('writes an SVG with the target, a latency and a level path per series, contention shaded', () => {
    const trace = makeTrace({ frames: 400, seed: 3, segments: [{ startFrame: 100, endFrame: 250, factor: 1.5 }] });
    const res = compare({ models: [{ device: 'cpu', subnets: NETS6 }], trace, constraints: { latencyTargetMs: 70 } }, [predictivePolicy(), stepwisePolicy()]);
    const series = [...res].map(([name, r]) => ({ name, records: r.records }));
    const svg = renderChart(series, { title: 'nets_6 <cpu> & contention', changes: trace.changes });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('nets_6 &lt;cpu&gt; &amp; contention');
    expect(svg.match(/class="latency"/g)).toHaveLength(3);
    expect(svg.match(/class="level"/g)).toHaveLength(3);
    expect(svg.match(/class="target"/g)).toHaveLength(1);
    expect(svg.match(/class="contention"/g)).toHaveLength(2); // one band in each panel
    for (const name of ['predictive', 'stepwise', 'oracle']) expect(svg).toContain(`data-series="${name}"`);
    // every latency path has one point per frame
    const d = /class="latency" data-series="predictive" d="([^"]+)"/.exec(svg)![1]!;
    expect(d.split(/[ML]/).filter(Boolean)).toHaveLength(400);
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  test('empty input still gives a valid document', () => {
    const svg = renderChart([]);
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });
});
