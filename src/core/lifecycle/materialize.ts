// Writing a version's files into a directory (export, a deploy's release, a check's workspace): every
// blob re-hashed on the way through a blob source, each file written (or linked) under a temp name
// and renamed into place only once all of them checked out.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rmdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { MregError } from '../../errors.js';
import { removeQuietly } from '../../store/atomic.js';
import type { BlobSource, LinkType } from '../../store/blob-source.js';
import type { ProgressFn } from '../../store/blobs.js';
import { prunedEvent } from './pruned.js';
import type { Manifest } from '../manifest/types.js';

export interface MaterializeOptions {
  /** overwrite files already in the directory */
  force?: boolean | undefined;
  /** how each file is made from its blob (default copy); every blob is re-hashed whichever it is */
  link?: LinkType | undefined;
  onProgress?: ((file: string, bytes: number) => void) | undefined;
  /** the store's protected stages: a prune of a protected version (a remote's) does not count */
  protect?: readonly string[] | undefined;
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

/** A pruned version keeps its manifest but must not be handed out, even where a remote still has its blobs. */
async function refusePruned(blobs: BlobSource, manifest: Manifest, protect: readonly string[] | undefined): Promise<void> {
  const { name: model, version } = manifest;
  const pruned = await prunedEvent(blobs.layout, model, version, protect);
  if (pruned) throw new MregError('PRUNED', `${model}@${version} was pruned at ${pruned.time} by ${pruned.actor}: its manifest remains, its files are gone`);
}

/** Writes the files of `manifest` into `targetDir` (created if needed); returns the directory's real path. */
export async function materializeVersion(blobs: BlobSource, manifest: Manifest, targetDir: string, options: MaterializeOptions = {}): Promise<string> {
  const { name: model, version } = manifest;
  await refusePruned(blobs, manifest, options.protect);
  const rootExisted = await lstat(resolve(targetDir)).then(() => true, () => false);
  await mkdir(resolve(targetDir), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new MregError('CONFLICT', `${targetDir}: cannot create the directory (${err.code})`);
  });
  const root = await realpath(targetDir);

  const plan = manifest.artifacts.map((artifact) => {
    const dest = resolve(root, artifact.path);
    if (!dest.startsWith(root + sep)) throw new MregError('CORRUPT_MANIFEST', `artifact path ${JSON.stringify(artifact.path)} leaves the export directory`);
    const need = { sha256: artifact.sha256, size: artifact.size, label: `${model}@${version}:${artifact.path}` };
    return { artifact, need, dest, temp: join(dirname(dest), `.${randomBytes(6).toString('hex')}.mreg-export.tmp`) };
  });
  for (const { dest } of plan) {
    const existing = await lstat(dest).catch(() => undefined);
    if (existing && !options.force) throw new MregError('CONFLICT', `${dest} already exists (pass --force to overwrite)`);
    // A symlink (from an earlier `link: symlink`) is replaced itself by the rename, never written through.
    if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new MregError('CONFLICT', `${dest} exists and is not a file`);
  }

  // Blobs that are only on the fallback (a clone fetches them on demand) come first, all at once.
  await blobs.ensure(plan.map((p) => p.need));

  // A failure leaves nothing behind: the temporary files, the files already moved into place (only new ones),
  // and the directories this export created (deepest first), the export directory itself included.
  const createdDirs: string[] = [];
  for (const { dest } of plan) {
    for (let d = dirname(dest); d.startsWith(root + sep) && !createdDirs.includes(d); d = dirname(d)) {
      if (!(await lstat(d).then(() => true, () => false))) createdDirs.push(d);
    }
  }
  const written: string[] = [];
  const placed: string[] = [];
  const undo = async (): Promise<void> => {
    await Promise.all([...written, ...placed].map(removeQuietly));
    for (const d of createdDirs.sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
    if (!rootExisted) await rmdir(root).catch(() => undefined);
  };
  try {
    for (const { artifact, need, dest, temp } of plan) {
      await prepareParents(root, dest);
      written.push(temp);
      const progress: ProgressFn | undefined = options.onProgress ? (bytes) => options.onProgress!(artifact.path, bytes) : undefined;
      await blobs.linkTo(need, temp, options.link ?? 'copy', progress);
    }
  } catch (err) {
    await undo();
    if (err instanceof MregError && (err.code === 'CORRUPT_BLOB' || err.code === 'NOT_FOUND')) {
      const artifact = plan[written.length - 1]?.artifact;
      throw new MregError('CORRUPT_BLOB', `${model}@${version}: ${artifact?.path}: ${err.message}; nothing was exported`, { data: err.data, cause: err });
    }
    throw err;
  }
  for (const { dest, temp } of plan) {
    const existed = await lstat(dest).then(() => true, () => false);
    try {
      await rename(temp, dest);
    } catch (err) {
      await undo();
      throw new MregError('CONFLICT', `${dest}: cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was exported`, { cause: err });
    }
    if (!existed) placed.push(dest);
  }
  return root;
}
