// mreg rebase-version: settles a version race. The remote holds model@v with other content than the
// local, unpushed model@v; the local content moves to the next free version (free here and on the
// remote), its own events move with it, and the remote's v comes in as it is: both contents survive.
import { readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import inc from 'semver/functions/inc.js';
import parse from 'semver/functions/parse.js';
import { MregError } from '../../errors.js';
import { newEventId, parseHistory, serializeEvent, type HistoryEvent } from '../lifecycle/history.js';
import { resolveRef } from '../lifecycle/refs.js';
import { sealManifest } from '../manifest/hash.js';
import type { Manifest } from '../manifest/types.js';
import { listVersions, readManifest } from '../manifest/versions.js';
import { manifestToYaml } from '../manifest/yaml.js';
import { writeCreateOnly, writeReplace } from '../../store/atomic.js';
import { historyPath, manifestPath, signatureDir } from '../../store/layout.js';
import { withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import type { RemoteBackend } from './backend.js';
import { readRemoteManifest, remoteVersions } from './catalog.js';
import { readRemoteHistory } from './history.js';
import { openRemote, selectRemote } from './open.js';
import { pullFrom } from './pull.js';

export interface RebaseRequest {
  remote?: string | undefined;
  /** the conflicting versions, exactly as the CONFLICT error names them (model@version) */
  refs: string[];
  env?: NodeJS.ProcessEnv | undefined;
}

export interface RebasedVersion {
  model: string;
  /** the version the remote holds with other content: now the remote's, here too */
  from: string;
  /** where the local content went */
  to: string;
  hash: string;
  /** local events that moved with it (same kinds and times, new ids) */
  events: number;
  /** local signatures dropped: they signed the old version number */
  signatures_dropped: number;
}

export interface RebaseResult {
  remote: string;
  url: string;
  versions: RebasedVersion[];
}

/** The next version at the level the original was bumped at (1.0.2 -> 1.0.3, 1.1.0 -> 1.2.0), free in `taken`. */
export function nextFreeVersion(version: string, taken: Set<string>): string {
  const v = parse(version);
  if (!v) throw new MregError('INVALID_VERSION', `invalid version ${version}`);
  const level = v.prerelease.length > 0 ? 'prerelease' : v.patch !== 0 ? 'patch' : v.minor !== 0 ? 'minor' : 'major';
  let next = inc(version, level)!;
  while (taken.has(next)) next = inc(next, level)!;
  return next;
}

export async function rebaseVersions(store: Store, req: RebaseRequest): Promise<RebaseResult> {
  if (req.refs.length === 0) throw new MregError('USAGE', 'rebase-version needs the conflicting versions (model@version), as the CONFLICT error names them');
  const remote = selectRemote(store.config, req.remote);
  const backend = await openRemote(remote, req.env);
  try {
    const versions: RebasedVersion[] = [];
    for (const ref of req.refs) versions.push(await rebaseOne(store, backend, ref));
    // The remote's content of each settled version (and its history) comes in now, into the pulled area.
    const models = [...new Set(versions.map((v) => v.model))];
    await pullFrom(store, backend, { refs: [], models }, { remote: remote.name, url: remote.url });
    return { remote: remote.name, url: remote.url, versions };
  } finally {
    backend.close();
  }
}

async function rebaseOne(store: Store, backend: RemoteBackend, ref: string): Promise<RebasedVersion> {
  const { layout } = store;
  const { model, version } = await resolveRef(store, ref);
  const local = await readManifest(layout, model, version);
  const tracked = await readFile(manifestPath(layout, model, version), 'utf8').catch(() => undefined);
  if (tracked === undefined) throw new MregError('REFUSED', `${model}@${version} here came from a remote (pulled), not from a local register: there is nothing of yours to move`);
  const theirs = await readRemoteManifest(backend, model, version);
  if (!theirs) throw new MregError('REFUSED', `remote ${backend.label} does not hold ${model}@${version}: there is no race to settle (push it)`);
  if (theirs.manifest.digest === local.digest) throw new MregError('REFUSED', `remote ${backend.label} holds ${model}@${version} with the same content: there is no race to settle`);

  const onRemote = (await readRemoteHistory(backend, model, () => false)).ids;
  return withLock(layout, `model-${model}`, async () => {
    const taken = new Set([...(await listVersions(layout, model)), ...(await remoteVersions(backend, model))]);
    const to = nextFreeVersion(version, taken);
    const { checksum: _old, ...fields } = local;
    const moved: Manifest = sealManifest({ ...fields, version: to });
    if (!(await writeCreateOnly(layout, manifestPath(layout, model, to), manifestToYaml(moved)))) {
      throw new MregError('CONFLICT', `${model}@${to} appeared while the race was being settled; run the command again`);
    }

    // This store's own events about the old number (the remote never saw them) move to the new one.
    // The history is rewritten rather than appended to because these lines were never pushed: the
    // events keep their kind, actor and time, and take new ids so no copy of the old ones can merge back.
    const path = historyPath(layout, model);
    const text = await readFile(path, 'utf8').catch(() => '');
    const { events } = parseHistory(text);
    let count = 0;
    const rename = (v: string) => (v === version ? to : v);
    const rewritten: HistoryEvent[] = events.map((e) => {
      const about = e.version === version || (e.displaced ?? []).some((d) => d.version === version);
      if (!about || onRemote.has(e.id)) return e;
      count++;
      const { sum: _sum, ...rest } = e as HistoryEvent & { sum?: string };
      return {
        ...rest,
        id: newEventId(),
        version: rename(e.version),
        ...(e.displaced ? { displaced: e.displaced.map((d) => ({ ...d, version: rename(d.version) })) } : {}),
      };
    });
    if (count > 0) {
      // Torn or damaged lines are kept as they were: verify goes on reporting them.
      const good = new Set(events.map((e) => e.id));
      const kept = text.split('\n').filter((line) => {
        if (line.trim() === '') return false;
        try {
          return !good.has((JSON.parse(line) as { id?: string }).id ?? '');
        } catch {
          return true;
        }
      });
      await writeReplace(layout, path, [...kept, ...rewritten.map(serializeEvent)].map((l) => `${l}\n`).join(''));
    }
    const sigDir = signatureDir(layout, model, version);
    const dropped = (await readdir(sigDir).catch(() => [] as string[])).length;
    await rm(sigDir, { recursive: true, force: true });
    await unlink(manifestPath(layout, model, version));
    return { model, from: version, to, hash: moved.hash, events: count, signatures_dropped: dropped };
  });
}
