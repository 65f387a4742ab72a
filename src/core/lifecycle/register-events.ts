// A version whose manifest is linked (the commit point) but whose register event never reached the
// history (the append failed: ENOSPC, EACCES, a crash in between). Found by comparing the tracked
// manifests with the history's register events; completed by the next command that takes the
// model's lock, with an event made from the manifest alone (its id from the version and digest), so
// two stores completing the same version write the same line, which merges as one.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import valid from 'semver/functions/valid.js';
import compare from 'semver/functions/compare.js';
import { MregError } from '../../errors.js';
import { appendRawEvents, readHistory, type HistoryEvent } from './history.js';
import { modelDir, type Layout } from '../../store/layout.js';
import { withLock } from '../../store/lock.js';
import { readManifest } from '../manifest/versions.js';

/** Versions this store registered (tracked manifests) that `events` has no register event for. */
export async function versionsWithoutRegisterEvent(layout: Layout, model: string, events: HistoryEvent[]): Promise<string[]> {
  const files = await readdir(modelDir(layout, model)).catch(() => [] as string[]);
  const registered = new Set(events.filter((e) => e.event === 'register').map((e) => e.version));
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((v) => valid(v) === v && !registered.has(v))
    .sort(compare);
}

/** Appends the missing register events; the caller holds the model's lock. Returns the versions completed. */
export async function completeRegisterEvents(layout: Layout, model: string): Promise<string[]> {
  const { events } = await readHistory(layout, model);
  const missing = await versionsWithoutRegisterEvent(layout, model, events);
  const fresh: HistoryEvent[] = [];
  for (const version of missing) {
    const manifest = await readManifest(layout, model, version).catch((err: unknown) => {
      if (err instanceof MregError) return undefined; // a damaged manifest: verify reports it, nothing to record
      throw err;
    });
    if (!manifest) continue;
    const id = createHash('sha256').update(`register ${model}@${version} ${manifest.digest}`).digest('hex').slice(0, 16);
    fresh.push({ id, time: manifest.created_at, event: 'register', model, version, actor: manifest.actor, hash: manifest.hash, completed: true });
  }
  await appendRawEvents(layout, model, fresh);
  return fresh.map((e) => e.version);
}

/** For paths that do not take the lock otherwise (an unchanged re-register): takes it only when something is missing. */
export async function completeRegisterEventsIfMissing(layout: Layout, model: string): Promise<void> {
  const { events } = await readHistory(layout, model);
  if ((await versionsWithoutRegisterEvent(layout, model, events)).length === 0) return;
  await withLock(layout, `model-${model}`, () => completeRegisterEvents(layout, model));
}
