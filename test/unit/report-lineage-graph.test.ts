// The version page's lineage graph: layers by longest path so every edge points left to right, rows
// ordered to follow their neighbours, limits with "N more", cycles from a hostile store, escaped labels.
import { describe, expect, it } from 'vitest';
import type { LineageNode, LineageResult } from '../../src/core/lineage/query.js';
import type { GraphEdge } from '../../src/core/lineage/graph.js';
import { layoutLineage, lineageSvg } from '../../src/core/report/lineage-graph.js';

type Spec = [id: string, direction: 'up' | 'down' | null, distance: number, kind?: LineageNode['kind']];

function result(root: string, specs: Spec[], edges: [from: string, to: string, relation?: GraphEdge['relation']][]): LineageResult {
  const nodes: LineageNode[] = specs.map(([id, direction, distance, kind]) => {
    const uri = id.includes(':');
    const [name, version] = id.split('@');
    return { id, kind: kind ?? (uri ? 'external' : 'model'), ...(uri ? { uri: id } : { name: name!, version: version! }), ...(direction ? { direction } : {}), distance, stages: [] };
  });
  return { root, direction: 'both', depth: null, nodes, edges: edges.map(([from, to, relation]) => ({ from, to, relation: relation ?? 'parents' })) };
}

const columns = (r: LineageResult) => Object.fromEntries(layoutLineage(r).nodes.map((n) => [n.id, [n.column, n.row]]));

describe('layoutLineage', () => {
  it('puts what a version was made from left of it and what was made from it right of it', () => {
    const r = result('m@2.0.0', [['m@2.0.0', null, 0], ['m@1.0.0', 'up', 1], ['d@1.0.0', 'up', 2, 'dataset'], ['n@1.0.0', 'down', 1]], [
      ['d@1.0.0', 'm@1.0.0', 'data'],
      ['m@1.0.0', 'm@2.0.0'],
      ['m@2.0.0', 'n@1.0.0'],
    ]);
    expect(columns(r)).toEqual({ 'm@2.0.0': [0, 0], 'm@1.0.0': [-1, 0], 'd@1.0.0': [-2, 0], 'n@1.0.0': [1, 0] });
    const layout = layoutLineage(r);
    expect(layout.columns).toEqual({ min: -2, max: 1 });
    expect(layout.edges).toContainEqual({ from: 'd@1.0.0', to: 'm@1.0.0', relation: 'data' });
  });

  it('layers by the longest path, so a version reached two ways never shares a column with what it made', () => {
    // t@2 is 1 step up (data of the root) and also made m@1.2, which is 1 step up: t@2 must sit left of m@1.2.
    const r = result('m@1.3.0', [['m@1.3.0', null, 0], ['m@1.2.0', 'up', 1], ['t@2.0.0', 'up', 1, 'dataset'], ['m@1.1.0', 'up', 2]], [
      ['m@1.2.0', 'm@1.3.0'],
      ['t@2.0.0', 'm@1.3.0', 'data'],
      ['t@2.0.0', 'm@1.2.0', 'data'],
      ['m@1.1.0', 'm@1.2.0'],
    ]);
    const layout = layoutLineage(r);
    const col = new Map(layout.nodes.map((n) => [n.id, n.column]));
    for (const e of layout.edges) expect(col.get(e.from)!, `${e.from} -> ${e.to}`).toBeLessThan(col.get(e.to)!);
    expect(col.get('t@2.0.0')).toBe(-2);
  });

  it('orders a layer by its neighbours nearer the root, to keep lines from crossing', () => {
    const r = result('r@1.0.0', [['r@1.0.0', null, 0], ['a@1.0.0', 'up', 1], ['b@1.0.0', 'up', 1], ['zz@1.0.0', 'up', 2], ['aa@1.0.0', 'up', 2]], [
      ['a@1.0.0', 'r@1.0.0'],
      ['b@1.0.0', 'r@1.0.0'],
      ['zz@1.0.0', 'a@1.0.0'],
      ['aa@1.0.0', 'b@1.0.0'],
    ]);
    const c = columns(r);
    expect(c['a@1.0.0']).toEqual([-1, 0]);
    expect(c['b@1.0.0']).toEqual([-1, 1]);
    expect(c['zz@1.0.0']).toEqual([-2, 0]); // beside a, though it sorts after aa by name
    expect(c['aa@1.0.0']).toEqual([-2, 1]);
  });

  it('draws at most the limits, and counts the rest', () => {
    const children: Spec[] = Array.from({ length: 12 }, (_, i) => [`c${String(i).padStart(2, '0')}@1.0.0`, 'down', 1] as Spec);
    const chain: Spec[] = Array.from({ length: 6 }, (_, i) => [`p${i + 1}@1.0.0`, 'up', i + 1] as Spec);
    const r = result('d@1.0.0', [['d@1.0.0', null, 0, 'dataset'], ...children, ...chain], [
      ...children.map(([id]) => ['d@1.0.0', id, 'data'] as [string, string, 'data']),
      ['p1@1.0.0', 'd@1.0.0'],
      ...chain.slice(1).map(([id], i) => [id, chain[i]![0]] as [string, string]),
    ]);
    const layout = layoutLineage(r, { layers: 3, perLayer: 5 });
    expect(layout.nodes.filter((n) => n.column === 1).map((n) => n.id)).toEqual(['c00@1.0.0', 'c01@1.0.0', 'c02@1.0.0', 'c03@1.0.0']);
    expect(layout.elided).toEqual([{ column: 1, row: 4, count: 8 }]);
    expect(layout.columns).toEqual({ min: -3, max: 1 });
    expect(layout.rows).toBe(5);
    const svg = lineageSvg(r, () => 'x.html', { layers: 3, perLayer: 5 });
    expect(svg).toContain('and 8 more (in the table below)');
    expect(svg).toContain('11 not drawn, the tables below list every one');
  });

  it('ends on a cycle from a hostile store', () => {
    const r = result('r@1.0.0', [['r@1.0.0', null, 0], ['a@1.0.0', 'up', 1], ['b@1.0.0', 'up', 2]], [
      ['a@1.0.0', 'r@1.0.0'],
      ['b@1.0.0', 'a@1.0.0'],
      ['a@1.0.0', 'b@1.0.0'],
    ]);
    const layout = layoutLineage(r);
    expect(layout.nodes).toHaveLength(3);
    expect(Math.abs(layout.columns.min)).toBeLessThanOrEqual(4);
  });
});

describe('lineageSvg', () => {
  const r = result('m@2.0.0', [['m@2.0.0', null, 0], ['m@1.0.0', 'up', 1], ['s3://b/<x>"y', 'up', 1], ['gone@1.0.0', 'up', 1, 'missing'], ['n@1.0.0', 'down', 1]], [
    ['m@1.0.0', 'm@2.0.0'],
    ['s3://b/<x>"y', 'm@2.0.0', 'data'],
    ['gone@1.0.0', 'm@2.0.0'],
    ['m@2.0.0', 'n@1.0.0'],
  ]);
  const svg = lineageSvg(r, (name, version) => (name === 'n' ? undefined : `../${name}/${version}.html`));

  it('links the versions the site has pages for, not the root, URIs, missing versions or names left out', () => {
    expect([...svg.matchAll(/<a [^>]*href="([^"]+)"/g)].map((m) => m[1])).toEqual(['../m/1.0.0.html']);
    expect(svg).toMatch(/<g class="node root model" data-id="m@2.0.0">/);
    expect(svg).toMatch(/<g class="node down model" data-id="n@1.0.0">/);
    expect(svg).toMatch(/<g class="node up missing" data-id="gone@1.0.0">[\s\S]*?not in this store/);
  });

  it('labels every node and edge in text, escaped', () => {
    expect(svg).toContain('s3://b/&lt;x&gt;&quot;y');
    expect(svg).not.toContain('<x>');
    expect(svg).toContain('<text class="relation"');
    expect([...svg.matchAll(/<g class="edge"/g)]).toHaveLength(4);
    expect(svg).toContain('<desc id="lineage-graph-desc">m@2.0.0: made from 3 versions or URIs, 1 made from it.</desc>');
  });
});
