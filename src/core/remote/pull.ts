// mreg pull: manifests and history of the remote's models (or the named ones), then the blobs of the
// named versions (every version with --all). Planned before anything is written: a version held with
// other content on each side stops the pull. Manifests are validated and written create-only, events
// merged by id under the model's lock, blobs verified while they stream, before they enter the store.
// What a pull learns goes to the pulled area (.modelreg/pulled/, ignored by git), never to files git
// tracks: `git pull` afterwards checks out the same manifests and history without a clash.
import compare from 'semver/functions/compare.js';
import { MregError } from '../../errors.js';
import { readHistory } from '../lifecycle/history.js';
import { resolveRef, splitRef } from '../lifecycle/refs.js';
import { effectivePrunes, readProtection } from '../lifecycle/pruned.js';
import { replay, stageConflicts } from '../lifecycle/state.js';
import { judgeMerged } from '../lifecycle/merge-policy.js';
import type { Manifest } from '../manifest/types.js';
import { writeCreateOnly } from '../../store/atomic.js';
import { manifestPath, PULLED_GITIGNORE, pulledManifestPath, type Layout } from '../../store/layout.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store.js';
import { listVersions, readManifest } from '../manifest/versions.js';
import type { RemoteBackend, TransferListener } from './backend.js';
import { checkMarker, conflictsError, readRemoteManifest, remoteModels, remoteVersions, versionConflict, type RemoteManifest } from './catalog.js';
import { mapLimit } from '../concurrency.js';
import { eventVersions, mergeIntoLocal, pullBudget, readRemoteHistory, type RemoteHistory } from './history.js';
import { openRemote, selectRemote } from './open.js';
import { pullSignatures } from './signatures.js';
import { recordKnown } from './known.js';
import { downloadBlobs, localHasBlob, uniqueJobs } from './transfer.js';

export interface PullRequest {
  remote?: string | undefined;
  /** versions whose blobs to fetch (their models' manifests and history come too); all models when empty */
  refs: string[];
  /** the blobs of every version of the pulled models */
  all?: boolean;
  /** with no refs: only these models' manifests and history (default: every model on the remote) */
  models?: string[];
  onTransfer?: TransferListener;
  /** the environment mreg runs with: an S3 remote's region and credentials (absent: empty) */
  env?: NodeJS.ProcessEnv | undefined;
  /** where manifests and events go: the pulled area (default), or the tracked files of a fresh clone */
  into?: 'tracked' | 'pulled';
}

/** Creates the pulled area with the .gitignore that keeps it out of git, before anything goes in. */
export async function preparePulledArea(layout: Layout): Promise<void> {
  await mkdir(layout.pulled, { recursive: true });
  await writeFile(join(layout.pulled, '.gitignore'), PULLED_GITIGNORE, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

export interface PullResult {
  remote: string;
  url: string;
  versions: { model: string; version: string; hash: string; new: boolean }[];
  blobs: { downloaded: number; present: number; bytes: number };
  events: number;
  /** remote history lines that failed their checksum or shape: never merged */
  skipped_events: number;
  /** signature files brought (each checked against this store's manifest first) */
  signatures: number;
  /** what the merged history leaves to settle: STAGE_CONFLICT for an exclusive stage with two versions */
  warnings: { code: string; message: string; command?: string }[];
}

export async function pull(store: Store, req: PullRequest): Promise<PullResult> {
  const remote = selectRemote(store.config, req.remote);
  const backend = await openRemote(remote, req.env);
  try {
    return await pullFrom(store, backend, req, { remote: remote.name, url: remote.url });
  } finally {
    backend.close();
  }
}

export async function pullFrom(store: Store, backend: RemoteBackend, req: PullRequest, names: { remote: string; url: string }): Promise<PullResult> {
  const { layout } = store;
  const result: PullResult = { ...names, versions: [], blobs: { downloaded: 0, present: 0, bytes: 0 }, events: 0, skipped_events: 0, signatures: 0, warnings: [] };
  if (!(await checkMarker(backend, false))) {
    if (req.refs.length > 0) throw new MregError('NOT_FOUND', `remote ${backend.label} holds no registry yet (nothing has been pushed to it)`);
    return result;
  }
  const models = req.refs.length > 0 ? [...new Set(req.refs.map((r) => splitRef(r).model))] : (req.models ?? (await remoteModels(backend)));

  // Plan: every remote manifest of these models, validated, and compared with what is here.
  const fresh: RemoteManifest[] = [];
  const conflicts: MregError[] = [];
  const remoteHeld = new Map<string, Set<string>>();
  for (const model of models) {
    const versions = await remoteVersions(backend, model);
    remoteHeld.set(model, versions);
    const local = new Set(await listVersions(layout, model));
    const theirs = await mapLimit([...versions], 8, (v) => readRemoteManifest(backend, model, v));
    for (const remote of theirs) {
      if (!remote) continue; // listed, then gone
      const { manifest } = remote;
      if (local.has(manifest.version)) {
        const mine = await readManifest(layout, model, manifest.version);
        if (mine.digest !== manifest.digest) conflicts.push(versionConflict(model, manifest.version, mine.digest, manifest.digest, backend.label));
        result.versions.push({ model, version: manifest.version, hash: manifest.hash, new: false });
      } else {
        fresh.push(remote);
      }
    }
  }
  if (conflicts.length > 0) throw conflictsError(conflicts, names.remote);

  // Apply: manifests (create-only), then history (whose events speak of those versions), then blobs.
  const into = req.into ?? 'pulled';
  if (fresh.length > 0 || models.length > 0) await preparePulledArea(layout);
  for (const { manifest, text } of fresh) {
    const dest = into === 'pulled' ? pulledManifestPath(layout, manifest.name, manifest.version) : manifestPath(layout, manifest.name, manifest.version);
    const created = await writeCreateOnly(layout, dest, text);
    if (!created) {
      const mine = await readManifest(layout, manifest.name, manifest.version); // registered here meanwhile
      if (mine.digest !== manifest.digest) throw conflictsError([versionConflict(manifest.name, manifest.version, mine.digest, manifest.digest, backend.label)], names.remote);
    }
    result.versions.push({ model: manifest.name, version: manifest.version, hash: manifest.hash, new: created });
  }
  // A remote's prune of a version protected here (a protected stage, a live target, the lineage of a
  // kept version) is not merged: no store takes what this one protects.
  // Only what the local history lacks is held, within what one pull may add (checked before writing).
  const histories = new Map<string, RemoteHistory>();
  const budget = pullBudget();
  for (const model of models) {
    const known = new Set((await readHistory(layout, model)).events.map((e) => e.id));
    const here = new Set(await listVersions(layout, model));
    histories.set(model, await readRemoteHistory(backend, model, (e) => !known.has(e.id) && eventVersions(e).every((v) => here.has(v)), budget));
  }
  const incomingPrunes = new Map([...histories].map(([model, h]) => [model, h.events.filter((e) => e.event === 'prune')]));
  const protection = await readProtection(layout, store.config.retention.protect, incomingPrunes);
  for (const model of models) {
    const history = histories.get(model)!;
    const here = new Set(await listVersions(layout, model));
    // Signatures before events: a merged promotion is judged by the signatures this store holds.
    const sigs = await pullSignatures(layout, backend, model, here, into);
    result.signatures += sigs.count;
    for (const message of sigs.rejected) result.warnings.push({ code: 'SIGNATURE_INVALID', message });
    await recordKnown(layout, names.remote, model, remoteHeld.get(model) ?? [], [...history.ids]);
    const guarded = protection.get(model);
    const accepted = history.events.filter((e) => {
      const why = e.event === 'prune' ? guarded?.get(e.version) : undefined;
      if (why === undefined) return true;
      result.warnings.push({
        code: 'PRUNE_IGNORED',
        message: `${model}@${e.version}: remote ${backend.label} says it was pruned (event ${e.id}, by ${e.actor} at ${e.time}); ignored: it is ${why} here`,
      });
      return false;
    });
    const merged = await mergeIntoLocal(layout, model, accepted, (v) => here.has(v), into, (existing, fresh) => judgeMerged(store, existing, fresh));
    result.events += merged.length;
    for (const e of merged) {
      if (e.rejected) result.warnings.push({ code: 'EVENT_REJECTED', message: `${model}: ${e.event} of ${e.version}${e.stage ? ` to ${e.stage}` : ''}${typeof e.target === 'string' ? ` on ${e.target}` : ''} by ${e.actor} (event ${e.id}) is refused by this store's rules and changes nothing: ${e.rejected}` });
    }
    result.skipped_events += history.skipped;
    const state = replay((await readHistory(layout, model)).events);
    for (const c of stageConflicts(model, state, (stage) => Boolean(store.config.stages[stage]?.exclusive))) {
      result.warnings.push({ code: 'STAGE_CONFLICT', message: c.message, command: c.command });
    }
  }
  histories.clear();

  const wanted: Manifest[] = [];
  if (req.all) {
    for (const model of models) for (const version of remoteHeld.get(model) ?? []) wanted.push(await readManifest(layout, model, version));
  } else {
    for (const ref of req.refs) {
      const { model, version } = await resolveRef(store, ref);
      wanted.push(await readManifest(layout, model, version));
    }
  }
  // Pruned versions (by the merged history) have no blobs anywhere to fetch, unless this store
  // protects them (a prune made before the protection, or merged by git): those it fetches.
  const after = wanted.length > 0 ? await readProtection(layout, store.config.retention.protect) : new Map<string, Map<string, string>>();
  const pruned = new Map<string, Map<string, unknown>>();
  for (const m of wanted) if (!pruned.has(m.name)) pruned.set(m.name, effectivePrunes((await readHistory(layout, m.name)).events, after.get(m.name)));
  const jobs = uniqueJobs(
    wanted.filter((m) => !pruned.get(m.name)!.has(m.version)).flatMap((m) => m.artifacts.map((a) => ({ sha256: a.sha256, size: a.size, label: `${m.name}@${m.version}:${a.path}` }))),
  );
  const here = await mapLimit(jobs, 16, (job) => localHasBlob(layout, job));
  const needed = jobs.filter((_, i) => !here[i]);
  const downloaded = await downloadBlobs(layout, backend, needed, req.onTransfer);
  result.blobs = { downloaded: downloaded.count, present: jobs.length - needed.length, bytes: downloaded.bytes };
  result.versions.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : compare(a.version, b.version)));
  return result;
}
