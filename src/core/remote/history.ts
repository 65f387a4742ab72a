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

const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export interface RemoteHistory {
  events: HistoryEvent[];
  /** batch lines that failed their checksum or shape: skipped, never trusted */
  skipped: number;
}

/** Every event of `model` on the remote, in batch order, each id once. */
export async function readRemoteHistory(backend: RemoteBackend, model: string): Promise<RemoteHistory> {
  const prefix = historyPrefix(model);
  const { files } = await backend.list(prefix);
  const batches = files.filter((f) => BATCH_NAME.test(f.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = batches.reduce((sum, b) => sum + b.size, 0);
  if (total > MAX_HISTORY_BYTES) throw new MregError('REMOTE', `remote ${backend.label}: ${prefix} holds more than ${MAX_HISTORY_BYTES} bytes of history`);
  const texts = await mapLimit(batches, 8, (b) => backend.getText(`${prefix}${b.name}`, MAX_BATCH_BYTES));
  const events: HistoryEvent[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const text of texts) {
    if (text === undefined) continue; // listed, then gone: nothing to merge
    const parsed = parseHistory(text);
    skipped += parsed.warnings.length;
    for (const event of parsed.events) {
      if (event.model !== model) {
        skipped++;
        continue;
      }
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      events.push(event);
    }
  }
  return { events, skipped };
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
  if (events.length === 0) return;
  const text = events.map((e) => `${serializeEvent(e)}\n`).join('');
  const name = `${compactTime(events[0]!.time)}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.jsonl`;
  await backend.createOnly(`${historyPrefix(model)}${name}`, text);
}

/**
 * Appends the remote events the local history lacks (by id), oldest first, keeping their ids, times
 * and checksums, to the pulled area (or, for a fresh clone, the tracked history). Events about
 * versions without a local manifest are left for a later pull.
 */
export async function mergeIntoLocal(
  layout: Layout,
  model: string,
  remote: HistoryEvent[],
  hasVersion: (version: string) => boolean,
  where: 'tracked' | 'pulled' = 'pulled',
  accept: (event: HistoryEvent) => boolean = () => true,
): Promise<number> {
  return withLock(layout, `model-${model}`, async () => {
    const { events: local } = await readHistory(layout, model);
    const known = new Set(local.map((e) => e.id));
    const fresh = remote
      .filter((e) => !known.has(e.id) && eventVersions(e).every(hasVersion) && accept(e))
      .map((event, index) => ({ event, index }))
      // Stable: events of one machine keep their order when their times tie.
      .sort((a, b) => Date.parse(a.event.time) - Date.parse(b.event.time) || a.index - b.index)
      .map(({ event }) => event);
    await appendRawEvents(layout, model, fresh, where);
    return fresh.length;
  });
}
