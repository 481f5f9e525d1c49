/**
 * SVG chart of a run (pure string, no dependencies), in the spirit of the paper's Fig. 7:
 * top panel, measured latency per frame against the target; bottom panel, the accuracy (level) of
 * the sub-network run; contention periods shaded. Several series (policies) can share the axes.
 */
import type { ChangeKind } from './traces';
import { checkSpec } from './spec-check';
import { ManagerError } from '../errors';
import { describeValue } from '../util/describe-value';

export interface ChartPoint {
  readonly latencyMs: number;
  readonly targetMs: number;
  readonly accuracy: number;
  /** The contention signals sampled before this frame (FrameRecord.signals); null or absent: none new. */
  readonly signals?: { readonly load: number; readonly pressure: number; readonly waiting?: number } | null;
}

export interface ChartSeries {
  readonly name: string;
  readonly records: readonly ChartPoint[];
  /** CSS colour; a palette colour by default. */
  readonly color?: string;
}

export interface ChartOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
  /** Contention changes: the frames between a 'start' and the next 'end' are shaded. */
  readonly changes?: readonly { readonly frame: number; readonly kind: ChangeKind }[];
  /** Clip the latency axis at this multiple of the largest target. Default 2. */
  readonly latencyClip?: number;
  /** Moving mean over this many frames for the latency lines (1 = raw). Default 1. */
  readonly smooth?: number;
  /** Name of the series whose contention signals get a third panel (others' load and PSI, 0-1), if it has any. */
  readonly signals?: string;
}

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.round(x * 10) / 10).toString() : '0';
}

function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

/** Returns a standalone SVG document. */
export function renderChart(series: readonly ChartSeries[], o: ChartOptions = {}): string {
  if (!Array.isArray(series as unknown)) throw new ManagerError('E_OPTIONS_INVALID', `chart series must be an array; got ${describeValue(series)}.`, 'series');
  checkSpec('chart options', o);
  const W = o.width ?? 960;
  const H = o.height ?? 560;
  const ml = 64;
  const mr = Math.max(150, 40 + 7.5 * Math.max(...series.map((s) => s.name.length)));
  const mt = o.title ? 36 : 16;
  const gap = 36;
  const mb = 40;
  const plotW = W - ml - mr;
  const sensed = o.signals === undefined ? undefined : series.find((s) => s.name === o.signals && s.records.some((r) => r.signals));
  const avail = H - mt - gap - mb - (sensed ? gap : 0);
  const topH = Math.round(avail * (sensed ? 0.5 : 0.62));
  const sigH = sensed ? Math.round(avail * 0.2) : 0;
  const botH = avail - topH - sigH;
  const topY = mt;
  const botY = mt + topH + gap;
  const sigY = botY + botH + gap;
  const frames = Math.max(1, ...series.map((s) => s.records.length));
  let maxTarget = 0;
  let maxLat = 0;
  let minAcc = Infinity;
  let maxAcc = -Infinity;
  for (const s of series) {
    for (const r of s.records) {
      if (Number.isFinite(r.targetMs) && r.targetMs > maxTarget) maxTarget = r.targetMs;
      if (Number.isFinite(r.latencyMs) && r.latencyMs > maxLat) maxLat = r.latencyMs;
      if (r.accuracy < minAcc) minAcc = r.accuracy;
      if (r.accuracy > maxAcc) maxAcc = r.accuracy;
    }
  }
  const clip = o.latencyClip ?? 2;
  const latHi = maxTarget > 0 ? Math.min(maxLat, maxTarget * clip) * 1.05 : maxLat * 1.05 || 1;
  if (!Number.isFinite(minAcc)) {
    minAcc = 0;
    maxAcc = 1;
  }
  const accLo = Math.floor(minAcc - 0.5);
  const accHi = Math.ceil(maxAcc + 0.5);
  const x = (t: number): number => ml + (frames <= 1 ? 0 : (t / (frames - 1)) * plotW);
  const yLat = (v: number): number => topY + topH - (Math.min(Math.max(v, 0), latHi) / latHi) * topH;
  const yAcc = (v: number): number => botY + botH - ((v - accLo) / (accHi - accLo)) * botH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
  );
  if (o.title) parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);

  // contention shading
  const changes = [...(o.changes ?? [])].sort((a, b) => a.frame - b.frame);
  let start: number | null = null;
  const shade = (a: number, b: number): void => {
    for (const [y0, h] of [
      [topY, topH],
      [botY, botH],
    ] as const) {
      parts.push(`<rect class="contention" x="${fmt(x(a))}" y="${y0}" width="${fmt(Math.max(1, x(b) - x(a)))}" height="${h}" fill="#f2e3c6"/>`);
    }
  };
  for (const ch of changes) {
    if (ch.kind === 'start' && start === null) start = ch.frame;
    else if (ch.kind === 'end' && start !== null) {
      shade(start, ch.frame);
      start = null;
    }
  }
  if (start !== null) shade(start, frames - 1);

  // axes and grid
  for (const v of niceTicks(0, latHi, 5)) {
    parts.push(`<line x1="${ml}" x2="${ml + plotW}" y1="${fmt(yLat(v))}" y2="${fmt(yLat(v))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${ml - 6}" y="${fmt(yLat(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const v of niceTicks(accLo, accHi, 4)) {
    parts.push(`<line x1="${ml}" x2="${ml + plotW}" y1="${fmt(yAcc(v))}" y2="${fmt(yAcc(v))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${ml - 6}" y="${fmt(yAcc(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const t of niceTicks(0, frames - 1, 8)) {
    parts.push(`<text x="${fmt(x(t))}" y="${(sensed ? sigY + sigH : botY + botH) + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(
    `<rect x="${ml}" y="${topY}" width="${plotW}" height="${topH}" fill="none" stroke="#888"/>`,
    `<rect x="${ml}" y="${botY}" width="${plotW}" height="${botH}" fill="none" stroke="#888"/>`,
    `<text transform="translate(16 ${topY + topH / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`,
    `<text transform="translate(16 ${botY + botH / 2}) rotate(-90)" text-anchor="middle">top-1 (%)</text>`,
    `<text x="${ml + plotW / 2}" y="${H - 6}" text-anchor="middle">frame</text>`,
  );

  // target (step line, from the first series that has records)
  const ref = series.find((s) => s.records.length > 0);
  if (ref) {
    let d = '';
    ref.records.forEach((r, t) => {
      if (!Number.isFinite(r.targetMs)) return;
      d += `${d ? 'L' : 'M'}${fmt(x(t))} ${fmt(yLat(r.targetMs))}`;
    });
    if (d) parts.push(`<path class="target" d="${d}" fill="none" stroke="#000" stroke-dasharray="6 4" stroke-width="1.5"/>`);
  }

  const smooth = Math.max(1, Math.floor(o.smooth ?? 1));
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    let lat = '';
    let acc = '';
    let sum = 0;
    s.records.forEach((r, t) => {
      sum += Number.isFinite(r.latencyMs) ? r.latencyMs : 0;
      const old = s.records[t - smooth];
      if (old) sum -= Number.isFinite(old.latencyMs) ? old.latencyMs : 0;
      const n = Math.min(t + 1, smooth);
      lat += `${t ? 'L' : 'M'}${fmt(x(t))} ${fmt(yLat(sum / n))}`;
      const prev = s.records[t - 1];
      if (t === 0) acc += `M${fmt(x(t))} ${fmt(yAcc(r.accuracy))}`;
      else if (prev && prev.accuracy !== r.accuracy) acc += `L${fmt(x(t))} ${fmt(yAcc(prev.accuracy))}L${fmt(x(t))} ${fmt(yAcc(r.accuracy))}`;
      if (t === s.records.length - 1) acc += `L${fmt(x(t))} ${fmt(yAcc(r.accuracy))}`;
    });
    parts.push(`<path class="latency" data-series="${esc(s.name)}" d="${lat}" fill="none" stroke="${color}" stroke-width="1" opacity="0.85"/>`);
    parts.push(`<path class="level" data-series="${esc(s.name)}" d="${acc}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    const ly = topY + 14 + i * 18;
    parts.push(
      `<line x1="${ml + plotW + 12}" x2="${ml + plotW + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${ml + plotW + 38}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  if (sensed) parts.push(...signalPanel(sensed, { ml, plotW, sigY, sigH, x }));
  const ly = topY + 14 + series.length * 18;
  parts.push(
    `<line x1="${ml + plotW + 12}" x2="${ml + plotW + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="#000" stroke-dasharray="6 4"/>`,
    `<text x="${ml + plotW + 38}" y="${ly}">target</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

const LEGEND: Record<string, (mostWaiting: number) => string> = {
  load: () => "others' load",
  pressure: () => 'CPU pressure (PSI)',
  waiting: (most) => `tasks waiting for a core (0-${most})`,
};

/**
 * The third panel: a series' signals as step lines (a skipped sample keeps the last value), 0-1; the tasks waiting
 * for a core (a count) scaled by the most seen.
 */
function signalPanel(s: ChartSeries, g: { ml: number; plotW: number; sigY: number; sigH: number; x: (t: number) => number }): string[] {
  const y = (v: number): number => g.sigY + g.sigH - Math.min(Math.max(v, 0), 1) * g.sigH;
  const mostWaiting = s.records.reduce((m, r) => Math.max(m, r.signals?.waiting ?? 0), 1);
  const path = (pick: (v: NonNullable<ChartSeries['records'][number]['signals']>) => number): string => {
    let d = '';
    let last = NaN;
    s.records.forEach((r, t) => {
      const v = r.signals ? pick(r.signals) : last;
      if (Number.isFinite(v)) d += `${d && Number.isFinite(last) ? 'L' : 'M'}${fmt(g.x(t))} ${fmt(y(v))}`;
      last = v;
    });
    return d;
  };
  const out = [
    `<rect x="${g.ml}" y="${g.sigY}" width="${g.plotW}" height="${g.sigH}" fill="none" stroke="#888"/>`,
    `<text transform="translate(16 ${g.sigY + g.sigH / 2}) rotate(-90)" text-anchor="middle">signals</text>`,
    `<text x="${g.ml - 6}" y="${fmt(y(1) + 4)}" text-anchor="end">1</text>`,
    `<text x="${g.ml - 6}" y="${fmt(y(0) + 4)}" text-anchor="end">0</text>`,
  ];
  const lines: [string, string, string][] = [
    ['load', path((v) => v.load), '#555'],
    ['pressure', path((v) => v.pressure), '#9467bd'],
    ['waiting', path((v) => (v.waiting ?? NaN) / mostWaiting), '#d62728'],
  ];
  lines.forEach(([name, d, color], i) => {
    if (!d) return;
    out.push(`<path class="signal" data-signal="${name}" d="${d}" fill="none" stroke="${color}" stroke-width="1"/>`);
    const ly = g.sigY + 14 + i * 18;
    out.push(
      `<line x1="${g.ml + g.plotW + 12}" x2="${g.ml + g.plotW + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${g.ml + g.plotW + 38}" y="${ly}">${LEGEND[name]!(mostWaiting)}</text>`,
    );
  });
  return out;
}
