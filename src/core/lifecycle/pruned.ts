// Which versions have been pruned: a `prune` event in the model's history. The manifest stays
// (versions are immutable, and lineage and history must stay whole); only its blobs may go.
// A prune counts only for a version this store does not protect: a version in a protected stage,
// live on a target (or the one its rollback returns to), or upstream (lineage) of a version that is
// kept is never pruned, whichever store wrote the prune event (a remote's, merged by pull or git).
import { readHistory, type HistoryEvent } from './history.js';
import { replay } from './state.js';
import { replayTarget } from './target-state.js';
import type { Layout } from '../../store/layout.js';
import { readModelManifests } from '../manifest/cache.js';
import { RELATIONS, type Manifest } from '../manifest/types.js';
import { listModels } from '../manifest/versions.js';

/** Every prune event by version, whoever wrote it; see effectivePrunes for those that count here. */
export function prunedVersions(events: HistoryEvent[]): Map<string, HistoryEvent> {
  const pruned = new Map<string, HistoryEvent>();
  for (const e of events) if (e.event === 'prune') pruned.set(e.version, e);
  return pruned;
}

/** version -> why: what a model's own history protects (protected stages, live and rollback versions of targets). */
export function protectedByState(events: HistoryEvent[], protect: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [stage, versions] of replay(events).stages) {
    if (protect.includes(stage)) for (const v of versions) if (!out.has(v)) out.set(v, `in protected stage ${stage}`);
  }
  const targets = new Set(events.filter((e) => e.event === 'deploy' || e.event === 'rollback').map((e) => String(e.target)));
  for (const target of targets) {
    const { stack } = replayTarget(events, target);
    for (const v of stack.slice(-2)) if (!out.has(v)) out.set(v, v === stack.at(-1) ? `live on target ${target}` : `the rollback version of target ${target}`);
  }
  return out;
}

export interface ModelRecord {
  manifests: Manifest[];
  events: HistoryEvent[];
}

/**
 * model -> version -> why it is protected: by its model's state, or as the lineage (across models)
 * of a protected version or of a version no prune event names.
 */
export function protectedVersions(records: Map<string, ModelRecord>, protect: readonly string[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const byRef = new Map<string, Manifest>();
  const queue: Manifest[] = [];
  for (const [model, { manifests, events }] of records) {
    const mine = protectedByState(events, protect);
    out.set(model, mine);
    const pruned = prunedVersions(events);
    for (const m of manifests) {
      byRef.set(`${model}@${m.version}`, m);
      if (mine.has(m.version) || !pruned.has(m.version)) queue.push(m);
    }
  }
  while (queue.length > 0) {
    const m = queue.pop()!;
    for (const relation of RELATIONS) {
      for (const ref of m.lineage?.[relation] ?? []) {
        if (!('name' in ref)) continue;
        const upstream = byRef.get(`${ref.name}@${ref.version}`);
        const held = out.get(ref.name);
        if (!upstream || !held || held.has(ref.version)) continue;
        held.set(ref.version, `in the lineage of ${m.name}@${m.version}`);
        queue.push(upstream);
      }
    }
  }
  return out;
}

/** The prune events that count: those of versions not protected here. */
export function effectivePrunes(events: HistoryEvent[], protectedHere: ReadonlyMap<string, string> | undefined): Map<string, HistoryEvent> {
  const pruned = prunedVersions(events);
  for (const version of protectedHere?.keys() ?? []) pruned.delete(version);
  return pruned;
}

/**
 * Every model's manifests and history (or only `models`'), with `extra` events (a pull's incoming
 * ones) added. A manifest that cannot be read is an error, except with `tolerant` (verify, which
 * reports it), where its model protects nothing through its lineage.
 */
export async function readRecords(layout: Layout, extra: Map<string, HistoryEvent[]> = new Map(), tolerant = false): Promise<Map<string, ModelRecord>> {
  const records = new Map<string, ModelRecord>();
  for (const model of await listModels(layout)) {
    const manifests = await readModelManifests(layout, model).catch((err: unknown) => {
      if (tolerant) return [] as Manifest[];
      throw err;
    });
    const { events } = await readHistory(layout, model);
    records.set(model, { manifests, events: [...events, ...(extra.get(model) ?? [])] });
  }
  return records;
}

/** The store-wide protection, model -> version -> why, for readers (an unreadable manifest protects nothing). */
export async function readProtection(layout: Layout, protect: readonly string[], extra?: Map<string, HistoryEvent[]>): Promise<Map<string, Map<string, string>>> {
  return protectedVersions(await readRecords(layout, extra, true), protect);
}

/**
 * Removes from each model's prunes (model -> version -> event, as the stage snapshot gives them) the
 * versions this store protects, so another store's prune of them does not count. The store-wide
 * protection is read only when some version was pruned at all.
 */
export async function dropProtectedPrunes(layout: Layout, protect: readonly string[], prunes: Map<string, Map<string, unknown>>): Promise<void> {
  if (![...prunes.values()].some((p) => p.size > 0)) return;
  const protection = await readProtection(layout, protect);
  for (const [model, pruned] of prunes) for (const version of protection.get(model)?.keys() ?? []) pruned.delete(version);
}

/**
 * The prune event that counts for one version, if any. Only a version some prune event names pays
 * for reading the whole store's protection (`protect`: the protected stages; absent, every prune counts).
 */
export async function prunedEvent(layout: Layout, model: string, version: string, protect?: readonly string[]): Promise<HistoryEvent | undefined> {
  const event = prunedVersions((await readHistory(layout, model)).events).get(version);
  if (!event || !protect) return event;
  return (await readProtection(layout, protect)).get(model)?.has(version) ? undefined : event;
}
