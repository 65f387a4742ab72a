// One version as the store knows it: its manifest, the stages it holds (now, or at a moment in the past),
// and whether gc pruned its files.
import { MregError } from '../errors.js';
import { readHistory, type HistoryEvent } from '../core/lifecycle/history.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { currentState } from '../core/lifecycle/snapshot.js';
import { replay, stagesOf, type StageState } from '../core/lifecycle/state.js';
import type { Manifest } from '../core/manifest/types.js';
import { readManifest } from '../core/manifest/versions.js';
import { prunedEvent, prunedVersions } from '../core/lifecycle/pruned.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { Json, Manifest } from '../core/manifest/types.js';
// For describing a manifest in text.
export { formatShape } from '../core/formats/compare.js';
export { lineageEntries, RELATION_LABELS } from '../core/manifest/lineage.js';

export interface ShowOptions extends Where {
  /** model, model@latest, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
  /** resolve a stage as it was at this moment (a Date, or an ISO 8601 time) */
  at?: Date | string | undefined;
}

export type ShowResult = Manifest & {
  /** the stages the version holds (at `at`, when given) */
  stages: string[];
  /** set when gc pruned the version: its files are gone, its record stays */
  pruned?: { time: string; actor: string };
};

export async function show(opts: ShowOptions): Promise<ShowResult> {
  let at: Date | undefined;
  if (opts.at !== undefined) {
    at = opts.at instanceof Date ? opts.at : new Date(opts.at);
    if (Number.isNaN(at.getTime())) throw new MregError('USAGE', `at ${JSON.stringify(opts.at)}: expected an ISO 8601 time like 2026-03-02T14:00:00Z`);
  }
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const { model, version } = await resolveRef(store, opts.ref, at ? { at } : {});
  const manifest = await readManifest(store.layout, model, version);
  // The current state from the snapshot; a past moment is replayed from the history.
  let current: { state: StageState; pruned: Map<string, HistoryEvent> };
  if (at) {
    const { events } = await readHistory(store.layout, model);
    current = { state: replay(events, at), pruned: prunedVersions(events) };
  } else current = await currentState(store.layout, model);
  const stages = stagesOf(current.state, version);
  // A prune counts only for a version nothing protects here (prunedEvent reads the protection, rarely needed).
  const prune = current.pruned.has(version) ? await prunedEvent(store.layout, model, version, store.config.retention.protect) : undefined;
  return { ...manifest, stages, ...(prune ? { pruned: { time: prune.time, actor: prune.actor } } : {}) };
}
