// Moving blobs between a local store and a directory remote (src/core/remote/transfer.ts and
// directory.ts): every byte re-hashed both ways, corrupt remote bytes refused and never stored,
// transient failures retried.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteBackend, TransferEvent } from '../../src/core/remote/backend.js';
import { DirectoryRemote } from '../../src/core/remote/directory.js';
import { downloadBlobs, localHasBlob, uniqueJobs, uploadBlobs, type BlobJob } from '../../src/core/remote/transfer.js';
import type { BlobRef } from '../../src/store/blobs.js';
import { blobPath, layoutOf, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function store(): Layout {
  const layout = layoutOf(join(tempDir('mreg-transfer-'), '.modelreg'));
  for (const d of [layout.objects, layout.tmp]) mkdirSync(d, { recursive: true });
  return layout;
}

/** Puts `data` into a store as a blob directly, sound or not: the test decides what the bytes are. */
function plantBlob(layout: Layout, name: string, data: string | Buffer): void {
  const path = blobPath(layout, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
}

function job(data: string, label = 'fraud@1.0.0:model.bin'): BlobJob {
  return { sha256: sha256(data), size: Buffer.byteLength(data), label };
}

async function remote(): Promise<{ dir: string; backend: DirectoryRemote }> {
  const dir = tempDir('mreg-remote-');
  return { dir, backend: await new DirectoryRemote(`origin (${dir})`, dir).open() };
}


const remoteBlob = (dir: string, sha: string) => join(dir, 'objects', sha.slice(0, 2), sha);

describe('upload', () => {
  it('copies blobs to the remote under their hash, reporting start, progress and done', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const jobs = [job('weights one'), job('weights two', 'fraud@1.0.0:other.bin')];
    for (const j of jobs) plantBlob(local, j.sha256, j.label.endsWith('model.bin') ? 'weights one' : 'weights two');
    const events: TransferEvent[] = [];
    const totals = await uploadBlobs(local, backend, jobs, (e) => events.push(e));
    expect(totals).toStrictEqual({ count: 2, bytes: 22 });
    expect(readFileSync(remoteBlob(dir, jobs[0]!.sha256), 'utf8')).toBe('weights one');
    expect(readFileSync(remoteBlob(dir, jobs[1]!.sha256), 'utf8')).toBe('weights two');
    for (const j of jobs) expect(await backend.hasBlob(j)).toBe(true);
    expect(events.filter((e) => e.type === 'done').map((e) => e.label).sort()).toStrictEqual(jobs.map((j) => j.label).sort());
    expect(events.find((e) => e.type === 'start')).toMatchObject({ direction: 'upload' });
    expect(readdirSync(join(dir, 'tmp'))).toStrictEqual([]);
  });

  it('refuses to upload a corrupt local blob, leaving nothing on the remote', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const j = job('good bytes');
    plantBlob(local, j.sha256, 'GOOD BYTES');
    const err = await failure(uploadBlobs(local, backend, [j]));
    expect(err.code).toBe('CORRUPT_BLOB');
    expect(existsSync(remoteBlob(dir, j.sha256))).toBe(false);
    expect(readdirSync(join(dir, 'tmp'))).toStrictEqual([]);
    expect(await backend.hasBlob(j)).toBe(false);
  });
});

describe('download', () => {
  it('fetches blobs into the local store, verified, once per hash', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const j = job('remote weights');
    plantBlob(layoutOf(dir), j.sha256, 'remote weights'); // a remote has the store's objects/ layout
    expect(await localHasBlob(local, j)).toBe(false);
    const jobs = uniqueJobs([j, { ...j, label: 'fraud@1.1.0:model.bin' }]);
    expect(jobs).toHaveLength(1);
    expect(await downloadBlobs(local, backend, jobs)).toStrictEqual({ count: 1, bytes: j.size });
    expect(readFileSync(blobPath(local, j.sha256), 'utf8')).toBe('remote weights');
    expect(await localHasBlob(local, j)).toBe(true);
    expect(readdirSync(local.tmp)).toStrictEqual([]);
  });

  it('refuses a corrupt remote blob, naming the artifact, the blob and the remote, and stores nothing', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const j = job('remote weights');
    plantBlob(layoutOf(dir), j.sha256, 'REMOTE WEIGHTS');
    const err = await failure(downloadBlobs(local, backend, [j]));
    expect(err.code).toBe('CORRUPT_BLOB');
    expect(err.message).toMatch(new RegExp(`^fraud@1\\.0\\.0:model\\.bin: blob ${j.sha256} from remote origin .* is corrupt: its bytes hash to ${sha256('REMOTE WEIGHTS')}.*; it was not stored$`));
    expect(existsSync(blobPath(local, j.sha256))).toBe(false);
    expect(readdirSync(local.tmp)).toStrictEqual([]);
  });

  it('a blob missing from the remote is NOT_FOUND, naming the artifact', async () => {
    const local = store();
    const { backend } = await remote();
    const err = await failure(downloadBlobs(local, backend, [job('nowhere')]));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/^fraud@1\.0\.0:model\.bin: blob [0-9a-f]{64} is not on remote origin/);
  });

  it('a connection dropped mid-blob is retried: the partial download is dropped and the blob arrives whole', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const data = 'x'.repeat(100_000);
    const j = job(data);
    plantBlob(layoutOf(dir), j.sha256, data);
    let attempts = 0;
    const flaky: RemoteBackend = Object.assign(Object.create(backend) as RemoteBackend, {
      async openBlob(ref: BlobRef): Promise<AsyncIterable<Uint8Array>> {
        attempts++;
        if (attempts === 1) {
          return (async function* () {
            yield Buffer.from(data.slice(0, 1000));
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          })();
        }
        return backend.openBlob(ref);
      },
    });
    expect(await downloadBlobs(local, flaky, [j])).toStrictEqual({ count: 1, bytes: data.length });
    expect(attempts).toBe(2);
    expect(readFileSync(blobPath(local, j.sha256), 'utf8')).toBe(data);
    expect(readdirSync(local.tmp)).toStrictEqual([]);
  });

  it('corrupt bytes are final at once: not retried', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const j = job('remote weights');
    plantBlob(layoutOf(dir), j.sha256, 'REMOTE WEIGHTS');
    let attempts = 0;
    const counting: RemoteBackend = Object.assign(Object.create(backend) as RemoteBackend, {
      openBlob(ref: BlobRef) {
        attempts++;
        return backend.openBlob(ref);
      },
    });
    expect((await failure(downloadBlobs(local, counting, [j]))).code).toBe('CORRUPT_BLOB');
    expect(attempts).toBe(1);
  });

  it('refuses to read a blob through a symlink planted in the remote', async () => {
    const local = store();
    const { dir, backend } = await remote();
    const j = job('remote weights');
    const target = join(tempDir('mreg-elsewhere-'), 'x');
    writeFileSync(target, 'remote weights');
    chmodSync(target, 0o444);
    mkdirSync(join(dir, 'objects', j.sha256.slice(0, 2)), { recursive: true });
    (await import('node:fs')).symlinkSync(target, remoteBlob(dir, j.sha256));
    const err = await failure(downloadBlobs(local, backend, [j]));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/is a symlink; refusing to follow it/);
    expect(existsSync(blobPath(local, j.sha256))).toBe(false);
  });
});
