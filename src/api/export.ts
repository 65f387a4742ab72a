// Writing a version's artifacts to a directory: every blob re-hashed on the way, each file written
// under a temp name and renamed into place only once all of them checked out.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { MregError } from '../errors.js';
import type { Artifact } from '../core/manifest/types.js';
import { removeQuietly } from '../store/atomic.js';
import { copyBlobVerified, type ProgressFn } from '../store/blobs.js';
import type { Store } from '../core/store.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { prunedEvent } from '../core/retention/pruned.js';
import type { TransferListener } from '../core/remote/backend.js';
import { ensureBlobsLocal } from '../core/remote/fetch.js';
import { readManifest } from '../core/manifest/versions.js';

export interface ExportResult {
  model: string;
  version: string;
  hash: string;
  dir: string;
  artifacts: Artifact[];
}

export interface ExportOptions {
  force?: boolean;
  onProgress?: (file: string, bytes: number) => void;
  /** blobs fetched from the default remote first */
  onTransfer?: TransferListener;
}

/** Creates the directories leading to `file` below `root`, refusing any that is a symlink. */
async function prepareParents(root: string, file: string): Promise<void> {
  const parts = relative(root, dirname(file)).split(sep).filter(Boolean);
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    const st = await lstat(dir).catch(() => undefined);
    if (!st) await mkdir(dir);
    else if (!st.isDirectory()) throw new MregError('CONFLICT', `${dir} exists and is not a directory (symlinks are not followed)`);
  }
}

export async function exportVersion(store: Store, refText: string, targetDir: string, options: ExportOptions = {}): Promise<ExportResult> {
  const { model, version } = await resolveRef(store, refText);
  const manifest = await readManifest(store.layout, model, version);
  const pruned = await prunedEvent(store.layout, model, version);
  if (pruned) throw new MregError('PRUNED', `${model}@${version} was pruned at ${pruned.time} by ${pruned.actor}: its manifest remains, its files are gone`);
  await mkdir(resolve(targetDir), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new MregError('CONFLICT', `${targetDir}: cannot create the directory (${err.code})`);
  });
  const root = await realpath(targetDir);

  const plan = manifest.artifacts.map((artifact) => {
    const dest = resolve(root, artifact.path);
    if (!dest.startsWith(root + sep)) throw new MregError('CORRUPT_MANIFEST', `artifact path ${JSON.stringify(artifact.path)} leaves the export directory`);
    return { artifact, dest, temp: join(dirname(dest), `.${randomBytes(6).toString('hex')}.mreg-export.tmp`) };
  });
  for (const { dest } of plan) {
    const existing = await lstat(dest).catch(() => undefined);
    if (existing && !options.force) throw new MregError('CONFLICT', `${dest} already exists (pass --force to overwrite)`);
    if (existing && !existing.isFile()) throw new MregError('CONFLICT', `${dest} exists and is not a file`);
  }

  // Blobs that are only on the default remote (a clone fetches them on demand) come first, verified.
  await ensureBlobsLocal(store, manifest.artifacts.map((a) => ({ ...a, label: `${model}@${version}:${a.path}` })), options.onTransfer);

  const written: string[] = [];
  try {
    for (const { artifact, dest, temp } of plan) {
      await prepareParents(root, dest);
      written.push(temp);
      const progress: ProgressFn | undefined = options.onProgress ? (bytes) => options.onProgress!(artifact.path, bytes) : undefined;
      await copyBlobVerified(store.layout, artifact, temp, progress);
    }
  } catch (err) {
    await Promise.all(written.map(removeQuietly));
    if (err instanceof MregError && (err.code === 'CORRUPT_BLOB' || err.code === 'NOT_FOUND')) {
      const artifact = plan[written.length - 1]?.artifact;
      throw new MregError('CORRUPT_BLOB', `${model}@${version}: ${artifact?.path}: ${err.message}; nothing was exported`, { data: err.data, cause: err });
    }
    throw err;
  }
  for (const { dest, temp } of plan) await rename(temp, dest);
  return { model, version, hash: manifest.hash, dir: root, artifacts: manifest.artifacts };
}
