// Content-addressed blobs: a file is copied by the kernel into a temp file beside the objects, the
// copy hashed (constant memory), fsynced and renamed into objects/<aa>/<sha256>. Reads re-hash.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, rename, stat, utimes, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MregError } from '../errors.js';
import { fsyncDir, openTemp, removeQuietly, tempName } from './atomic.js';
import { blobPath, type Layout } from './layout.js';

const CHUNK = 4 * 1024 * 1024;
/**
 * Files up to this size are read whole into a buffer sized to them, with synchronous calls: ten
 * thousand small files would otherwise cost a few 4 MiB buffers and half a dozen thread-pool round
 * trips each (what made them slow, not their bytes).
 */
export const SMALL_FILE = 64 * 1024;

/** The buffers for streaming a file of `size` bytes: sized to it when it is smaller than one chunk. */
function shapeFor(size: number | undefined, shape: { size: number; count: number }): { size: number; count: number } {
  return size !== undefined && size < shape.size ? { size: size + 1, count: 2 } : shape; // +1: a file that grew is still noticed
}

/**
 * Reads a small file whole: opened with O_NONBLOCK (a FIFO swapped in is refused, never waited on),
 * checked to be a regular file, read into a buffer one byte larger than `size` so growth shows.
 */
function readSmallSync(path: string, size: number, flags = constants.O_RDONLY | constants.O_NONBLOCK): Buffer {
  const fd = openSync(path, flags);
  try {
    if (!fstatSync(fd).isFile()) throw new MregError('INVALID_INPUT', `${path}: not a regular file`);
    const buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
/**
 * Reads that only hash (or compare) release each buffer when the chunk is handed back, so two
 * smaller buffers suffice: register runs up to four of these at once and must stay within its
 * memory budget (8 MiB per file in flight, 16 MiB while comparing with a candidate).
 */
const HASHING = { size: 2 * 1024 * 1024, count: 2 };

/**
 * Hashing buffers are reused across files instead of left to the garbage collector, so storing a
 * checkpoint of a hundred shards holds no more buffers than storing four at once.
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE = 8;
function takeBuffer(size: number): Buffer {
  return size === HASHING.size ? (spareBuffers.pop() ?? Buffer.allocUnsafe(size)) : Buffer.allocUnsafe(size);
}
function giveBack(buffers: Buffer[]): void {
  for (const b of buffers) if (b.length === HASHING.size && spareBuffers.length < MAX_SPARE) spareBuffers.push(b);
}

export interface BlobRef {
  sha256: string;
  size: number;
}

export interface StoredBlob extends BlobRef {
  /** false when the store already held these bytes and nothing was copied */
  written: boolean;
}

export type ProgressFn = (bytesDone: number) => void;

/**
 * Reads `fh` from start to end in CHUNK pieces, handing each to `onChunk` in order while the next
 * read is already in flight. A chunk's buffer stays valid until the second following call, so an
 * asynchronous write started by `onChunk` may run while the next chunk is hashed.
 */
async function streamChunks(
  fh: FileHandle,
  onChunk: (chunk: Buffer, position: number) => Promise<void> | void,
  shape: { size: number; count: number } = { size: CHUNK, count: 3 },
): Promise<number> {
  const buffers = Array.from({ length: shape.count }, () => takeBuffer(shape.size));
  let index = 0;
  let position = 0;
  let pending = fh.read(buffers[0]!, 0, shape.size, 0);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return position;
      const chunkPosition = position;
      position += bytesRead;
      index = (index + 1) % buffers.length;
      pending = fh.read(buffers[index]!, 0, shape.size, position);
      await onChunk(buffer.subarray(0, bytesRead), chunkPosition);
    }
  } catch (err) {
    await pending.catch(() => undefined); // let the read in flight finish before the handle closes
    throw err;
  } finally {
    giveBack(buffers); // no read is in flight any more: the last one returned 0 bytes, or was awaited above
  }
}

/** Writes chunks in order, keeping at most one write in flight. */
function sequentialWriter(fh: FileHandle): { write(chunk: Buffer, position: number): Promise<void>; flush(): Promise<void> } {
  let inFlight: Promise<unknown> = Promise.resolve();
  return {
    async write(chunk, position) {
      await inFlight;
      inFlight = fh.write(chunk, 0, chunk.length, position);
      inFlight.catch(() => undefined); // surfaced by the next write() or flush()
    },
    async flush() {
      await inFlight;
    },
  };
}

/** Sequential CHUNK reads of `fh` with the following chunk always in flight; two buffers in turn. */
function prefetchingReader(fh: FileHandle, chunkSize: number): { next(position: number): Promise<Buffer>; settle(): Promise<void> } {
  const buffers = [takeBuffer(chunkSize), takeBuffer(chunkSize)];
  let turn = 0;
  const start = (position: number) => {
    const read = fh.read(buffers[turn]!, 0, chunkSize, position);
    read.catch(() => undefined); // surfaced when awaited
    turn = 1 - turn;
    return { position, read };
  };
  let pending = start(0);
  return {
    async next(position) {
      if (pending.position !== position) {
        await pending.read.catch(() => undefined);
        pending = start(position);
      }
      const { bytesRead, buffer } = await pending.read;
      pending = start(position + bytesRead);
      return buffer.subarray(0, bytesRead);
    },
    /** Waits for the read in flight; the reader's buffers are then reused elsewhere. */
    async settle() {
      await pending.read.catch(() => undefined);
      giveBack(buffers);
    },
  };
}

export async function hashFile(path: string, onProgress?: ProgressFn): Promise<BlobRef> {
  // O_NONBLOCK: a path swapped for a FIFO after it was checked opens at once (and is refused) instead of blocking.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new MregError('INVALID_INPUT', `${path}: not a regular file`);
    const hash = createHash('sha256');
    const size = await streamChunks(
      fh,
      (chunk, position) => {
        hash.update(chunk);
        onProgress?.(position + chunk.length);
      },
      shapeFor(st.size, HASHING),
    );
    return { sha256: hash.digest('hex'), size };
  } finally {
    await fh.close();
  }
}

async function openExistingBlob(layout: Layout, ref: BlobRef): Promise<FileHandle | undefined> {
  try {
    const fh = await open(blobPath(layout, ref.sha256), constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = await fh.stat();
    if (st.isFile() && st.size === ref.size) return fh;
    await fh.close();
  } catch {
    // missing or unreadable: the candidate is simply not usable
  }
  return undefined;
}

/**
 * Marks a blob as just used, so gc's grace period (which goes by mtime) protects it from being
 * collected between now and the moment the manifest that uses it is written.
 */
async function freshen(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

/** Moves a finished temp blob into place, unless a sound copy is already there. */
async function placeBlob(layout: Layout, tempPath: string, ref: BlobRef, syncDirs?: Set<string>): Promise<boolean> {
  const finalPath = blobPath(layout, ref.sha256);
  const existing = await lstat(finalPath).catch(() => undefined);
  if (existing?.isFile() && existing.size === ref.size) {
    // An existing blob is not trusted blindly: keep it only if its bytes still hash to its name.
    const check = await hashFile(finalPath).catch(() => undefined);
    if (check?.sha256 === ref.sha256) {
      await removeQuietly(tempPath);
      await freshen(finalPath);
      return false;
    }
  }
  await mkdir(dirname(finalPath), { recursive: true });
  await rename(tempPath, finalPath);
  if (syncDirs) syncDirs.add(dirname(finalPath));
  else await fsyncDir(dirname(finalPath));
  return true;
}

/** What a source file's stat says about its bytes: any change to them moves one of these. */
export interface SourceStat {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Stats `path` in nanoseconds (following a symlink, as reading it does); INVALID_INPUT unless a regular file. */
export async function statSource(path: string): Promise<SourceStat> {
  const st = await stat(path, { bigint: true });
  if (!st.isFile()) throw new MregError('INVALID_INPUT', `${path}: not a regular file`);
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

export function sameStat(a: SourceStat, b: SourceStat): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** Throws CHANGED_WHILE_READING unless `source` still has the stat it had before it was read. */
async function checkStill(source: string, before: SourceStat): Promise<void> {
  const after = await statSource(source).catch(() => undefined);
  if (!after || !sameStat(before, after)) {
    throw new MregError('CHANGED_WHILE_READING', `${source}: the file changed while it was being stored; try again once it is complete`, {
      data: { path: source },
    });
  }
}

/** Hashes the source file at `path`, refusing one whose stat moved while it was read. */
export async function hashSource(path: string, onProgress?: ProgressFn): Promise<BlobRef & { stat: SourceStat }> {
  const before = await statSource(path);
  const ref = await hashFile(path, onProgress);
  await checkStill(path, before);
  if (ref.size !== Number(before.size)) throw new MregError('CHANGED_WHILE_READING', `${path}: the file changed while it was being read`, { data: { path } });
  return { ...ref, stat: before };
}

/**
 * Reuses a stored blob without reading it (a stat cache hit): true when it is present with the
 * right size, and freshened against gc. Its bytes are checked whenever it is read (verify, export).
 */
export async function reuseBlob(layout: Layout, ref: BlobRef): Promise<boolean> {
  const path = blobPath(layout, ref.sha256);
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile() || st.size !== ref.size) return false;
  await freshen(path);
  return true;
}

export interface IngestOptions {
  /**
   * A blob these bytes probably equal (the same path in the previous version). While the bytes
   * match it, nothing is written: an unchanged re-register costs one read, not a copy.
   */
  candidate?: BlobRef;
  onProgress?: ProgressFn;
  /** Told the source's stat, unchanged from before the read to after it, that the blob's bytes came from. */
  onSourceStat?: (stat: SourceStat) => void;
  /** Fault injection for tests: runs after the bytes were copied, before the source is stat'ed again. */
  afterCopy?: () => Promise<void> | void;
  /**
   * Directories renamed into, to be fsynced once by the caller before anything refers to the blobs
   * (register, before its manifest): one fsync per directory instead of one per blob. Absent: each
   * blob's directory is fsynced at once.
   */
  syncDirs?: Set<string>;
}

/**
 * A small file: read whole and hashed in memory, and the very bytes hashed written to the temp file,
 * so the blob's name is still the hash of what is stored. The existing blob is compared byte for
 * byte rather than trusted.
 */
async function ingestSmall(layout: Layout, source: string, before: SourceStat, options: IngestOptions): Promise<StoredBlob> {
  const size = Number(before.size);
  const bytes = readSmallSync(source, size);
  await options.afterCopy?.();
  await checkStill(source, before);
  if (bytes.length !== size) {
    throw new MregError('CHANGED_WHILE_READING', `${source}: the file changed while it was being stored; try again once it is complete`, { data: { path: source } });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  options.onProgress?.(size);
  const finalPath = blobPath(layout, sha256);
  let existing: Buffer | undefined;
  try {
    existing = readSmallSync(finalPath, size, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    existing = undefined; // missing or not a file: stored afresh
  }
  if (existing?.equals(bytes)) {
    await freshen(finalPath);
    options.onSourceStat?.(before);
    return { sha256, size, written: false };
  }
  const temp = await openTemp(layout);
  try {
    await temp.handle.write(bytes, 0, bytes.length, 0);
    await temp.handle.chmod(0o444);
    await temp.handle.sync();
  } catch (err) {
    await temp.handle.close().catch(() => undefined);
    await removeQuietly(temp.path);
    throw err;
  }
  await temp.handle.close();
  await mkdir(dirname(finalPath), { recursive: true });
  await rename(temp.path, finalPath);
  if (options.syncDirs) options.syncDirs.add(dirname(finalPath));
  else await fsyncDir(dirname(finalPath));
  options.onSourceStat?.(before);
  return { sha256, size, written: true };
}

/**
 * Reads `source` and the candidate blob side by side, hashing the source. Returns the source's
 * sha256 when every byte matched, undefined at the first difference (nothing more is read).
 */
async function matchCandidate(layout: Layout, source: string, candidate: BlobRef, onProgress?: ProgressFn): Promise<string | undefined> {
  const blob = await openExistingBlob(layout, candidate);
  if (!blob) return undefined;
  const src = await open(source, constants.O_RDONLY | constants.O_NONBLOCK); // never blocks on a swapped-in FIFO
  const differs = new Error('differs');
  try {
    const hash = createHash('sha256');
    // The candidate is read one chunk ahead, like the source, so comparing costs no waiting.
    const other = prefetchingReader(blob, HASHING.size);
    try {
      const size = await streamChunks(src, async (chunk, position) => {
        const same = await other.next(position);
        if (same.length !== chunk.length || !same.equals(chunk)) throw differs;
        hash.update(chunk);
        onProgress?.(position + chunk.length);
      }, HASHING);
      if (size !== candidate.size) return undefined;
      return hash.digest('hex');
    } catch (err) {
      if (err === differs) return undefined;
      throw err;
    } finally {
      await other.settle();
    }
  } finally {
    await src.close();
    await blob.close();
  }
}

/**
 * Stores the regular file at `source` as a blob: a kernel copy into a temp file beside the
 * objects (`copyFile`, a reflink where the file system shares blocks), then one sha256 pass over
 * the temp file, its fsync and the rename. The blob's name is thus the hash of the bytes in the
 * store, not of bytes read from the source. The source is stat'ed before and after (size, mtime
 * and ctime in ns, inode); a source that changed meanwhile is refused and nothing is stored.
 */
export async function ingestFile(layout: Layout, source: string, options: IngestOptions = {}): Promise<StoredBlob> {
  const before = await statSource(source);
  const size = Number(before.size);
  if (size <= SMALL_FILE) return ingestSmall(layout, source, before, options);
  if (options.candidate && options.candidate.size === size) {
    const sha256 = await matchCandidate(layout, source, options.candidate, options.onProgress);
    if (sha256 !== undefined && sha256 === options.candidate.sha256) {
      await checkStill(source, before);
      await freshen(blobPath(layout, sha256));
      options.onSourceStat?.(before);
      return { sha256, size, written: false };
    }
    // Different bytes, or the same bytes as a damaged candidate blob: stored afresh below.
  }

  await mkdir(layout.tmp, { recursive: true });
  const tempPath = tempName(layout);
  let handle: FileHandle | undefined;
  try {
    await copyFile(source, tempPath, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    await options.afterCopy?.();
    await checkStill(source, before);
    // copyFile gives the temp file the source's mode, which may be read-only: read it back read-only.
    handle = await open(tempPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    const hash = createHash('sha256');
    const copied = await streamChunks(
      handle,
      (chunk, position) => {
        hash.update(chunk);
        options.onProgress?.(position + chunk.length);
      },
      HASHING,
    );
    if (copied !== size) {
      throw new MregError('CHANGED_WHILE_READING', `${source}: the file changed while it was being stored; try again once it is complete`, {
        data: { path: source },
      });
    }
    const sha256 = hash.digest('hex');
    await chmod(tempPath, 0o444);
    await handle.sync();
    await handle.close();
    handle = undefined;
    const written = await placeBlob(layout, tempPath, { sha256, size }, options.syncDirs);
    options.onSourceStat?.(before);
    return { sha256, size, written };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await removeQuietly(tempPath);
    throw err;
  }
}

/**
 * Reads a stored blob from start to end, handing each chunk to `onChunk` while re-hashing it, and
 * throws CORRUPT_BLOB after the last chunk if the bytes do not match the blob's name: a caller
 * commits what it built from the chunks (a file, an upload) only once this returns. A chunk's
 * buffer is reused after the second following call, so keep a copy of what must outlive that.
 */
export async function readBlobVerified(
  layout: Layout,
  ref: BlobRef,
  onChunk: (chunk: Buffer, position: number) => Promise<void> | void,
  onProgress?: ProgressFn,
): Promise<void> {
  const path = blobPath(layout, ref.sha256);
  let src: FileHandle;
  try {
    src = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MregError(code === 'ENOENT' ? 'NOT_FOUND' : 'CORRUPT_BLOB', `blob ${ref.sha256} is missing from the store`, {
      data: { sha256: ref.sha256 },
      cause: err,
    });
  }
  try {
    const hash = createHash('sha256');
    const size = await streamChunks(
      src,
      async (chunk, position) => {
        hash.update(chunk);
        await onChunk(chunk, position);
        onProgress?.(position + chunk.length);
      },
      shapeFor(ref.size, { size: CHUNK, count: 3 }),
    );
    const sha256 = hash.digest('hex');
    if (sha256 !== ref.sha256 || size !== ref.size) {
      throw new MregError('CORRUPT_BLOB', `blob ${ref.sha256} is corrupt: its bytes hash to ${sha256} (${size} bytes, expected ${ref.size})`, {
        data: { sha256: ref.sha256, actual: sha256 },
      });
    }
  } finally {
    await src.close();
  }
}

/**
 * Copies a blob to `dest` (a new file), re-hashing on the way; bad bytes are removed again and
 * reported, so a corrupt blob never reaches its destination under a usable name.
 */
export async function copyBlobVerified(layout: Layout, ref: BlobRef, dest: string, onProgress?: ProgressFn): Promise<void> {
  let out: FileHandle | undefined;
  try {
    const writer = { current: undefined as ReturnType<typeof sequentialWriter> | undefined };
    await readBlobVerified(
      layout,
      ref,
      async (chunk, position) => {
        // Opened on the first chunk, so a blob missing from the store leaves no empty file behind.
        if (!out) {
          out = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
          writer.current = sequentialWriter(out);
        }
        await writer.current!.write(chunk, position);
      },
      onProgress,
    );
    if (!out) out = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644); // an empty blob
    await writer.current?.flush();
    await out.sync();
  } catch (err) {
    if (out) {
      await out.close().catch(() => undefined);
      await removeQuietly(dest);
    }
    throw err;
  }
  await out.close();
}

/**
 * Stores bytes that arrive from elsewhere (a remote) as the blob `expected`: written to a temp file
 * in .modelreg/tmp while they are hashed, and renamed into objects/ only if their size and sha256
 * match. More bytes than expected stop the transfer at once; bad bytes are deleted, never stored.
 */
export async function ingestStream(layout: Layout, expected: BlobRef, source: AsyncIterable<Uint8Array>, onProgress?: ProgressFn): Promise<StoredBlob> {
  const temp = await openTemp(layout);
  let closed = false;
  const writer = sequentialWriter(temp.handle);
  try {
    const hash = createHash('sha256');
    // Network chunks are small: they are gathered into CHUNK-sized writes, one write in flight
    // while the next buffer fills (two buffers in turn), so the disk never waits on the network.
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let turn = 0;
    let filled = 0;
    let position = 0;
    const flushBuffer = async () => {
      if (filled === 0) return;
      await writer.write(buffers[turn]!.subarray(0, filled), position - filled);
      turn = 1 - turn;
      filled = 0;
    };
    for await (const chunk of source) {
      if (position + chunk.length > expected.size) {
        throw new MregError('CORRUPT_BLOB', `blob ${expected.sha256} is corrupt: more than the expected ${expected.size} bytes arrived`, {
          data: { sha256: expected.sha256 },
        });
      }
      hash.update(chunk);
      for (let offset = 0; offset < chunk.length; ) {
        const n = Buffer.from(chunk.buffer, chunk.byteOffset + offset, chunk.length - offset).copy(buffers[turn]!, filled);
        filled += n;
        offset += n;
        position += n;
        if (filled === CHUNK) await flushBuffer();
      }
      onProgress?.(position);
    }
    await flushBuffer();
    await writer.flush();
    const sha256 = hash.digest('hex');
    if (position !== expected.size || sha256 !== expected.sha256) {
      throw new MregError(
        'CORRUPT_BLOB',
        `blob ${expected.sha256} is corrupt: its bytes hash to ${sha256} (${position} bytes, expected ${expected.size})`,
        { data: { sha256: expected.sha256, actual: sha256 } },
      );
    }
    await temp.handle.chmod(0o444);
    await temp.handle.sync();
    await temp.handle.close();
    closed = true;
    const written = await placeBlob(layout, temp.path, expected);
    return { ...expected, written };
  } catch (err) {
    await writer.flush().catch(() => undefined);
    if (!closed) await temp.handle.close().catch(() => undefined);
    await removeQuietly(temp.path);
    throw err;
  }
}
