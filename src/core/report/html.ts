// HTML primitives of the web view: escaping (every string from the store goes through esc), the page
// frame with its inline style, and the one inline script, which only sorts tables.

/** Escapes text for an element's content or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A relative link target: each path segment percent-encoded (versions may hold '+'). */
export function href(...segments: string[]): string {
  return segments.map((s) => (s === '..' ? s : encodeURIComponent(s))).join('/');
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --accent: #0969da; --bad: #cf222e; --good: #1a7f37; --warn: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --accent: #4493f8; --bad: #f85149; --good: #3fb950; --warn: #d29922; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 1px solid var(--line); padding-top: .75rem; padding-bottom: .75rem; }
header nav a { margin-right: .5rem; }
footer { color: var(--muted); font-size: 13px; padding: 2rem 1rem; }
a { color: var(--accent); }
a:focus, button:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.6rem; margin: 1rem 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
table { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; color: inherit; cursor: pointer; }
th[aria-sort] button::after { content: " \\2195"; color: var(--muted); }
th[aria-sort="ascending"] button::after { content: " \\2191"; }
th[aria-sort="descending"] button::after { content: " \\2193"; }
td.num, th.num { text-align: right; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.muted { color: var(--muted); }
.stage { display: inline-block; border: 1px solid var(--line); border-radius: 1em; padding: 0 .5em; font-size: 12px; margin-right: .25em; }
.up { color: var(--good); } .down { color: var(--bad); }
.bad { color: var(--bad); }
.warn { color: var(--warn); }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; }
figcaption { font-weight: 600; }
svg text { fill: var(--fg); font-size: 11px; }
svg .axis { stroke: var(--line); }
svg .series { stroke: var(--accent); fill: none; stroke-width: 2; }
svg .point { fill: var(--accent); }
svg .move { stroke: var(--muted); stroke-dasharray: 3 3; }
.lineage-graph .scroll { overflow-x: auto; }
.lineage-graph rect { fill: var(--bg); stroke: var(--line); stroke-width: 1.5; }
.lineage-graph .root rect { stroke: var(--accent); stroke-width: 2.5; }
.lineage-graph .missing rect { stroke: var(--bad); stroke-dasharray: 4 3; }
.lineage-graph a text { fill: var(--accent); text-decoration: underline; }
.lineage-graph a text.sub { fill: var(--muted); text-decoration: none; }
.lineage-graph a:focus rect { stroke: var(--accent); stroke-width: 3; }
.lineage-graph text.sub, .lineage-graph text.relation, .lineage-graph text.more { fill: var(--muted); font-size: 10px; }
.lineage-graph .edge path { stroke: var(--muted); fill: none; }
.lineage-graph text.relation { paint-order: stroke; stroke: var(--bg); stroke-width: 3px; }
.lineage-graph marker path { fill: var(--muted); }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { color: var(--muted); } dd { margin: 0; }
input.filter { font: inherit; padding: .2rem .4rem; margin: .25rem 0; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
pre { white-space: pre-wrap; border: 1px solid var(--line); padding: .75rem; font-size: 13px; }
`;

// Sorting and filtering only: every page reads fully without it. Cells give their sort value in
// data-value. The filter box is made by the script, so a page without JavaScript shows no dead control.
const SORT_SCRIPT = `
for (const table of document.querySelectorAll('table.filterable')) {
  const input = document.createElement('input');
  input.type = 'search';
  input.placeholder = 'Filter rows';
  input.className = 'filter';
  input.setAttribute('aria-label', 'Filter the rows of the table below');
  input.setAttribute('aria-controls', table.id);
  input.addEventListener('input', () => {
    const q = input.value.trim().toLowerCase();
    for (const row of table.tBodies[0].rows) row.hidden = q !== '' && !row.textContent.toLowerCase().includes(q);
  });
  table.before(input);
}
for (const table of document.querySelectorAll('table.sortable')) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, col) => {
    const button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', () => {
      const dir = th.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';
      heads.forEach((h) => h.querySelector('button') && h.setAttribute('aria-sort', 'none'));
      th.setAttribute('aria-sort', dir);
      const body = table.tBodies[0];
      const key = (row) => { const c = row.cells[col]; return c ? (c.dataset.value ?? c.textContent) : ''; };
      const rows = [...body.rows].map((row, i) => ({ row, i, v: key(row) }));
      const num = (v) => v !== '' && !Number.isNaN(Number(v));
      rows.sort((a, b) => {
        if (a.v === '' || b.v === '') return a.v === b.v ? a.i - b.i : a.v === '' ? 1 : -1;
        const o = num(a.v) && num(b.v) ? Number(a.v) - Number(b.v) : a.v.localeCompare(b.v, undefined, { numeric: true });
        return (dir === 'ascending' ? o : -o) || a.i - b.i;
      });
      for (const r of rows) body.appendChild(r.row);
    });
  });
}
`;

/** A whole page. `root` is the relative way back to the index ('' or '../../'). */
export function page(opts: { title: string; root: string; crumbs: { label: string; href?: string }[]; body: string; generated?: string }): string {
  const crumbs = opts.crumbs.map((c) => (c.href === undefined ? `<span>${esc(c.label)}</span>` : `<a href="${esc(c.href)}">${esc(c.label)}</a>`)).join(' / ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(opts.title)} - mreg</title>
<style>${STYLE}</style>
</head>
<body>
<header><nav aria-label="breadcrumb"><a href="${esc(opts.root)}index.html">mreg registry</a> / ${crumbs}</nav></header>
<main>
${opts.body}
</main>
<footer>Drawn by mreg${opts.generated ? ` on ${esc(opts.generated)}` : ''}. Read-only: the store is changed only with the mreg command.</footer>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

export interface Column {
  label: string;
  numeric?: boolean;
  sortable?: boolean;
}

export interface Cell {
  html: string;
  /** the value the table sorts by (a number as text, or text) */
  value?: string | number | undefined;
  numeric?: boolean;
}

/** A real table; with any sortable column, the script sorts it by that column's cells. */
export function table(columns: Column[], rows: Cell[][], opts: { caption?: string; id?: string; filterable?: boolean } = {}): string {
  const sortable = columns.some((c) => c.sortable);
  const classes = [...(sortable ? ['sortable'] : []), ...(opts.filterable ? ['filterable'] : [])];
  const head = columns
    .map((c) => `<th scope="col"${c.numeric ? ' class="num"' : ''}${c.sortable ? ' aria-sort="none"' : ''}>${c.sortable ? `<button type="button">${esc(c.label)}</button>` : esc(c.label)}</th>`)
    .join('');
  const body = rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${cell.numeric || columns[i]?.numeric ? ' class="num"' : ''}${cell.value === undefined ? '' : ` data-value="${esc(cell.value)}"`}>${cell.html}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table${classes.length ? ` class="${classes.join(' ')}"` : ''}${opts.id ? ` id="${esc(opts.id)}"` : ''}>${opts.caption ? `<caption class="muted">${esc(opts.caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function stageBadges(stages: readonly string[]): string {
  return stages.map((s) => `<span class="stage">${esc(s)}</span>`).join('');
}

/** A number for people: up to 4 significant decimals, no exponent for everyday sizes. */
export function num(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 1e-4 && abs < 1e9 ? String(Number(n.toPrecision(6))) : n.toExponential(3);
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A JSON value as short text (objects as JSON). */
export function jsonText(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}
