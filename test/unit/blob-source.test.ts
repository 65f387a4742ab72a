// The store's blob source: blobs missing here come through the injected fallback and are hashed on
// the way in and re-hashed on the way out; bad bytes from the fallback are refused and never stored.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { initStore } from '../../src/core/store.js';
import { createBlobSource, hasBlob, type BlobFallback, type BlobNeed } from '../../src/store/blob-source.js';
import { ingestFile } from '../../src/store/blobs.js';
import { blobPath, layoutOf, type Layout } from '../../src/store/layout.js';

let dir: string;
let layout: Layout;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mreg-blob-source-'));
  const { root } = await initStore({ cwd: dir });
  layout = layoutOf(root);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Stores `content` as a blob, then deletes it again: the store knows its name but lacks its bytes. */
async function missingBlob(content: string): Promise<BlobNeed> {
  writeFileSync(join(dir, 'w.bin'), content);
  const { sha256, size } = await ingestFile(layout, join(dir, 'w.bin'));
  await rm(blobPath(layout, sha256), { force: true });
  return { sha256, size, label: 'fraud@1.0.0:w.bin' };
}

/** A fallback that hands `bytes` for every blob asked of it, and remembers what it was asked. */
function fallbackOf(bytes: string): BlobFallback & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    async fetch(needs, sink) {
      asked.push(needs.map((n) => n.sha256));
      for (const need of needs) {
        await sink(need, (async function* () {
          yield Buffer.from(bytes);
        })());
      }
    },
  };
}

function leftInTmp(): string[] {
  return readdirSync(layout.tmp);
}

describe('a blob source with a fallback', () => {
  it('fetches a missing blob through the fallback, stores it, and copies it out re-hashed', async () => {
    const need = await missingBlob('weights');
    const fallback = fallbackOf('weights');
    const source = createBlobSource(layout, fallback);
    const dest = join(dir, 'out.bin');
    await source.copyTo(need, dest);
    expect(readFileSync(dest, 'utf8')).toBe('weights');
    expect(fallback.asked).toEqual([[need.sha256]]);
    expect(await hasBlob(layout, need)).toBe(true);
    expect(await source.check(need)).toBe('sound');
    // present now: a second read asks nothing
    await source.copyTo(need, join(dir, 'again.bin'));
    expect(fallback.asked).toHaveLength(1);
  });

  it('refuses corrupt bytes from the fallback with CORRUPT_BLOB and stores nothing', async () => {
    const need = await missingBlob('weights');
    const source = createBlobSource(layout, fallbackOf('weighTs'));
    const dest = join(dir, 'out.bin');
    const err = await source.copyTo(need, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MregError);
    expect((err as MregError).code).toBe('CORRUPT_BLOB');
    expect((err as MregError).message).toContain(need.sha256);
    expect(await hasBlob(layout, need)).toBe(false);
    expect(await source.check(need)).toBe('missing');
    expect(leftInTmp()).toEqual([]);
    expect(() => readFileSync(dest)).toThrow();
  });

  it('re-hashes on the way out: bytes a fallback put in place itself, bypassing the sink, are refused', async () => {
    const need = await missingBlob('weights');
    const sneaky: BlobFallback = {
      async fetch(needs) {
        for (const n of needs) {
          const path = blobPath(layout, n.sha256);
          await mkdir(dirname(path), { recursive: true });
          writeFileSync(path, 'weighTs'); // the right size, the wrong bytes
        }
      },
    };
    const source = createBlobSource(layout, sneaky);
    const dest = join(dir, 'out.bin');
    await expect(source.copyTo(need, dest)).rejects.toMatchObject({ code: 'CORRUPT_BLOB' });
    expect(() => readFileSync(dest)).toThrow();
    expect(await source.check(need)).toBe('corrupt');
  });

  it('asks the fallback once per blob: a blob it cannot supply is reported missing, not asked for again', async () => {
    const need = await missingBlob('weights');
    const asked: string[] = [];
    const source = createBlobSource(layout, { fetch: async (needs) => void asked.push(...needs.map((n) => n.sha256)) });
    expect(await source.ensure([need, need])).toBe(0);
    await expect(source.copyTo(need, join(dir, 'out.bin'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(asked).toEqual([need.sha256]);
  });

  it('without a fallback, a missing blob is NOT_FOUND and a damaged one CORRUPT_BLOB', async () => {
    const need = await missingBlob('weights');
    const source = createBlobSource(layout);
    await expect(source.copyTo(need, join(dir, 'a.bin'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { sha256, size } = await ingestFile(layout, join(dir, 'w.bin'));
    chmodSync(blobPath(layout, sha256), 0o644);
    writeFileSync(blobPath(layout, sha256), 'weighTs');
    await expect(source.copyTo({ sha256, size, label: 'x' }, join(dir, 'b.bin'))).rejects.toMatchObject({ code: 'CORRUPT_BLOB' });
  });
});
