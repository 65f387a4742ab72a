// mreg push: the whole plan is made before anything is written (which versions the remote lacks,
// which conflict, which blobs it needs), then applied in an order that keeps the remote valid at
// every moment: blobs first, then a version's manifest (create-only), then history batches that
// speak only of versions the remote holds.
import { readFile } from 'node:fs/promises';
import compare from 'semver/functions/compare.js';
import { parseYamlText } from '../documents.js';
import { MregError } from '../../errors.js';
import { readHistory } from '../lifecycle/history.js';
import { resolveRef } from '../lifecycle/refs.js';
import { readModelManifests } from '../manifest/cache.js';
import { prunedVersions } from '../lifecycle/pruned.js';
import type { Manifest } from '../manifest/types.js';
import { validateManifest } from '../manifest/validate.js';
import { manifestPath, type Layout } from '../../store/layout.js';
import type { Store } from '../store.js';
import { listModels, manifestFile, readManifest } from '../manifest/versions.js';
import { manifestKey, type RemoteBackend, type TransferListener } from './backend.js';
import { checkMarker, conflictsError, readRemoteManifest, remoteVersions, versionConflict } from './catalog.js';
import { mapLimit } from '../concurrency.js';
import { eventVersions, pushBatch, readRemoteHistory } from './history.js';
import { openRemote, selectRemote } from './open.js';
import { pushSignatures } from './signatures.js';
import { recordKnown } from './known.js';
import { preparePulledArea } from './pull.js';
import { localHasBlob, uniqueJobs, uploadBlobs, type BlobJob } from './transfer.js';

export interface PushRequest {
  /** a configured remote; the default one when absent */
  remote?: string | undefined;
  /** versions to push (any reference); every version of every model when empty */
  refs: string[];
  onTransfer?: TransferListener;
  /** the environment mreg runs with: an S3 remote's region and credentials (absent: empty) */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface PushResult {
  remote: string;
  url: string;
  versions: { model: string; version: string; hash: string; pushed: boolean }[];
  blobs: { uploaded: number; present: number; bytes: number };
  events: number;
  /** signature files uploaded */
  signatures: number;
}

async function selectedVersions(store: Store, refs: string[]): Promise<Map<string, Manifest[]>> {
  const byModel = new Map<string, Manifest[]>();
  const add = (m: Manifest) => {
    const list = byModel.get(m.name) ?? [];
    if (!list.some((x) => x.version === m.version)) list.push(m);
    byModel.set(m.name, list);
  };
  if (refs.length === 0) {
    for (const model of await listModels(store.layout)) for (const m of await readModelManifests(store.layout, model)) add(m);
  } else {
    for (const ref of refs) {
      const { model, version } = await resolveRef(store, ref);
      add(await readManifest(store.layout, model, version));
    }
  }
  return byModel;
}

/** The exact bytes of a local manifest, validated again as they are read for the upload. */
async function manifestText(layout: Layout, m: Manifest): Promise<string> {
  const label = `models/${m.name}/${m.version}.yaml`;
  const text = await readFile((await manifestFile(layout, m.name, m.version)) ?? manifestPath(layout, m.name, m.version), 'utf8');
  const again = validateManifest(parseYamlText(text, label, 'CORRUPT_MANIFEST'), label, { name: m.name, version: m.version });
  if (again.digest !== m.digest) throw new MregError('CHANGED_WHILE_READING', `${label} changed while it was being pushed`);
  return text;
}

export async function push(store: Store, req: PushRequest): Promise<PushResult> {
  const remote = selectRemote(store.config, req.remote);
  const selected = await selectedVersions(store, req.refs);
  const backend = await openRemote(remote, req.env);
  try {
    return await pushTo(store, backend, selected, req.onTransfer, { remote: remote.name, url: remote.url });
  } finally {
    backend.close();
  }
}

async function pushTo(
  store: Store,
  backend: RemoteBackend,
  selected: Map<string, Manifest[]>,
  onTransfer: TransferListener | undefined,
  names: { remote: string; url: string },
): Promise<PushResult> {
  const { layout } = store;
  await checkMarker(backend, true);

  // Plan: what the remote has, and whether any version is held there with other content.
  const onRemote = new Map<string, Set<string>>();
  const missing: Manifest[] = [];
  const conflicts: MregError[] = [];
  for (const [model, manifests] of selected) {
    const versions = await remoteVersions(backend, model);
    onRemote.set(model, versions);
    const shared = manifests.filter((m) => versions.has(m.version));
    const theirs = await mapLimit(shared, 8, (m) => readRemoteManifest(backend, model, m.version));
    for (const [i, m] of shared.entries()) {
      const remoteDigest = theirs[i]?.manifest.digest;
      if (remoteDigest !== undefined && remoteDigest !== m.digest) conflicts.push(versionConflict(model, m.version, m.digest, remoteDigest, backend.label));
    }
    missing.push(...manifests.filter((m) => !versions.has(m.version)));
  }
  if (conflicts.length > 0) throw conflictsError(conflicts, names.remote);

  // A pruned version's blobs were let go on purpose: its manifest (and its prune event) travel alone.
  const pruned = new Map<string, Map<string, unknown>>();
  for (const model of selected.keys()) pruned.set(model, prunedVersions((await readHistory(layout, model)).events));
  const withBlobs = missing.filter((m) => !pruned.get(m.name)!.has(m.version));
  const jobs = uniqueJobs(withBlobs.flatMap((m) => m.artifacts.map((a) => ({ sha256: a.sha256, size: a.size, label: `${m.name}@${m.version}:${a.path}` }))));
  const present = await mapLimit(jobs, 16, (job) => backend.hasBlob(job));
  const needed = jobs.filter((_, i) => !present[i]);
  // Every blob the remote lacks must be here, checked before the first byte goes out.
  for (const job of needed) {
    if (!(await localHasBlob(layout, job))) {
      throw new MregError('NOT_FOUND', `${job.label}: blob ${job.sha256} is neither in the local store nor on remote ${backend.label}`, {
        hint: 'pull it from the remote that has it, or push only other versions',
        data: { sha256: job.sha256 },
      });
    }
  }

  // Apply: blobs, then manifests (create-only), then history.
  const uploaded = await uploadBlobs(layout, backend, needed, onTransfer);
  const versions: PushResult['versions'] = [];
  for (const manifests of selected.values()) {
    for (const m of manifests) if (onRemote.get(m.name)!.has(m.version)) versions.push({ model: m.name, version: m.version, hash: m.hash, pushed: false });
  }
  for (const m of missing) {
    const created = await backend.createOnly(manifestKey(m.name, m.version), await manifestText(layout, m));
    if (created === 'exists') {
      // Someone pushed this version since the plan was made: the same content is fine, other content is a conflict.
      const theirs = await readRemoteManifest(backend, m.name, m.version);
      if (theirs && theirs.manifest.digest !== m.digest) throw conflictsError([versionConflict(m.name, m.version, m.digest, theirs.manifest.digest, backend.label)], names.remote);
    }
    onRemote.get(m.name)!.add(m.version);
    versions.push({ model: m.name, version: m.version, hash: m.hash, pushed: created === 'created' });
  }

  let events = 0;
  let signatures = 0;
  for (const [model, manifests] of selected) {
    const held = onRemote.get(model)!;
    signatures += await pushSignatures(layout, backend, model, manifests.map((m) => m.version).filter((v) => held.has(v)));
    const [{ events: local }, remoteHistory] = await Promise.all([readHistory(layout, model), readRemoteHistory(backend, model, () => false)]);
    const known = remoteHistory.ids;
    // Events of versions the remote does not hold stay here until those versions are pushed.
    const fresh = local.filter((e) => e.model === model && !known.has(e.id) && eventVersions(e).every((v) => held.has(v)));
    await pushBatch(backend, model, fresh);
    events += fresh.length;
    await preparePulledArea(layout);
    await recordKnown(layout, names.remote, model, held, [...known, ...fresh.map((e) => e.id)]);
  }
  versions.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : compare(a.version, b.version)));
  return { ...names, versions, blobs: { uploaded: uploaded.count, present: jobs.length - needed.length, bytes: uploaded.bytes }, events, signatures };
}
