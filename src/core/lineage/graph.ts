// The lineage graph of a store: a node per registered version and per external reference (a URI),
// an edge from what a version was made from to the version. Built from the version index; walked
// upstream (what it was made from) and downstream (what was made from it), never looping.
import compare from 'semver/functions/compare.js';
import { RELATIONS, type Kind, type Relation } from '../manifest/types.js';
import type { VersionRecord } from './version-index.js';

/** `missing`: a registered name@version that a manifest references but this store does not hold. */
export type NodeKind = Kind | 'external' | 'missing';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  name?: string;
  version?: string;
  uri?: string;
  sha256?: string;
}

/** `from` was used to make `to`, as its `relation` (to's parent, data, features or pipeline). */
export interface GraphEdge {
  from: string;
  to: string;
  relation: Relation;
}

export interface Link {
  id: string;
  relation: Relation;
}

export type Direction = 'up' | 'down';

const PINNED = /#sha256=([0-9a-f]{64})$/;

/** The parts of a node id: name@version (names never hold ':' or '@'), or a URI with an optional pin. */
export function parseNodeId(id: string): { name: string; version: string } | { uri: string; sha256?: string } {
  if (!id.includes(':')) {
    const at = id.indexOf('@');
    return { name: id.slice(0, at), version: id.slice(at + 1) };
  }
  const pin = PINNED.exec(id);
  return pin ? { uri: id.slice(0, pin.index), sha256: pin[1]! } : { uri: id };
}

function byId(a: Link, b: Link): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0;
}

export class LineageGraph {
  private readonly records = new Map<string, VersionRecord>();
  /** reference -> [version, relation, version, relation, ...] made from it; flat, because there are 10,000s */
  private readonly made = new Map<string, string[]>();
  private readonly downs = new Map<string, Link[]>();
  private readonly versionsByName = new Map<string, string[]>();
  private readonly sorted = new Set<string>();

  constructor(records: VersionRecord[]) {
    for (const record of records) {
      const id = `${record.name}@${record.version}`;
      this.records.set(id, record);
      const versions = this.versionsByName.get(record.name);
      if (versions) versions.push(record.version);
      else this.versionsByName.set(record.name, [record.version]);
      for (const relation in record.refs) {
        for (const ref of record.refs[relation as Relation]!) {
          const made = this.made.get(ref);
          if (made) made.push(id, relation);
          else this.made.set(ref, [id, relation]);
        }
      }
    }
  }

  /** What `id` was made from: its own references, relation by relation. */
  up(id: string): Link[] {
    const refs = this.records.get(id)?.refs;
    if (!refs) return [];
    const out: Link[] = [];
    for (const relation of RELATIONS) for (const ref of refs[relation] ?? []) out.push({ id: ref, relation });
    return out;
  }

  /** What was made from `id`, sorted by id (built when first asked for: most nodes never are). */
  down(id: string): Link[] {
    let links = this.downs.get(id);
    if (!links) {
      const made = this.made.get(id) ?? [];
      links = [];
      for (let i = 0; i < made.length; i += 2) links.push({ id: made[i]!, relation: made[i + 1] as Relation });
      links.sort(byId);
      this.downs.set(id, links);
    }
    return links;
  }

  links(id: string, direction: Direction): Link[] {
    return direction === 'up' ? this.up(id) : this.down(id);
  }

  /** Is `id` a node of the graph: a version held here, or anything some version references? */
  knows(id: string): boolean {
    return this.records.has(id) || this.made.has(id);
  }

  record(id: string): VersionRecord | undefined {
    return this.records.get(id);
  }

  /** Every registered name (unsorted). */
  names(): Iterable<string> {
    return this.versionsByName.keys();
  }

  /** A name's versions, lowest first; empty when the name is not registered. */
  versions(name: string): string[] {
    const versions = this.versionsByName.get(name) ?? [];
    // Sorted when asked for: semver comparisons of 10,000 versions would cost more than the rest of a query.
    if (!this.sorted.has(name)) {
      versions.sort(compare);
      this.sorted.add(name);
    }
    return versions;
  }

  /** The external nodes some version references at this URI: pinned to a sha256 or not. */
  externals(uri: string): string[] {
    const out: string[] = [];
    for (const id of this.made.keys()) {
      if (!id.includes(':')) continue;
      const parsed = parseNodeId(id) as { uri: string };
      if (parsed.uri === uri) out.push(id);
    }
    return out.sort();
  }

  node(id: string): GraphNode {
    const record = this.records.get(id);
    if (record) return { id, kind: record.kind, name: record.name, version: record.version };
    const parts = parseNodeId(id);
    if ('uri' in parts) return { id, kind: 'external', ...parts };
    return { id, kind: 'missing', ...parts };
  }

  /**
   * Everything within `depth` references of `root` in one direction, nearest first, with the edges
   * that reach it and each node's distance. Each node is visited once, so a DAG with many shared
   * ancestors (or a cycle in a hand-made manifest) costs its size, never more.
   */
  reach(root: string, direction: Direction, depth = Infinity): { distance: Map<string, number>; edges: GraphEdge[] } {
    const distance = new Map<string, number>([[root, 0]]);
    const edges: GraphEdge[] = [];
    let frontier = [root];
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const link of this.links(id, direction)) {
          edges.push(direction === 'up' ? { from: link.id, to: id, relation: link.relation } : { from: id, to: link.id, relation: link.relation });
          if (distance.has(link.id)) continue;
          distance.set(link.id, d);
          next.push(link.id);
        }
      }
      frontier = next;
    }
    return { distance, edges };
  }

  /**
   * Every version made, directly or transitively, from any of `sources`, with the shortest path of
   * references from a source to it (breadth first, so the path is one of the shortest, and the same
   * one on every run).
   */
  dependents(sources: string[]): Map<string, string[]> {
    const via = new Map<string, string | undefined>();
    const start = new Set(sources);
    for (const s of [...start].sort()) via.set(s, undefined);
    let frontier = [...via.keys()];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const link of this.down(id)) {
          if (via.has(link.id)) continue;
          via.set(link.id, id);
          next.push(link.id);
        }
      }
      frontier = next;
    }
    const paths = new Map<string, string[]>();
    for (const id of via.keys()) {
      if (start.has(id)) continue;
      const path = [id];
      for (let at = via.get(id); at !== undefined; at = via.get(at)) path.unshift(at);
      paths.set(id, path);
    }
    return paths;
  }
}
