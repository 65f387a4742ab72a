// A version's lineage up and down as inline SVG, drawn by mreg: what it was made from on the left, the
// version in the middle, what was made from it on the right, each node a text label and (for versions
// this site has a page for) a link. The layout is a pure function, tested on its own.
import { KIND_NOUNS, RELATION_LABELS } from '../manifest/lineage.js';
import type { Relation } from '../manifest/types.js';
import type { LineageNode, LineageResult } from '../lineage/query.js';
import { esc } from './html.js';

/** Layers drawn on each side of the root, and nodes drawn per layer: the table under the graph lists the rest. */
export const GRAPH_LIMITS = { layers: 4, perLayer: 8 };

export interface PlacedNode {
  id: string;
  /** layer: negative upstream, 0 the root, positive downstream; every edge goes from a lower to a higher column */
  column: number;
  row: number;
  node: LineageNode;
}

/** A column's nodes left out of the drawing, shown as "N more". */
export interface Elided {
  column: number;
  row: number;
  count: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  elided: Elided[];
  edges: { from: string; to: string; relation: string }[];
  /** the lowest and highest columns drawn, and the most rows in any column */
  columns: { min: number; max: number };
  rows: number;
}

/**
 * Layers by longest path from the root on each side (so that every edge points left to right, even
 * when a version is reached by paths of different lengths), then orders each layer by where its
 * neighbours nearer the root sit, to keep lines from crossing.
 */
export function layoutLineage(result: LineageResult, limits = GRAPH_LIMITS): GraphLayout {
  const byId = new Map(result.nodes.map((n) => [n.id, n]));
  const side = (id: string) => (id === result.root ? 0 : byId.get(id)?.direction === 'up' ? -1 : 1);
  const layer = new Map(result.nodes.map((n) => [n.id, n.id === result.root ? 0 : n.distance]));
  // An edge on one side (or touching the root) asks its outer node to sit one layer further out than
  // its inner one; walked in topological order (Kahn), so a cycle's nodes just keep their distance.
  const outward = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const e of result.edges) {
    if (!byId.has(e.from) || !byId.has(e.to) || e.from === e.to || side(e.from) * side(e.to) < 0) continue;
    const [outer, inner] = side(e.from) < 0 || side(e.to) < 0 ? [e.from, e.to] : [e.to, e.from];
    if (outer === result.root) continue;
    if (!outward.has(inner)) outward.set(inner, []);
    outward.get(inner)!.push(outer);
    waiting.set(outer, (waiting.get(outer) ?? 0) + 1);
  }
  const ready = result.nodes.filter((n) => !waiting.has(n.id)).map((n) => n.id);
  while (ready.length) {
    const inner = ready.pop()!;
    for (const outer of outward.get(inner) ?? []) {
      layer.set(outer, Math.max(layer.get(outer)!, layer.get(inner)! + 1));
      const left = waiting.get(outer)! - 1;
      waiting.set(outer, left);
      if (left === 0) ready.push(outer);
    }
  }
  const columnOf = (id: string) => side(id) * layer.get(id)!;
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const columns = new Map<number, string[]>();
  for (const n of result.nodes) {
    const c = columnOf(n.id);
    if (Math.abs(c) > limits.layers) continue;
    if (!columns.has(c)) columns.set(c, []);
    columns.get(c)!.push(n.id);
  }
  const neighbours = new Map<string, string[]>();
  for (const e of result.edges) {
    for (const [a, b] of [[e.from, e.to], [e.to, e.from]] as const) {
      if (!neighbours.has(a)) neighbours.set(a, []);
      neighbours.get(a)!.push(b);
    }
  }
  const placed = new Map<string, PlacedNode>();
  const elided: Elided[] = [];
  const place = (c: number) => {
    const ids = columns.get(c);
    if (!ids) return;
    const inner = c < 0 ? c + 1 : c - 1;
    // Barycentre of the neighbours already placed in the layer nearer the root.
    const weight = (id: string) => {
      const rows = (neighbours.get(id) ?? [])
        .map((other) => placed.get(other))
        .filter((p): p is PlacedNode => p !== undefined && p.column === inner)
        .map((p) => p.row);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.POSITIVE_INFINITY;
    };
    const weights = new Map(ids.map((id) => [id, weight(id)]));
    const sorted = [...ids].sort((a, b) => weights.get(a)! - weights.get(b)! || byId.get(a)!.distance - byId.get(b)!.distance || text(a, b));
    const shown = sorted.length > limits.perLayer ? sorted.slice(0, limits.perLayer - 1) : sorted;
    shown.forEach((id, row) => placed.set(id, { id, column: c, row, node: byId.get(id)! }));
    if (shown.length < sorted.length) elided.push({ column: c, row: shown.length, count: sorted.length - shown.length });
  };
  place(0);
  for (let i = 1; i <= limits.layers; i++) {
    place(-i);
    place(i);
  }
  const nodes = [...placed.values()];
  const cols = nodes.map((n) => n.column);
  const rows = Math.max(1, ...nodes.map((n) => n.row + 1), ...elided.map((e) => e.row + 1));
  return {
    nodes,
    elided,
    edges: result.edges.filter((e) => placed.has(e.from) && placed.has(e.to) && e.from !== e.to).map((e) => ({ from: e.from, to: e.to, relation: RELATION_LABELS[e.relation as Relation] ?? e.relation })),
    columns: { min: Math.min(0, ...cols), max: Math.max(0, ...cols) },
    rows,
  };
}

const BOX = { w: 158, h: 40, gapX: 44, gapY: 14, pad: 12 };

/** Shortens a label to what fits a node's box; the full text stays in the node's title. */
function fit(label: string, max = 24): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}\u2026`;
}

/**
 * The SVG. `link(name, version)` gives the href of a version's page, or undefined when the site has
 * none (a name left out of a report). Links are SVG <a> elements: reachable with Tab, followed with Enter.
 */
export function lineageSvg(result: LineageResult, link: (name: string, version: string) => string | undefined, limits = GRAPH_LIMITS): string {
  const layout = layoutLineage(result, limits);
  const x = (column: number) => BOX.pad + (column - layout.columns.min) * (BOX.w + BOX.gapX);
  const y = (row: number) => BOX.pad + row * (BOX.h + BOX.gapY);
  const width = x(layout.columns.max) + BOX.w + BOX.pad;
  const height = y(layout.rows - 1) + BOX.h + BOX.pad;
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const edges = layout.edges
    .map((e) => {
      const a = at.get(e.from)!;
      const b = at.get(e.to)!;
      const x1 = x(a.column) + BOX.w;
      const y1 = y(a.row) + BOX.h / 2;
      const x2 = x(b.column);
      const y2 = y(b.row) + BOX.h / 2;
      const mid = (x1 + x2) / 2;
      return `<g class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}"><title>${esc(e.from)} is ${esc(e.relation)} of ${esc(e.to)}</title><path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 6},${y2}" marker-end="url(#arrow)"/><text class="relation" x="${mid}" y="${(y1 + y2) / 2 - 4}" text-anchor="middle">${esc(e.relation)}</text></g>`;
    })
    .join('');
  const nodes = layout.nodes
    .map((p) => {
      const n = p.node;
      const registered = n.name !== undefined && n.version !== undefined && n.kind !== 'missing';
      const label = registered ? `${n.name}@${n.version}` : (n.uri ?? n.id);
      const noun = n.kind === 'missing' ? 'not in this store' : n.kind === 'external' ? 'URI' : (KIND_NOUNS[n.kind]?.one ?? n.kind);
      const second = [noun, ...(n.stages ?? [])].join(' \u00b7 ');
      const target = registered ? link(n.name!, n.version!) : undefined;
      const role = p.column === 0 ? 'root' : n.direction === 'up' ? 'up' : 'down';
      const box = `<rect x="${x(p.column)}" y="${y(p.row)}" width="${BOX.w}" height="${BOX.h}" rx="6"/><text x="${x(p.column) + 8}" y="${y(p.row) + 16}">${esc(fit(label))}</text><text class="sub" x="${x(p.column) + 8}" y="${y(p.row) + 32}">${esc(fit(second, 27))}</text>`;
      const attrs = `class="node ${role} ${esc(n.kind)}" data-id="${esc(n.id)}"`;
      const title = `<title>${esc(label)}: ${esc(second)}${n.truncated ? ' (more beyond)' : ''}</title>`;
      return target !== undefined && p.column !== 0 ? `<a ${attrs} href="${esc(target)}">${title}${box}</a>` : `<g ${attrs}>${title}${box}</g>`;
    })
    .join('');
  const more = layout.elided
    .map((e) => `<text class="more" x="${x(e.column) + 8}" y="${y(e.row) + BOX.h / 2 + 4}">and ${e.count} more (in the table below)</text>`)
    .join('');
  const up = result.nodes.filter((n) => n.direction === 'up').length;
  const down = result.nodes.filter((n) => n.direction === 'down').length;
  const undrawn = result.nodes.length - layout.nodes.length;
  const desc = `${result.root}: made from ${up} version${up === 1 ? '' : 's'} or URI${up === 1 ? '' : 's'}, ${down} made from it${undrawn ? `; ${undrawn} not drawn, the tables below list every one` : ''}.`;
  return `<figure class="lineage-graph">
<figcaption id="lineage-graph-title">Lineage: made from (left), this version, made from it (right)</figcaption>
<div class="scroll"><svg role="group" aria-labelledby="lineage-graph-title" aria-describedby="lineage-graph-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<desc id="lineage-graph-desc">${esc(desc)}</desc>
<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z"/></marker></defs>
${edges}
${nodes}
${more}
</svg></div>
</figure>`;
}
