// Handing out stored blobs for reading, every byte re-hashed on the way. A blob missing here is asked
// of an injected fallback (a remote, wired in by core/remote), whose bytes enter the store only
// through `ingestStream`, which refuses bytes that do not hash to the blob's name.
import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, symlink } from 'node:fs/promises';
import { MregError } from '../errors.js';
import { removeQuietly } from './atomic.js';
import { copyBlobVerified, hashFile, ingestStream, readBlobVerified, type BlobRef, type ProgressFn } from './blobs.js';
import { blobPath, type Layout } from './layout.js';

/**
 * How a file handed out from the store is made: `copy` (its own bytes), `reflink` (a copy-on-write
 * clone sharing the blob's blocks where the file system can, else a copy), `hardlink` (the blob's
 * own inode: no space, no time, read-only), `symlink` (a link to the blob's path).
 */
export type LinkType = 'copy' | 'reflink' | 'hardlink' | 'symlink';
export const LINK_TYPES: readonly LinkType[] = ['copy', 'reflink', 'hardlink', 'symlink'];

/** A blob wanted, with the artifact that names it for people (`fraud@1.2.0:model.onnx`). */
export interface BlobNeed extends BlobRef {
  label: string;
}

/**
 * Stores bytes arriving for `need` as its blob: hashed while written, renamed into objects/ only on
 * a match; otherwise CORRUPT_BLOB is thrown and nothing is stored.
 */
export type BlobSink = (need: BlobNeed, bytes: AsyncIterable<Uint8Array>, onProgress?: ProgressFn) => Promise<void>;

/** Where missing blobs come from. Declared here so the store needs nothing from the layers above it. */
export interface BlobFallback {
  /** Supplies each of `needs` through `sink`; a blob it cannot supply is left missing (the reader reports it). */
  fetch(needs: BlobNeed[], sink: BlobSink): Promise<void>;
}

export type BlobState = 'sound' | 'missing' | 'corrupt';

export interface BlobSource {
  readonly layout: Layout;
  /** Makes `needs` local, asking the fallback once for those missing; returns how many it supplied. */
  ensure(needs: BlobNeed[]): Promise<number>;
  /** Streams a blob re-hashed (fetched first if missing); throws CORRUPT_BLOB after the last chunk on a mismatch. */
  read(need: BlobNeed, onChunk: (chunk: Buffer, position: number) => Promise<void> | void, onProgress?: ProgressFn): Promise<void>;
  /** Copies a blob to `dest` (a new file), re-hashed (fetched first if missing); bad bytes never stay at `dest`. */
  copyTo(need: BlobNeed, dest: string, onProgress?: ProgressFn): Promise<void>;
  /**
   * Makes `dest` (a new name) hold the blob's bytes by `how`, re-hashing first (fetched first if
   * missing): a reflink or copy is hashed after it is made, a hardlink or symlink is made only after
   * the blob re-hashed soundly. Bad bytes never stay at `dest`.
   */
  linkTo(need: BlobNeed, dest: string, how: LinkType, onProgress?: ProgressFn): Promise<void>;
  /** Re-hashes the local copy only, never fetching: is the way back to this blob sound right now? */
  check(ref: BlobRef): Promise<BlobState>;
}

/** Present with the expected size; its bytes are checked when it is read. */
export async function hasBlob(layout: Layout, ref: BlobRef): Promise<boolean> {
  const st = await lstat(blobPath(layout, ref.sha256)).catch(() => undefined);
  return Boolean(st?.isFile() && st.size === ref.size);
}

export function createBlobSource(layout: Layout, fallback?: BlobFallback): BlobSource {
  // Each blob is asked of the fallback at most once per source: one it could not supply stays
  // missing, and the read that follows reports it instead of asking (and opening a remote) again.
  const asked = new Set<string>();
  const sink: BlobSink = async (need, bytes, onProgress) => {
    await ingestStream(layout, need, bytes, onProgress);
  };

  const ensure = async (needs: BlobNeed[]): Promise<number> => {
    const missing = new Map<string, BlobNeed>();
    for (const need of needs) {
      if (missing.has(need.sha256) || asked.has(need.sha256)) continue;
      if (!(await hasBlob(layout, need))) missing.set(need.sha256, need);
    }
    if (!fallback || missing.size === 0) return 0;
    for (const sha256 of missing.keys()) asked.add(sha256);
    await fallback.fetch([...missing.values()], sink);
    let supplied = 0;
    for (const need of missing.values()) if (await hasBlob(layout, need)) supplied++;
    return supplied;
  };

  return {
    layout,
    ensure,
    async read(need, onChunk, onProgress) {
      await ensure([need]);
      await readBlobVerified(layout, need, onChunk, onProgress);
    },
    async copyTo(need, dest, onProgress) {
      await ensure([need]);
      await copyBlobVerified(layout, need, dest, onProgress);
    },
    async linkTo(need, dest, how, onProgress) {
      await ensure([need]);
      if (how === 'copy') return copyBlobVerified(layout, need, dest, onProgress);
      const blob = blobPath(layout, need.sha256);
      if (how === 'reflink') {
        // COPYFILE_FICLONE falls back to an ordinary copy where the file system cannot clone.
        await copyFile(blob, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE).catch((err: NodeJS.ErrnoException) => {
          throw new MregError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `blob ${need.sha256} could not be copied to ${dest} (${err.code})`, { cause: err });
        });
        try {
          const actual = await hashFile(dest, onProgress);
          if (actual.sha256 !== need.sha256 || actual.size !== need.size) {
            throw new MregError('CORRUPT_BLOB', `blob ${need.sha256} is corrupt: its bytes hash to ${actual.sha256} (${actual.size} bytes, expected ${need.size})`, {
              data: { sha256: need.sha256, actual: actual.sha256 },
            });
          }
          await chmod(dest, 0o644); // a clone is independent of the blob: writable like a copy
        } catch (err) {
          await removeQuietly(dest);
          throw err;
        }
        return;
      }
      await readBlobVerified(layout, need, () => undefined, onProgress);
      try {
        if (how === 'hardlink') await link(blob, dest);
        else await symlink(blob, dest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'EXDEV' ? 'it is on another file system than the store' : `the system refused (${code})`;
        throw new MregError('IO', `cannot ${how} ${dest} to the store's blob ${need.sha256}: ${why}`, {
          ...(code === 'EXDEV' ? { hint: 'a copy or a reflink works across file systems' } : {}),
          cause: err,
        });
      }
    },
    async check(ref) {
      const actual = await hashFile(blobPath(layout, ref.sha256)).catch(() => undefined);
      if (!actual) return 'missing';
      return actual.sha256 === ref.sha256 ? 'sound' : 'corrupt';
    },
  };
}
