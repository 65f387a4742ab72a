// A metric over versions as inline SVG: one point per version that has the metric, labelled axes,
// and a dashed line with the stage's name where a version moved into a stage. No script, no fonts.
import { esc, num } from './html.js';

export interface ChartPoint {
  version: string;
  value: number;
}

export interface StageMove {
  version: string;
  stage: string;
}

const W = 520;
const H = 240;
const PAD = { left: 56, right: 44, top: 30, bottom: 56 };

/** `versions` gives the x axis (every version, oldest first); `points` the versions that have the metric. */
export function metricChart(opts: { id: string; metric: string; versions: readonly string[]; points: readonly ChartPoint[]; moves: readonly StageMove[] }): string {
  const { versions, points } = opts;
  const xs = new Map(versions.map((v, i) => [v, versions.length === 1 ? PAD.left + (W - PAD.left - PAD.right) / 2 : PAD.left + (i * (W - PAD.left - PAD.right)) / (versions.length - 1)]));
  const values = points.map((p) => p.value);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const y = (v: number) => PAD.top + ((hi - v) * (H - PAD.top - PAD.bottom)) / (hi - lo);
  const plotted = points.filter((p) => xs.has(p.version));
  const path = plotted.map((p, i) => `${i === 0 ? 'M' : 'L'}${xs.get(p.version)!.toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const titleId = `${opts.id}-title`;
  const descId = `${opts.id}-desc`;
  // Every version is labelled when they fit; otherwise about a dozen evenly spaced ones.
  const every = Math.max(1, Math.ceil(versions.length / 12));
  const xLabels = versions
    .map((v, i) => (i % every === 0 || i === versions.length - 1 ? `<text x="${xs.get(v)!.toFixed(1)}" y="${H - PAD.bottom + 14}" transform="rotate(35 ${xs.get(v)!.toFixed(1)} ${H - PAD.bottom + 14})">${esc(v)}</text>` : ''))
    .join('');
  const moves = opts.moves
    .filter((m) => xs.has(m.version))
    .map((m, i) => {
      const x = xs.get(m.version)!.toFixed(1);
      return `<g class="stage-move" data-version="${esc(m.version)}" data-stage="${esc(m.stage)}"><line class="move" x1="${x}" x2="${x}" y1="${PAD.top - 4}" y2="${H - PAD.bottom}"/><text x="${x}" y="${PAD.top - 8 - (i % 2) * 11}" text-anchor="middle">${esc(m.stage)}</text></g>`;
    })
    .join('');
  const dots = plotted
    .map((p) => `<circle class="point" cx="${xs.get(p.version)!.toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4" data-version="${esc(p.version)}" data-value="${p.value}"><title>${esc(p.version)}: ${esc(num(p.value))}</title></circle>`)
    .join('');
  const described = plotted.map((p) => `${p.version} ${num(p.value)}`).join(', ');
  return `<figure class="chart" data-metric="${esc(opts.metric)}">
<figcaption id="${esc(titleId)}">${esc(opts.metric)}</figcaption>
<svg role="img" aria-labelledby="${esc(titleId)} ${esc(descId)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">
<desc id="${esc(descId)}">${esc(opts.metric)} by version: ${esc(described)}</desc>
<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>
<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}"/>
<text x="${PAD.left - 6}" y="${y(hi) + 4}" text-anchor="end">${esc(num(hi))}</text>
<text x="${PAD.left - 6}" y="${y(lo) + 4}" text-anchor="end">${esc(num(lo))}</text>
${moves}
${path ? `<path class="series" d="${path}"/>` : ''}
${dots}
${xLabels}
</svg>
</figure>`;
}
