// A remote in a plain directory (an NFS mount, a network share), with the writes of the local store:
// temp file in the remote's tmp/, fsync, then rename (blobs) or link (create-only: manifests,
// history batches) into place. Its content is not trusted: symlinks inside it are refused.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MregError } from '../../errors.js';
import { fsyncDir, removeQuietly } from '../../store/atomic.js';
import { copyBlobVerified, type BlobRef, type ProgressFn } from '../../store/blobs.js';
import type { Layout } from '../../store/layout.js';
import { blobKey, type CreateResult, type Listing, type RemoteBackend } from './backend.js';

const MAX_LISTING = 200_000;

export class DirectoryRemote implements RemoteBackend {
  private readonly checked = new Set<string>();

  constructor(
    readonly label: string,
    private readonly root: string,
  ) {}

  /** The remote directory must exist: a typo or an unmounted share must not become a new remote. */
  async open(): Promise<this> {
    const st = await stat(this.root).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new MregError('NOT_FOUND', `remote ${this.label}: ${this.root} is not a directory`, { hint: 'create it (or mount the share) first' });
    }
    return this;
  }

  /**
   * The directory for `rel` (a key's directory part), every component checked with lstat so a
   * symlink planted in the remote can never lead a read or write outside it.
   */
  private async dir(rel: string, create: boolean): Promise<string | undefined> {
    let path = this.root;
    let sofar = '';
    for (const part of rel.split('/').filter(Boolean)) {
      if (part === '.' || part === '..') throw new MregError('INTERNAL', `bad remote key ${rel}`);
      path = join(path, part);
      sofar = sofar ? `${sofar}/${part}` : part;
      if (this.checked.has(sofar)) continue;
      let st = await lstat(path).catch(() => undefined);
      if (!st && create) {
        await mkdir(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        st = await lstat(path);
      }
      if (!st) return undefined;
      if (!st.isDirectory()) {
        throw new MregError('CONFLICT', `remote ${this.label}: ${sofar} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}; refusing to follow it`);
      }
      this.checked.add(sofar);
    }
    return path;
  }

  private split(key: string): { dir: string; name: string } {
    const slash = key.lastIndexOf('/');
    return { dir: slash === -1 ? '' : key.slice(0, slash), name: key.slice(slash + 1) };
  }

  private async tempFile(): Promise<string> {
    const tmp = (await this.dir('tmp', true))!;
    return join(tmp, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  }

  /** Opens a regular file under the remote without following a symlink; undefined when missing. */
  private async openFile(key: string): Promise<FileHandle | undefined> {
    const { dir, name } = this.split(key);
    const path = await this.dir(dir, false);
    if (!path) return undefined;
    try {
      const fh = await open(join(path, name), constants.O_RDONLY | constants.O_NOFOLLOW);
      if (!(await fh.stat()).isFile()) {
        await fh.close();
        throw new MregError('CONFLICT', `remote ${this.label}: ${key} is not a regular file`);
      }
      return fh;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw new MregError('CONFLICT', `remote ${this.label}: ${key} is a symlink; refusing to follow it`);
      throw err;
    }
  }

  async hasBlob(ref: BlobRef): Promise<boolean> {
    const { dir, name } = this.split(blobKey(ref.sha256));
    const path = await this.dir(dir, false);
    if (!path) return false;
    const st = await lstat(join(path, name)).catch(() => undefined);
    return Boolean(st?.isFile() && st.size === ref.size);
  }

  async putBlob(layout: Layout, ref: BlobRef, onProgress?: ProgressFn): Promise<void> {
    const { dir, name } = this.split(blobKey(ref.sha256));
    const temp = await this.tempFile();
    try {
      // Re-hashes the local blob on the way and fsyncs the copy; a bad byte leaves nothing behind.
      await copyBlobVerified(layout, ref, temp, onProgress);
      const target = (await this.dir(dir, true))!;
      const fh = await open(temp, constants.O_RDONLY);
      await fh.chmod(0o444).finally(() => fh.close());
      await rename(temp, join(target, name));
      await fsyncDir(target);
    } catch (err) {
      await removeQuietly(temp);
      throw err;
    }
  }

  async openBlob(ref: BlobRef): Promise<AsyncIterable<Uint8Array>> {
    const key = blobKey(ref.sha256);
    const fh = await this.openFile(key);
    if (!fh) throw new MregError('NOT_FOUND', `blob ${ref.sha256} is not on remote ${this.label}`, { data: { sha256: ref.sha256 } });
    return fh.createReadStream({ highWaterMark: 1 << 20 });
  }

  async list(prefix: string): Promise<Listing> {
    const path = await this.dir(prefix, false);
    const out: Listing = { files: [], dirs: [] };
    if (!path) return out;
    const entries = await readdir(path, { withFileTypes: true });
    if (entries.length > MAX_LISTING) throw new MregError('REMOTE', `remote ${this.label}: ${prefix} holds more than ${MAX_LISTING} entries`);
    for (const entry of entries) {
      if (entry.isDirectory()) out.dirs.push(entry.name);
      else if (entry.isFile()) out.files.push({ name: entry.name, size: (await lstat(join(path, entry.name))).size });
    }
    return out;
  }

  async getText(key: string, maxBytes: number): Promise<string | undefined> {
    const fh = await this.openFile(key);
    if (!fh) return undefined;
    try {
      const { size } = await fh.stat();
      if (size > maxBytes) throw new MregError('REMOTE', `remote ${this.label}: ${key} is larger than ${maxBytes} bytes`);
      return await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  }

  async createOnly(key: string, text: string): Promise<CreateResult> {
    const { dir, name } = this.split(key);
    const temp = await this.tempFile();
    try {
      const fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const target = (await this.dir(dir, true))!;
      try {
        // link() fails if the name exists: of two processes pushing at once, exactly one creates it.
        await link(temp, join(target, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        throw err;
      }
      await fsyncDir(target);
      return 'created';
    } finally {
      await removeQuietly(temp);
    }
  }

  close(): void {}
}
