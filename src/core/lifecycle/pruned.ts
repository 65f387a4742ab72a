// Which versions have been pruned: a `prune` event in the model's history. The manifest stays
// (versions are immutable, and lineage and history must stay whole); only its blobs may go.
import { readHistory, type HistoryEvent } from './history.js';
import type { Layout } from '../../store/layout.js';

export function prunedVersions(events: HistoryEvent[]): Map<string, HistoryEvent> {
  const pruned = new Map<string, HistoryEvent>();
  for (const e of events) if (e.event === 'prune') pruned.set(e.version, e);
  return pruned;
}

export async function prunedEvent(layout: Layout, model: string, version: string): Promise<HistoryEvent | undefined> {
  return prunedVersions((await readHistory(layout, model)).events).get(version);
}
