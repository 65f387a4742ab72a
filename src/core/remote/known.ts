// What this store knows a remote holds, per model: the versions and event ids it last saw there
// (written by push and pull, kept in the pulled area, out of git). `status` and `ls` count what is
// not there yet from this record alone, with no network: a version or event that reached the remote
// some other way (a teammate pushed it, git brought it) counts as unpushed until the next pull or push.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { defaultRemote } from '../config/remotes.js';
import type { HistoryEvent } from '../lifecycle/history.js';
import { writeReplace } from '../../store/atomic.js';
import type { Layout } from '../../store/layout.js';

const MAX_RECORD_BYTES = 64 * 1024 * 1024;

interface Known {
  versions: Set<string>;
  events: Set<string>;
}

function recordPath(layout: Layout, remote: string, model: string): string {
  return join(layout.pulled, 'remotes', remote, `${model}.json`);
}

async function readKnown(layout: Layout, remote: string, model: string): Promise<Known> {
  try {
    const text = await readFile(recordPath(layout, remote, model), 'utf8');
    if (text.length > MAX_RECORD_BYTES) throw new Error('too large');
    const doc = JSON.parse(text) as { versions?: unknown; events?: unknown };
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { versions: new Set(strings(doc.versions)), events: new Set(strings(doc.events)) };
  } catch {
    return { versions: new Set(), events: new Set() }; // none yet, or damaged: a derived record, rebuilt by the next push or pull
  }
}

/** Adds to what the remote is known to hold (a record only: losing a race loses nothing but a count). */
export async function recordKnown(layout: Layout, remote: string, model: string, versions: Iterable<string>, events: Iterable<string>): Promise<void> {
  const known = await readKnown(layout, remote, model);
  for (const v of versions) known.versions.add(v);
  for (const e of events) known.events.add(e);
  const doc = { versions: [...known.versions].sort(), events: [...known.events].sort() };
  await writeReplace(layout, recordPath(layout, remote, model), `${JSON.stringify(doc)}\n`, 0o644, false);
}

export interface Unpushed {
  remote: string;
  /** versions plus events not yet on the remote */
  total: number;
  /** per version: itself (if not there) plus its events not there */
  byVersion: Map<string, number>;
}

/** What of `model` the default remote lacks, as far as the record says; undefined with no default remote. */
export async function unpushed(layout: Layout, config: Config, model: string, versions: string[], events: HistoryEvent[]): Promise<Unpushed | undefined> {
  const remote = defaultRemote(config.remotes ?? {});
  if (!remote) return undefined;
  const known = await readKnown(layout, remote.name, model);
  const byVersion = new Map<string, number>(versions.map((v) => [v, known.versions.has(v) ? 0 : 1]));
  let total = [...byVersion.values()].reduce((a, b) => a + b, 0);
  for (const e of events) {
    if (e.model !== model || known.events.has(e.id)) continue;
    total++;
    byVersion.set(e.version, (byVersion.get(e.version) ?? 0) + 1);
  }
  return { remote: remote.name, total, byVersion };
}
