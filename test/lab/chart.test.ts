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

  test('signals: a third panel with others\' load and PSI of the named series, a skipped sample keeping the last value', () => {
    const records = Array.from({ length: 6 }, (_, t) => ({
      latencyMs: 10, targetMs: 12, accuracy: 70,
      signals: t === 2 ? null : t === 4 ? { load: 0.8, pressure: NaN } : { load: 0.1 * t, pressure: 0.2 },
    }));
    const svg = renderChart([{ name: 'predictive', records }], { signals: 'predictive' });
    const d = (name: string): string[] => [...svg.matchAll(/class="signal" data-signal="(\w+)" d="([^"]+)"/g)].filter((m) => m[1] === name).map((m) => m[2]!);
    const load = d('load')[0]!.split(/(?=[ML])/);
    expect(load).toHaveLength(6); // one point per frame, frame 2 at frame 1's value
    expect(load[2]!.split(' ')[1]).toBe(load[1]!.split(' ')[1]);
    // PSI is NaN at frame 4: the line breaks there and starts again
    expect(d('pressure')[0]!.match(/M/g)).toHaveLength(2);
    expect(svg).toContain("others' load");
    expect(svg).not.toMatch(/NaN|undefined/);
    expect(d('waiting')).toEqual([]); // no count in these records
    // the tasks waiting for a core, a count, scaled by the most seen: 2 at the top of the panel, 1 half way
    const counted = records.map((r, t) => ({ ...r, signals: { load: 0, pressure: 0, waiting: t === 3 ? 2 : t === 4 ? 1 : 0 } }));
    const waitingSvg = renderChart([{ name: 'predictive', records: counted }], { signals: 'predictive' });
    const w = [...waitingSvg.matchAll(/data-signal="waiting" d="([^"]+)"/g)][0]![1]!.split(/(?=[ML])/).map((p) => Number(p.split(' ')[1]));
    expect(w[3]! < w[4]! && w[4]! < w[0]!).toBe(true);
    expect(w[4]! - w[3]!).toBeCloseTo(w[0]! - w[4]!, 6);
    expect(waitingSvg).toContain('tasks waiting for a core (0-2)');
    // not asked for, or a series without signals: no panel
    expect(renderChart([{ name: 'predictive', records }])).not.toContain('class="signal"');
    expect(renderChart([{ name: 'x', records: records.map(({ signals: _, ...r }) => r) }], { signals: 'x' })).not.toContain('class="signal"');
  });

  test('empty input still gives a valid document', () => {
    const svg = renderChart([]);
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });
});
