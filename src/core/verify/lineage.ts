// The lineage part of `mreg verify`: register only ever references versions that exist, so a reference
// to one this store does not hold, a name holding two kinds, or a cycle means a manifest came from
// elsewhere (copied in, merged from another branch) or was made by hand.
import { isExternal, KIND_NOUNS, lineageEntries, RELATION_KINDS, RELATION_LABELS } from '../manifest/lineage.js';
import type { Kind, Manifest } from '../manifest/types.js';
import type { Problem } from './problem.js';

export function lineageProblems(manifests: Manifest[]): Problem[] {
  const problems: Problem[] = [];
  const kinds = new Map<string, Map<Kind, string[]>>();
  const held = new Map<string, Manifest>();
  for (const m of manifests) {
    held.set(`${m.name}@${m.version}`, m);
    const byKind = kinds.get(m.name) ?? new Map<Kind, string[]>();
    byKind.set(m.kind, [...(byKind.get(m.kind) ?? []), m.version]);
    kinds.set(m.name, byKind);
  }
  for (const [name, byKind] of kinds) {
    if (byKind.size < 2) continue;
    const list = [...byKind].map(([kind, versions]) => `${kind}: ${versions.slice(0, 3).join(', ')}${versions.length > 3 ? ', ...' : ''}`);
    problems.push({ code: 'KIND_CONFLICT', message: `${name}: its versions hold different kinds (${list.join('; ')}); a name holds one kind` });
  }

  const edges = new Map<string, string[]>();
  for (const m of manifests) {
    const id = `${m.name}@${m.version}`;
    const ups: string[] = [];
    for (const { relation, ref, id: target } of lineageEntries(m.lineage)) {
      if (isExternal(ref)) continue;
      const found = held.get(target);
      if (!found) {
        problems.push({ code: 'LINEAGE_DANGLING', message: `${id}: its ${RELATION_LABELS[relation]} ${target} is not in this store (a manifest copied from another store?): pull or register it` });
        continue;
      }
      const expected = RELATION_KINDS[relation];
      if (expected !== undefined && found.kind !== expected) {
        problems.push({ code: 'LINEAGE_KIND', message: `${id}: its ${RELATION_LABELS[relation]} ${target} is a ${KIND_NOUNS[found.kind].one}, not a ${KIND_NOUNS[expected].one}` });
      }
      ups.push(target);
    }
    edges.set(id, ups);
  }
  for (const cycle of cycles(edges)) problems.push({ code: 'LINEAGE_CYCLE', message: `lineage cycle: ${cycle.join(' -> ')}: versions can only reference versions made before them` });
  return problems;
}

/** One cycle per strongly tied group, found by an iterative depth-first search (no recursion limit). */
function cycles(edges: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  for (const start of [...edges.keys()].sort()) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const targets = edges.get(top.id) ?? [];
      if (top.next >= targets.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const target = targets[top.next++]!;
      const seen = state.get(target);
      if (seen === 'open') {
        const from = stack.findIndex((f) => f.id === target);
        found.push([...stack.slice(from).map((f) => f.id), target]);
      } else if (seen === undefined) {
        state.set(target, 'open');
        stack.push({ id: target, next: 0 });
      }
    }
  }
  return found;
}
