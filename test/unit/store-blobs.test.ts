// Content-addressed blobs (src/store/blobs.ts): a blob's name is the sha256 of its bytes, a damaged
// blob already in the store is replaced when the same bytes are stored again, and reads re-hash.
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyBlobVerified, hashFile, ingestFile, ingestStream, readBlobVerified, type SourceStat } from '../../src/store/blobs.js';
import { blobPath, type Layout } from '../../src/store/layout.js';
import { blobStoreFixture } from '../helpers/store.js';
import { failure } from '../helpers/errors.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const fixture = () => blobStoreFixture('mreg-blobs-');

/** Overwrites a stored (read-only) blob with other bytes, as damage on disk would. */
function damage(path: string, data: string | Buffer): void {
  chmodSync(path, 0o644);
  writeFileSync(path, data);
}


async function readAll(layout: Layout, ref: { sha256: string; size: number }): Promise<Buffer> {
  const parts: Buffer[] = [];
  await readBlobVerified(layout, ref, (chunk) => {
    parts.push(Buffer.from(chunk));
  });
  return Buffer.concat(parts);
}

describe('ingestFile', () => {
  it('stores a file under the sha256 of its bytes, read-only, with no temp file left', async () => {
    const f = fixture();
    const bytes = Buffer.from('some model weights');
    const stored = await ingestFile(f.layout, f.file('m.bin', bytes));
    expect(stored).toStrictEqual({ sha256: sha256(bytes), size: bytes.length, written: true });
    const path = blobPath(f.layout, sha256(bytes));
    expect(path).toBe(join(f.layout.objects, sha256(bytes).slice(0, 2), sha256(bytes)));
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(statSync(path).mode & 0o222).toBe(0);
    expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
    expect(await hashFile(path)).toStrictEqual({ sha256: sha256(bytes), size: bytes.length });
  });

  it('stores an empty file, and a file larger than one read chunk, byte for byte', async () => {
    const f = fixture();
    expect(await ingestFile(f.layout, f.file('empty.bin', ''))).toStrictEqual({ sha256: sha256(''), size: 0, written: true });
    expect(readFileSync(blobPath(f.layout, sha256(''))).length).toBe(0);
    const big = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    const stored = await ingestFile(f.layout, f.file('big.bin', big));
    expect(stored.sha256).toBe(sha256(big));
    expect(readFileSync(blobPath(f.layout, stored.sha256)).equals(big)).toBe(true);
  });

  it('writes nothing when the same bytes are already stored soundly', async () => {
    const f = fixture();
    const path = f.file('m.bin', 'same bytes');
    expect((await ingestFile(f.layout, path)).written).toBe(true);
    expect((await ingestFile(f.layout, path)).written).toBe(false);
    expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
  });

  it('repairs an existing blob of the wrong size, and one of the right size with corrupt bytes', async () => {
    const f = fixture();
    const bytes = Buffer.from('the real weights');
    const path = f.file('m.bin', bytes);
    const blob = blobPath(f.layout, sha256(bytes));
    await ingestFile(f.layout, path);

    damage(blob, 'short');
    expect((await ingestFile(f.layout, path)).written).toBe(true);
    expect(readFileSync(blob).equals(bytes)).toBe(true);

    damage(blob, Buffer.from(bytes.toString().toUpperCase())); // same size, other bytes
    expect(statSync(blob).size).toBe(bytes.length);
    expect((await ingestFile(f.layout, path)).written).toBe(true);
    expect(readFileSync(blob).equals(bytes)).toBe(true);
  });

  it('with a candidate: an unchanged file costs no write, a damaged candidate blob is stored afresh', async () => {
    const f = fixture();
    const bytes = Buffer.from('candidate bytes');
    const path = f.file('m.bin', bytes);
    const first = await ingestFile(f.layout, path);
    const candidate = { sha256: first.sha256, size: first.size };
    expect(await ingestFile(f.layout, path, { candidate })).toStrictEqual({ ...candidate, written: false });

    // The stored blob now holds the new file's bytes but is named for the old ones: the same bytes
    // as the candidate, another hash, so the candidate is damaged and the file is stored afresh.
    const blob = blobPath(f.layout, first.sha256);
    const other = Buffer.from('CANDIDATE BYTES');
    damage(blob, other);
    const again = await ingestFile(f.layout, f.file('m.bin', other), { candidate });
    expect(again).toStrictEqual({ sha256: sha256(other), size: other.length, written: true });
    expect(readFileSync(blobPath(f.layout, sha256(other))).equals(other)).toBe(true);
  });

  it('refuses a source that changed between the copy and the second stat, storing nothing', async () => {
    const f = fixture();
    const path = f.file('m.bin', 'weights being written');
    // Grown: size and mtime move.
    const grown = await failure(ingestFile(f.layout, path, { afterCopy: () => appendFileSync(path, ' and more') }));
    expect(grown.code).toBe('CHANGED_WHILE_READING');
    // One byte flipped in place with the mtime put back (touch -r): only the ctime tells.
    const st = statSync(path, { bigint: true });
    const flipped = await failure(
      ingestFile(f.layout, path, {
        afterCopy: () => {
          const bytes = readFileSync(path);
          bytes[0] = bytes[0]! ^ 1;
          writeFileSync(path, bytes);
          utimesSync(path, new Date(Number(st.atimeMs)), new Date(Number(st.mtimeMs)));
        },
      }),
    );
    expect(flipped.code).toBe('CHANGED_WHILE_READING');
    // Replaced by another file of the same size under the same name: the inode tells.
    const replaced = await failure(
      ingestFile(f.layout, path, {
        afterCopy: () => {
          writeFileSync(join(f.dir, 'other.bin'), readFileSync(path));
          renameSync(join(f.dir, 'other.bin'), path);
        },
      }),
    );
    expect(replaced.code).toBe('CHANGED_WHILE_READING');
    expect(readdirSync(f.layout.objects)).toStrictEqual([]);
    expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
    // Left alone, it is stored.
    expect((await ingestFile(f.layout, path)).written).toBe(true);
  });

  it('stores a read-only source, and reports the stat its bytes came from', async () => {
    const f = fixture();
    const path = f.file('ro.bin', 'read-only weights');
    chmodSync(path, 0o444);
    let seen: SourceStat | undefined;
    const stored = await ingestFile(f.layout, path, { onSourceStat: (s) => (seen = s) });
    expect(stored.sha256).toBe(sha256('read-only weights'));
    const st = statSync(path, { bigint: true });
    expect(seen).toStrictEqual({ dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
    expect(statSync(blobPath(f.layout, stored.sha256)).mode & 0o222).toBe(0);
  });

  it('refuses what is not a regular file', async () => {
    const f = fixture();
    mkdirSync(join(f.dir, 'adir'));
    const err = await failure(ingestFile(f.layout, join(f.dir, 'adir')));
    expect(err.code).toBe('INVALID_INPUT');
  });
});

describe('verified reads', () => {
  it('hand back the exact bytes of a sound blob', async () => {
    const f = fixture();
    const bytes = Buffer.from('read me back');
    const ref = await ingestFile(f.layout, f.file('m.bin', bytes));
    expect((await readAll(f.layout, ref)).equals(bytes)).toBe(true);
  });

  it('detect a corrupt blob (CORRUPT_BLOB) and a missing one (NOT_FOUND)', async () => {
    const f = fixture();
    const bytes = Buffer.from('bytes that will rot');
    const ref = await ingestFile(f.layout, f.file('m.bin', bytes));
    damage(blobPath(f.layout, ref.sha256), Buffer.from('BYTES THAT WILL ROT'));
    const corrupt = await failure(readAll(f.layout, ref));
    expect(corrupt.code).toBe('CORRUPT_BLOB');
    expect(corrupt.message).toContain(`blob ${ref.sha256} is corrupt`);
    expect(corrupt.message).toContain(sha256('BYTES THAT WILL ROT'));

    const missing = await failure(readAll(f.layout, { sha256: sha256('never stored'), size: 12 }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('copyBlobVerified writes a sound blob, and leaves no file behind for a corrupt one', async () => {
    const f = fixture();
    const bytes = Buffer.from('to be copied');
    const ref = await ingestFile(f.layout, f.file('m.bin', bytes));
    await copyBlobVerified(f.layout, ref, join(f.dir, 'out.bin'));
    expect(readFileSync(join(f.dir, 'out.bin')).equals(bytes)).toBe(true);

    damage(blobPath(f.layout, ref.sha256), 'TO BE COPIED');
    expect((await failure(copyBlobVerified(f.layout, ref, join(f.dir, 'bad.bin')))).code).toBe('CORRUPT_BLOB');
    expect(existsSync(join(f.dir, 'bad.bin'))).toBe(false);
  });
});

describe('ingestStream', () => {
  async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
    for (const part of parts) yield Buffer.from(part);
  }

  it('stores streamed bytes that match the expected blob', async () => {
    const f = fixture();
    const ref = { sha256: sha256('streamed bytes'), size: 14 };
    expect(await ingestStream(f.layout, ref, chunks('streamed', ' bytes'))).toStrictEqual({ ...ref, written: true });
    expect(readFileSync(blobPath(f.layout, ref.sha256), 'utf8')).toBe('streamed bytes');
    expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
  });

  it('refuses bytes with another hash, too many bytes, or too few, storing nothing', async () => {
    const f = fixture();
    const ref = { sha256: sha256('expected'), size: 8 };
    for (const source of [chunks('EXPECTED'), chunks('expected', '!'), chunks('expect')]) {
      expect((await failure(ingestStream(f.layout, ref, source))).code).toBe('CORRUPT_BLOB');
      expect(existsSync(blobPath(f.layout, ref.sha256))).toBe(false);
      expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
    }
  });
});
