// Content-addressed blobs (src/store/blobs.ts), the paths the first tests leave open: the exact errors
// and their data, progress reports, the stat a blob's bytes came from, the directories left to fsync,
// reuse of a stored blob, a candidate blob that is damaged, and streams and copies of several chunks.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  copyBlobVerified,
  hashFile,
  hashSource,
  ingestFile,
  ingestStream,
  readBlobVerified,
  reuseBlob,
  sameStat,
  statSource,
  type SourceStat,
} from '../../src/store/blobs.js';
import { blobPath } from '../../src/store/layout.js';
import { blobStoreFixture } from '../helpers/store.js';
import { failure } from '../helpers/errors.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

const fixture = () => blobStoreFixture('mreg-blobs2-');

/** Bytes that differ from chunk to chunk, so a chunk out of place changes the hash. */
function pattern(size: number, seed = 0): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 512) b.writeUInt32BE(((i / 512 + seed) * 2654435761) >>> 0, i);
  return b;
}

function damage(path: string, data: string | Buffer): void {
  chmodSync(path, 0o644);
  writeFileSync(path, data);
}

const OLD = new Date('2020-01-01T00:00:00Z');
const recent = (path: string) => Date.now() - statSync(path).mtimeMs < 60_000;

const big = pattern(5 * MiB + 7); // more than two hashing buffers and one read chunk
const medium = pattern(100 * 1024, 1); // above the small-file limit: the copy path

describe('hashFile, statSource, sameStat, hashSource', () => {
  it('hashFile reports its progress after each 2 MiB piece', async () => {
    const f = fixture();
    const seen: number[] = [];
    expect(await hashFile(f.file('big.bin', big), (n) => seen.push(n))).toStrictEqual({ sha256: sha256(big), size: big.length });
    expect(seen).toStrictEqual([2 * MiB, 4 * MiB, big.length]);
    const small: number[] = [];
    expect(await hashFile(f.file('s.bin', 'abc'), (n) => small.push(n))).toStrictEqual({ sha256: sha256('abc'), size: 3 });
    expect(small).toStrictEqual([3]);
    // Under one hashing buffer: read in one piece, into a buffer sized to the file.
    const mid: number[] = [];
    await hashFile(f.file('m.bin', medium), (n) => mid.push(n));
    expect(mid).toStrictEqual([medium.length]);
  });

  it('refuse what is not a regular file, by name', async () => {
    const f = fixture();
    const fifo = join(f.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const path of [fifo, f.dir]) {
      const err = await failure(hashFile(path));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toBe(`${path}: not a regular file`);
    }
    const err = await failure(statSource(fifo));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(`${fifo}: not a regular file`);
    const viaFile = await failure(ingestFile(f.layout, fifo));
    expect(viaFile.message).toBe(`${fifo}: not a regular file`);
  });

  it('statSource follows a symlink; sameStat compares every field', async () => {
    const f = fixture();
    const path = f.file('w.bin', 'weights');
    symlinkSync(path, join(f.dir, 'link'));
    const st = statSync(path, { bigint: true });
    const s = await statSource(join(f.dir, 'link'));
    expect(s).toStrictEqual({ dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
    expect(sameStat(s, { ...s })).toBe(true);
    for (const key of ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const) expect(sameStat(s, { ...s, [key]: s[key] + 1n }), key).toBe(false);
  });

  it('hashSource returns the hash, the size and the stat from before the read', async () => {
    const f = fixture();
    const path = f.file('w.bin', big);
    const seen: number[] = [];
    const st = statSync(path, { bigint: true });
    expect(await hashSource(path, (n) => seen.push(n))).toStrictEqual({
      sha256: sha256(big),
      size: big.length,
      stat: { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs },
    });
    expect(seen.at(-1)).toBe(big.length);
  });
});

describe('reuseBlob', () => {
  it('is true, and freshens the blob against gc, only for a stored regular file of the right size', async () => {
    const f = fixture();
    const ref = await ingestFile(f.layout, f.file('w.bin', 'stored'));
    const path = blobPath(f.layout, ref.sha256);
    utimesSync(path, OLD, OLD);
    expect(await reuseBlob(f.layout, { sha256: ref.sha256, size: ref.size + 1 })).toBe(false);
    expect(recent(path)).toBe(false);
    expect(await reuseBlob(f.layout, ref)).toBe(true);
    expect(recent(path)).toBe(true);
    expect(await reuseBlob(f.layout, { sha256: sha256('never'), size: 5 })).toBe(false);
    // A symlink in the store is not a blob, even to the right bytes.
    const other = sha256('linked');
    mkdirSync(dirname(blobPath(f.layout, other)), { recursive: true });
    symlinkSync(path, blobPath(f.layout, other));
    expect(await reuseBlob(f.layout, { sha256: other, size: ref.size })).toBe(false);
  });
});

describe('ingestFile', () => {
  for (const [what, bytes] of [
    ['a small file', Buffer.from('small weights')],
    ['a file above the small-file limit', medium],
  ] as const) {
    it(`${what}: reports progress and its source stat, leaves the directory to fsync to the caller, freshens a sound copy`, async () => {
      const f = fixture();
      const path = f.file('w.bin', bytes);
      const st = statSync(path, { bigint: true });
      const progress: number[] = [];
      const stats: SourceStat[] = [];
      const syncDirs = new Set<string>();
      const stored = await ingestFile(f.layout, path, { onProgress: (n) => progress.push(n), onSourceStat: (s) => stats.push(s), syncDirs });
      expect(stored).toStrictEqual({ sha256: sha256(bytes), size: bytes.length, written: true });
      expect(progress.at(-1)).toBe(bytes.length);
      expect(stats).toStrictEqual([{ dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs }]);
      const blob = blobPath(f.layout, stored.sha256);
      expect([...syncDirs]).toStrictEqual([dirname(blob)]);
      expect(statSync(blob).mode & 0o777).toBe(0o444);
      expect(readFileSync(blob).equals(bytes)).toBe(true);

      // Stored again: nothing written, nothing to fsync, the blob freshened, the stat still reported.
      utimesSync(blob, OLD, OLD);
      const again = new Set<string>();
      const stats2: SourceStat[] = [];
      expect(await ingestFile(f.layout, path, { syncDirs: again, onSourceStat: (s) => stats2.push(s) })).toStrictEqual({ ...stored, written: false });
      expect([...again]).toStrictEqual([]);
      expect(stats2).toHaveLength(1);
      expect(recent(blob)).toBe(true);
      expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
    });

    it(`${what}: a symlink where the blob should be is replaced by the bytes themselves`, async () => {
      const f = fixture();
      const target = f.file('target.bin', bytes);
      const blob = blobPath(f.layout, sha256(bytes));
      mkdirSync(dirname(blob), { recursive: true });
      symlinkSync(target, blob);
      expect((await ingestFile(f.layout, f.file('w.bin', bytes))).written).toBe(true);
      expect(statSync(blob).isFile()).toBe(true);
      expect(readFileSync(blob).equals(bytes)).toBe(true);
      expect(lstatSync(blob).isSymbolicLink()).toBe(false);
    });

    it(`${what}: refuses a source that grew, with the path in the error`, async () => {
      const f = fixture();
      const path = f.file('w.bin', bytes);
      const err = await failure(ingestFile(f.layout, path, { afterCopy: () => writeFileSync(path, Buffer.concat([bytes, Buffer.from('more')])) }));
      expect(err.code).toBe('CHANGED_WHILE_READING');
      expect(err.message).toBe(`${path}: the file changed while it was being stored; try again once it is complete`);
      expect(err.data).toStrictEqual({ path });
      expect(readdirSync(f.layout.objects)).toStrictEqual([]);
      expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
    });
  }

  it('a large file stored without syncDirs is placed and fsynced at once, and its blob hashes to its name', async () => {
    const f = fixture();
    const stored = await ingestFile(f.layout, f.file('big.bin', big));
    expect(stored).toStrictEqual({ sha256: sha256(big), size: big.length, written: true });
    expect(await hashFile(blobPath(f.layout, stored.sha256))).toStrictEqual({ sha256: stored.sha256, size: big.length });
  });

  it('with a matching candidate: no copy, no write, progress reported, the stat reported, the blob freshened', async () => {
    const f = fixture();
    const path = f.file('big.bin', big);
    const first = await ingestFile(f.layout, path);
    const candidate = { sha256: first.sha256, size: first.size };
    const blob = blobPath(f.layout, first.sha256);
    utimesSync(blob, OLD, OLD);
    const progress: number[] = [];
    const stats: SourceStat[] = [];
    const syncDirs = new Set<string>();
    let copies = 0;
    const options = { candidate, onProgress: (n: number) => progress.push(n), onSourceStat: (s: SourceStat) => stats.push(s), syncDirs, afterCopy: () => void copies++ };
    expect(await ingestFile(f.layout, path, options)).toStrictEqual({ ...candidate, written: false });
    // One read of each side, no copy: the documented cost of an unchanged re-register.
    expect(copies).toBe(0);
    expect(progress).toStrictEqual([2 * MiB, 4 * MiB, big.length]);
    expect(stats).toHaveLength(1);
    expect([...syncDirs]).toStrictEqual([]);
    expect(recent(blob)).toBe(true);
  });

  it('with a candidate whose stored bytes are damaged: the true bytes are stored again, repairing the blob', async () => {
    const f = fixture();
    const path = f.file('m.bin', medium);
    const first = await ingestFile(f.layout, path);
    const blob = blobPath(f.layout, first.sha256);
    const rotten = Buffer.from(medium);
    rotten[rotten.length - 1] = rotten[rotten.length - 1]! ^ 0xff; // same size, last byte flipped
    damage(blob, rotten);
    const again = await ingestFile(f.layout, path, { candidate: { sha256: first.sha256, size: first.size } });
    expect(again).toStrictEqual({ sha256: first.sha256, size: first.size, written: true });
    expect(readFileSync(blob).equals(medium)).toBe(true);
  });

  it('with a matching candidate and no callbacks: nothing written', async () => {
    const f = fixture();
    const path = f.file('m.bin', medium);
    const first = await ingestFile(f.layout, path);
    expect(await ingestFile(f.layout, path, { candidate: { sha256: first.sha256, size: first.size } })).toStrictEqual({ ...first, written: false });
  });

  it('with a candidate blob that holds the new bytes under the old name: the new bytes are stored under their own name', async () => {
    const f = fixture();
    const first = await ingestFile(f.layout, f.file('m.bin', medium));
    const other = pattern(medium.length, 42);
    damage(blobPath(f.layout, first.sha256), other);
    const stored = await ingestFile(f.layout, f.file('m.bin', other), { candidate: { sha256: first.sha256, size: first.size } });
    expect(stored).toStrictEqual({ sha256: sha256(other), size: other.length, written: true });
    expect(readFileSync(blobPath(f.layout, sha256(other))).equals(other)).toBe(true);
  });

  it('with a candidate blob that grew past its size on disk: not trusted, stored again at the right size', async () => {
    const f = fixture();
    const path = f.file('m.bin', medium);
    const first = await ingestFile(f.layout, path);
    const blob = blobPath(f.layout, first.sha256);
    damage(blob, Buffer.concat([medium, Buffer.from('trailing junk')]));
    expect(await ingestFile(f.layout, path, { candidate: { sha256: first.sha256, size: first.size } })).toStrictEqual({ ...first, written: true });
    expect(readFileSync(blob).equals(medium)).toBe(true);
  });

  it('with a directory where the candidate blob should be: the candidate is ignored, the file stored', async () => {
    const f = fixture();
    const old = { sha256: sha256('an older version'), size: medium.length };
    mkdirSync(blobPath(f.layout, old.sha256), { recursive: true });
    expect(await ingestFile(f.layout, f.file('m.bin', medium), { candidate: old })).toStrictEqual({ sha256: sha256(medium), size: medium.length, written: true });
  });

  it('with a candidate that differs, or is missing from the store, or has another size: stored afresh', async () => {
    const f = fixture();
    const other = pattern(medium.length, 99);
    const old = await ingestFile(f.layout, f.file('old.bin', other));
    const path = f.file('new.bin', medium);
    const stored = await ingestFile(f.layout, path, { candidate: { sha256: old.sha256, size: old.size } });
    expect(stored).toStrictEqual({ sha256: sha256(medium), size: medium.length, written: true });
    expect(readFileSync(blobPath(f.layout, old.sha256)).equals(other)).toBe(true);

    const g = fixture();
    const p2 = g.file('new.bin', medium);
    expect(await ingestFile(g.layout, p2, { candidate: { sha256: sha256(medium), size: medium.length } })).toStrictEqual({ sha256: sha256(medium), size: medium.length, written: true });

    const h = fixture();
    const p3 = h.file('new.bin', medium);
    const shorter = await ingestFile(h.layout, h.file('short.bin', medium.subarray(0, medium.length - 1)));
    expect(await ingestFile(h.layout, p3, { candidate: { sha256: shorter.sha256, size: shorter.size } })).toStrictEqual({
      sha256: sha256(medium),
      size: medium.length,
      written: true,
    });
  });
});

describe('verified reads and copies', () => {
  it('readBlobVerified hands over every chunk at its position and reports progress', async () => {
    const f = fixture();
    const ref = await ingestFile(f.layout, f.file('big.bin', big));
    const positions: number[] = [];
    const parts: Buffer[] = [];
    const progress: number[] = [];
    await readBlobVerified(
      f.layout,
      ref,
      (chunk, position) => {
        positions.push(position);
        parts.push(Buffer.from(chunk));
      },
      (n) => progress.push(n),
    );
    expect(positions).toStrictEqual([0, 4 * MiB]);
    expect(progress).toStrictEqual([4 * MiB, big.length]);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
    const mid = await ingestFile(f.layout, f.file('m.bin', medium));
    const midProgress: number[] = [];
    await readBlobVerified(f.layout, mid, () => undefined, (n) => midProgress.push(n));
    expect(midProgress).toStrictEqual([medium.length]);
  });

  it('readBlobVerified: CORRUPT_BLOB for other bytes or another size, with the hashes in data; a symlink is not the blob', async () => {
    const f = fixture();
    const ref = await ingestFile(f.layout, f.file('w.bin', 'sound bytes'));
    const sink = () => undefined;
    const longer = await failure(readBlobVerified(f.layout, { ...ref, size: ref.size + 1 }, sink));
    expect(longer.code).toBe('CORRUPT_BLOB');
    expect(longer.message).toBe(`blob ${ref.sha256} is corrupt: its bytes hash to ${ref.sha256} (11 bytes, expected 12)`);
    expect(longer.data).toStrictEqual({ sha256: ref.sha256, actual: ref.sha256 });

    damage(blobPath(f.layout, ref.sha256), 'SOUND BYTES');
    const rotten = await failure(readBlobVerified(f.layout, ref, sink));
    expect(rotten.message).toBe(`blob ${ref.sha256} is corrupt: its bytes hash to ${sha256('SOUND BYTES')} (11 bytes, expected 11)`);
    expect(rotten.data).toStrictEqual({ sha256: ref.sha256, actual: sha256('SOUND BYTES') });

    const missingSha = sha256('missing');
    const missing = await failure(readBlobVerified(f.layout, { sha256: missingSha, size: 1 }, sink));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe(`blob ${missingSha} is missing from the store`);
    expect(missing.data).toStrictEqual({ sha256: missingSha });
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const linked = sha256('linked');
    mkdirSync(dirname(blobPath(f.layout, linked)), { recursive: true });
    symlinkSync(f.file('t.bin', 'linked'), blobPath(f.layout, linked));
    const loop = await failure(readBlobVerified(f.layout, { sha256: linked, size: 6 }, sink));
    expect(loop.code).toBe('CORRUPT_BLOB');
    expect(loop.data).toStrictEqual({ sha256: linked });
    expect((loop.cause as NodeJS.ErrnoException).code).toBe('ELOOP');
  });

  it('readBlobVerified passes the error of a chunk\'s consumer through unchanged', async () => {
    const f = fixture();
    const ref = await ingestFile(f.layout, f.file('big.bin', big));
    const stop = new Error('consumer failed');
    const seen: number[] = [];
    const err = await readBlobVerified(f.layout, ref, (_chunk, position) => {
      seen.push(position);
      throw stop;
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBe(stop);
    expect(seen).toStrictEqual([0]);
  });

  it('copyBlobVerified copies a large blob and an empty one byte for byte, with progress', async () => {
    const f = fixture();
    const ref = await ingestFile(f.layout, f.file('big.bin', big));
    const progress: number[] = [];
    await copyBlobVerified(f.layout, ref, join(f.dir, 'out.bin'), (n) => progress.push(n));
    expect(readFileSync(join(f.dir, 'out.bin')).equals(big)).toBe(true);
    expect(progress).toStrictEqual([4 * MiB, big.length]);
    const empty = await ingestFile(f.layout, f.file('empty.bin', ''));
    await copyBlobVerified(f.layout, empty, join(f.dir, 'empty-out.bin'));
    expect(readFileSync(join(f.dir, 'empty-out.bin')).length).toBe(0);
  });

  it('copyBlobVerified never touches a file already at the destination, nor leaves one for a missing blob', async () => {
    const f = fixture();
    const ref = await ingestFile(f.layout, f.file('w.bin', 'bytes'));
    const dest = f.file('taken.bin', 'keep me');
    const err = await copyBlobVerified(f.layout, ref, dest).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('EEXIST');
    expect(readFileSync(dest, 'utf8')).toBe('keep me');
    const missing = await failure(copyBlobVerified(f.layout, { sha256: sha256('gone'), size: 4 }, join(f.dir, 'none.bin')));
    expect(missing.code).toBe('NOT_FOUND');
    expect(existsSync(join(f.dir, 'none.bin'))).toBe(false);
  });
});

describe('ingestStream', () => {
  async function* pieces(data: Buffer, size: number): AsyncIterable<Uint8Array> {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  }

  it('stores a stream of odd-sized pieces across several write buffers, reporting progress per piece', async () => {
    const f = fixture();
    const ref = { sha256: sha256(big), size: big.length };
    const progress: number[] = [];
    expect(await ingestStream(f.layout, ref, pieces(big, 1_000_003), (n) => progress.push(n))).toStrictEqual({ ...ref, written: true });
    expect(progress).toStrictEqual([1_000_003, 2_000_006, 3_000_009, 4_000_012, 5_000_015, big.length]);
    const blob = blobPath(f.layout, ref.sha256);
    expect(readFileSync(blob).equals(big)).toBe(true);
    expect(statSync(blob).mode & 0o777).toBe(0o444);
    // Past two full write buffers: the two buffers are used in turn, and each is written whole.
    const huge = Buffer.concat([big, pattern(4 * MiB, 7)]);
    const hugeRef = { sha256: sha256(huge), size: huge.length };
    expect(await ingestStream(f.layout, hugeRef, pieces(huge, 3 * MiB + 1))).toStrictEqual({ ...hugeRef, written: true });
    expect(readFileSync(blobPath(f.layout, hugeRef.sha256)).equals(huge)).toBe(true);
    // One piece larger than a write buffer: written in buffer-sized parts.
    const h = fixture();
    expect(await ingestStream(h.layout, ref, pieces(big, big.length))).toStrictEqual({ ...ref, written: true });
    expect(readFileSync(blobPath(h.layout, ref.sha256)).equals(big)).toBe(true);
    // A piece that is a view into a larger buffer: only its own bytes are stored.
    const g = fixture();
    const backing = Buffer.from('xxhello worldyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 11);
    async function* one(): AsyncIterable<Uint8Array> {
      yield view;
    }
    expect(await ingestStream(g.layout, { sha256: sha256('hello world'), size: 11 }, one())).toStrictEqual({ sha256: sha256('hello world'), size: 11, written: true });
    expect(readFileSync(blobPath(g.layout, sha256('hello world')), 'utf8')).toBe('hello world');
  });

  it('writes nothing for a blob already stored soundly, and replaces a damaged one', async () => {
    const f = fixture();
    const ref = { sha256: sha256(medium), size: medium.length };
    await ingestStream(f.layout, ref, pieces(medium, 4096));
    const blob = blobPath(f.layout, ref.sha256);
    utimesSync(blob, OLD, OLD);
    expect(await ingestStream(f.layout, ref, pieces(medium, 4096))).toStrictEqual({ ...ref, written: false });
    expect(recent(blob)).toBe(true);
    damage(blob, pattern(medium.length, 5));
    expect(await ingestStream(f.layout, ref, pieces(medium, 4096))).toStrictEqual({ ...ref, written: true });
    expect(readFileSync(blob).equals(medium)).toBe(true);
    expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
  });

  it('refuses, with exact messages and data: bytes past the expected size at once, other bytes at the end', async () => {
    const f = fixture();
    const ref = { sha256: sha256('expected'), size: 8 };
    let pulled = 0;
    async function* endless(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.from('expected');
      }
    }
    const tooMany = await failure(ingestStream(f.layout, ref, endless()));
    expect(tooMany.code).toBe('CORRUPT_BLOB');
    expect(tooMany.message).toBe(`blob ${ref.sha256} is corrupt: more than the expected 8 bytes arrived`);
    expect(tooMany.data).toStrictEqual({ sha256: ref.sha256 });
    expect(pulled).toBe(2);
    const other = await failure(ingestStream(f.layout, ref, pieces(Buffer.from('EXPECTED'), 3)));
    expect(other.message).toBe(`blob ${ref.sha256} is corrupt: its bytes hash to ${sha256('EXPECTED')} (8 bytes, expected 8)`);
    expect(other.data).toStrictEqual({ sha256: ref.sha256, actual: sha256('EXPECTED') });
    const short = await failure(ingestStream(f.layout, ref, pieces(Buffer.from('expect'), 3)));
    expect(short.message).toBe(`blob ${ref.sha256} is corrupt: its bytes hash to ${sha256('expect')} (6 bytes, expected 8)`);
    expect(readdirSync(f.layout.tmp)).toStrictEqual([]);
    expect(readdirSync(f.layout.objects)).toStrictEqual([]);
  });
});
