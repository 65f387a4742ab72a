// A model's history on a remote: batch objects under history/<model>/, each created once under a
// name that holds the hash of its content, merged by event id. Pulled events are appended to the
// local history under the model's lock, keeping their ids and times; stage state is then replayed.
import { createHash } from 'node:crypto';
import { MregError } from '../../errors.js';
import { appendRawEvents, MAX_HISTORY_BYTES, parseHistory, readHistory, serializeEvent, type HistoryEvent } from '../lifecycle/history.js';
import { withLock } from '../../store/lock.js';
import type { Layout } from '../../store/layout.js';
import { BATCH_NAME, historyPrefix, type RemoteBackend } from './backend.js';
import { mapLimit } from '../concurrency.js';

/** The largest batch read (one is held in memory at a time); pushes write batches of at most half of it. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
const PUSH_BATCH_BYTES = MAX_BATCH_BYTES / 2;

/**
 * What one pull may add to the local history, over all its models: checked before anything is
 * written, so a remote (anyone with its credentials) cannot bloat the store. A history that grows
 * past it arrives over several pulls of fewer models.
 */
export const PULL_LIMITS = { events: 100_000, bytes: 32 * 1024 * 1024 };

/** What a pull may still add (readRemoteHistory takes from it as it keeps events), out of `limits`. */
export interface PullBudget {
  events: number;
  bytes: number;
  limits: { events: number; bytes: number };
}

export function pullBudget(limits = PULL_LIMITS): PullBudget {
  return { ...limits, limits };
}

export interface RemoteHistory {
  /** the events `keep` kept (all of them without one), in batch order, each id once */
  events: HistoryEvent[];
  /** the id of every good event on the remote, kept or not */
  ids: Set<string>;
  /** batch lines that failed their checksum or shape: skipped, never trusted */
  skipped: number;
}

/**
 * The events of `model` on the remote, in batch order, each id once. Batches are read one at a
 * time and only the events `keep` accepts are held, so memory stays at about one batch plus what
 * the pull adds; with a `budget`, keeping more than it allows is refused before anything is written.
 */
export async function readRemoteHistory(backend: RemoteBackend, model: string, keep: (event: HistoryEvent) => boolean = () => true, budget?: PullBudget): Promise<RemoteHistory> {
  const prefix = historyPrefix(model);
  const { files } = await backend.list(prefix);
  const batches = files.filter((f) => BATCH_NAME.test(f.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = batches.reduce((sum, b) => sum + b.size, 0);
  if (total > MAX_HISTORY_BYTES) throw new MregError('REMOTE', `remote ${backend.label}: ${prefix} holds more than ${MAX_HISTORY_BYTES} bytes of history`);
  const events: HistoryEvent[] = [];
  const ids = new Set<string>();
  let skipped = 0;
  for (const batch of batches) {
    const text = await backend.getText(`${prefix}${batch.name}`, MAX_BATCH_BYTES);
    if (text === undefined) continue; // listed, then gone: nothing to merge
    const parsed = parseHistory(text);
    skipped += parsed.warnings.length;
    for (const [index, event] of parsed.events.entries()) {
      if (event.model !== model) {
        skipped++;
        continue;
      }
      if (ids.has(event.id)) continue;
      ids.add(event.id);
      if (!keep(event)) continue;
      if (budget) spend(budget, parsed.sizes[index]! + 1, backend, model);
      events.push(event);
    }
  }
  return { events, ids, skipped };
}

function spend(budget: PullBudget, bytes: number, backend: RemoteBackend, model: string): void {
  budget.events -= 1;
  budget.bytes -= bytes;
  if (budget.events >= 0 && budget.bytes >= 0) return;
  const { limits } = budget;
  const limit = budget.events < 0 ? `${limits.events} events` : `${limits.bytes} bytes`;
  throw new MregError('REFUSED', `remote ${backend.label}: the history it holds (at ${model}) would add more than ${limit} to the local history in one pull (the limit); nothing was written`, {
    hint: 'a remote that grew this much at once is suspect: look at its history/ batches; a genuine history arrives over several pulls of one model at a time (mreg pull <model>@<version>)',
    data: { model, limit_events: limits.events, limit_bytes: limits.bytes },
  });
}

/** The versions an event speaks of: its own and those it displaced. */
export function eventVersions(event: HistoryEvent): string[] {
  return [event.version, ...(event.displaced ?? []).map((d) => d.version)];
}

function compactTime(time: string): string {
  const iso = new Date(Date.parse(time)).toISOString(); // 2026-03-02T14:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * Uploads `events` as one new batch. Its name holds the hash of its content, so a batch can only
 * ever be created with these exact bytes: two pushes never overwrite each other, and a repeated
 * push of the same events finds its batch already there.
 */
export async function pushBatch(backend: RemoteBackend, model: string, events: HistoryEvent[]): Promise<void> {
  let lines: string[] = [];
  let bytes = 0;
  let first: HistoryEvent | undefined;
  const flush = async () => {
    if (!first) return;
    const text = lines.join('');
    const name = `${compactTime(first.time)}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.jsonl`;
    await backend.createOnly(`${historyPrefix(model)}${name}`, text);
    lines = [];
    bytes = 0;
    first = undefined;
  };
  for (const event of events) {
    const line = `${serializeEvent(event)}\n`;
    const size = Buffer.byteLength(line);
    if (bytes > 0 && bytes + size > PUSH_BATCH_BYTES) await flush();
    first ??= event;
    lines.push(line);
    bytes += size;
  }
  await flush();
}

/**
 * Appends the remote events the local history lacks (by id), oldest first, keeping their ids, times
 * and checksums, to the pulled area (or, for a fresh clone, the tracked history). Events about
 * versions without a local manifest are left for a later pull. `judge` may mark events rejected.
 */
export async function mergeIntoLocal(
  layout: Layout,
  model: string,
  remote: HistoryEvent[],
  hasVersion: (version: string) => boolean,
  where: 'tracked' | 'pulled' = 'pulled',
  judge: (existing: HistoryEvent[], fresh: HistoryEvent[]) => Promise<HistoryEvent[]> = async (_, fresh) => fresh,
): Promise<HistoryEvent[]> {
  return withLock(layout, `model-${model}`, async () => {
    const { events: local } = await readHistory(layout, model);
    const known = new Set(local.map((e) => e.id));
    const fresh = remote
      .filter((e) => !known.has(e.id) && eventVersions(e).every(hasVersion))
      .map((event, index) => ({ event, index }))
      // Stable: events of one machine keep their order when their times tie.
      .sort((a, b) => Date.parse(a.event.time) - Date.parse(b.event.time) || a.index - b.index)
      .map(({ event }) => event);
    const judged = await judge(local, fresh);
    await appendRawEvents(layout, model, judged, where);
    return judged;
  });
}
