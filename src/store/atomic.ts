// Durable, all-or-nothing file writes inside the store: temp file in .modelreg/tmp (same device),
// fsync, then rename or link into place, then fsync the directory.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Layout } from './layout.js';

export const TEMP_SUFFIX = '.tmp';

export function tempName(layout: Layout): string {
  return join(layout.tmp, `${process.pid}-${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
}

export async function openTemp(layout: Layout): Promise<{ path: string; handle: FileHandle }> {
  const path = tempName(layout);
  try {
    return { path, handle: await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(layout.tmp, { recursive: true });
    return { path, handle: await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644) };
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle?.close();
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

async function writeTemp(layout: Layout, data: string | Uint8Array, mode: number, durable = true): Promise<string> {
  const { path, handle } = await openTemp(layout);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    if (durable) await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await removeQuietly(path);
    throw err;
  }
  await handle.close();
  return path;
}

/** Writes `data` under `dest` only if nothing is there yet; returns false (writing nothing) if something is. */
export async function writeCreateOnly(layout: Layout, dest: string, data: string | Uint8Array, mode = 0o444): Promise<boolean> {
  const temp = await writeTemp(layout, data, mode);
  try {
    // Outside the EEXIST catch below: mkdir's EEXIST (a file where the directory should be) is a failure.
    await mkdir(dirname(dest), { recursive: true });
    try {
      // link() fails with EEXIST instead of replacing: the create-only step that keeps versions immutable.
      await link(temp, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } finally {
    await removeQuietly(temp);
  }
  await fsyncDir(dirname(dest));
  return true;
}

/**
 * Replaces `dest` atomically with `data` (for files that are meant to change, such as config).
 * `durable: false` skips the fsyncs, for caches that can always be rebuilt.
 */
export async function writeReplace(layout: Layout, dest: string, data: string | Uint8Array, mode = 0o644, durable = true): Promise<void> {
  const temp = await writeTemp(layout, data, mode, durable);
  try {
    await mkdir(dirname(dest), { recursive: true });
    await rename(temp, dest);
  } catch (err) {
    await removeQuietly(temp);
    throw err;
  }
  if (durable) await fsyncDir(dirname(dest));
}
