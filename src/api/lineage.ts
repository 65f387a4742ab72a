// What a version (or a URI) was made from and what was made from it, as a graph of nodes and edges;
// toDot and toMermaid draw it. The store's config is read only if a stage is named.
import { lineage as lineageOf, type LineageResult } from '../core/lineage/query.js';
import { openLazyStore } from '../core/store.js';
import type { Where } from './where.js';

export type { LineageNode, LineageResult } from '../core/lineage/query.js';
export type { Direction, GraphEdge } from '../core/lineage/graph.js';
export { toDot, toMermaid } from '../core/lineage/diagram.js';
export { RELATION_LABELS } from '../core/manifest/lineage.js';

export interface LineageOptions extends Where {
  /** a version (model, model@1.2.3, model@<stage>, model@<range>) or a URI */
  ref: string;
  /** only upstream: what it was made from */
  up?: boolean | undefined;
  /** only downstream: what was made from it */
  down?: boolean | undefined;
  /** follow at most this many references in each direction (a whole number, 1 or more) */
  depth?: number | undefined;
}

export async function lineage(opts: LineageOptions): Promise<LineageResult> {
  const store = await openLazyStore({ store: opts.store, cwd: opts.cwd });
  return lineageOf(store, { ref: opts.ref, ...(opts.up ? { up: true } : {}), ...(opts.down ? { down: true } : {}), depth: opts.depth });
}
