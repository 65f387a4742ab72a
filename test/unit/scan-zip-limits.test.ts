// zip.ts: every check of the central-directory reader and the member readers, at its boundary, with its
// exact message. Archives are built byte by byte here so each field can lie on its own.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { prng } from '../helpers/prng.js';
import { bytesSource } from '../../src/core/scan/pickle.js';
import { isEscapingName, openZipMember, readZipDirectory, readZipMemberPrefix, ZIP_LIMITS, type ZipEntry } from '../../src/core/scan/zip.js';
import { thrown } from '../helpers/errors.js';

interface Spec {
  name?: string | Buffer;
  /** The bytes stored in the file (already compressed when method is 8). */
  body?: Buffer;
  method?: number;
  flags?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  extra?: Buffer;
  localExtra?: Buffer;
  comment?: Buffer;
  diskStart?: number;
  localHeaderOffset?: number;
}

interface Built {
  bytes: Buffer;
  /** Offset of the central directory and its size. */
  cdOffset: number;
  cdSize: number;
  eocdAt: number;
}

/** A classic ZIP; `eocd` overrides the end record's fields, `comment` is the archive comment. */
function build(specs: Spec[], eocd: { disk?: number; cdDisk?: number; count?: number; cdSize?: number; cdOffset?: number; comment?: Buffer; tail?: Buffer } = {}): Built {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const s of specs) {
    const name = typeof s.name === 'string' || s.name === undefined ? Buffer.from(s.name ?? 'a', 'utf8') : s.name;
    const body = s.body ?? Buffer.alloc(0);
    const localExtra = s.localExtra ?? Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(s.flags ?? 0x800, 6);
    local.writeUInt16LE(s.method ?? 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    const extra = s.extra ?? Buffer.alloc(0);
    const comment = s.comment ?? Buffer.alloc(0);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(45, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(s.flags ?? 0x800, 8);
    cd.writeUInt16LE(s.method ?? 0, 10);
    cd.writeUInt32LE(s.compressedSize ?? body.length, 20);
    cd.writeUInt32LE(s.uncompressedSize ?? body.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt16LE(comment.length, 32);
    cd.writeUInt16LE(s.diskStart ?? 0, 34);
    cd.writeUInt32LE(s.localHeaderOffset ?? offset, 42);
    central.push(cd, name, extra, comment);
    parts.push(local, name, localExtra, body);
    offset += local.length + name.length + localExtra.length + body.length;
  }
  const cdBytes = Buffer.concat(central);
  const comment = eocd.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(eocd.disk ?? 0, 4);
  end.writeUInt16LE(eocd.cdDisk ?? 0, 6);
  end.writeUInt16LE(eocd.count ?? specs.length, 8);
  end.writeUInt16LE(eocd.count ?? specs.length, 10);
  end.writeUInt32LE(eocd.cdSize ?? cdBytes.length, 12);
  end.writeUInt32LE(eocd.cdOffset ?? offset, 16);
  end.writeUInt16LE(comment.length, 20);
  const tail = eocd.tail ?? Buffer.alloc(0);
  return { bytes: Buffer.concat([...parts, cdBytes, tail, end, comment]), cdOffset: offset, cdSize: cdBytes.length, eocdAt: offset + cdBytes.length + tail.length };
}

/** The ZIP64 end record and locator to put between a directory and its end record. */
function zip64Tail(at: number, f: { disk?: number; cdDisk?: number; count: bigint; cdSize: bigint; cdOffset: bigint; recordAt?: bigint; signature?: number }): Buffer {
  const rec = Buffer.alloc(56);
  rec.writeUInt32LE(f.signature ?? 0x06064b50, 0);
  rec.writeBigUInt64LE(44n, 4);
  rec.writeUInt32LE(f.disk ?? 0, 16);
  rec.writeUInt32LE(f.cdDisk ?? 0, 20);
  rec.writeBigUInt64LE(f.count, 24);
  rec.writeBigUInt64LE(f.count, 32);
  rec.writeBigUInt64LE(f.cdSize, 40);
  rec.writeBigUInt64LE(f.cdOffset, 48);
  const loc = Buffer.alloc(20);
  loc.writeUInt32LE(0x07064b50, 0);
  loc.writeBigUInt64LE(f.recordAt ?? BigInt(at), 8);
  loc.writeUInt32LE(1, 16);
  return Buffer.concat([rec, loc]);
}

/** A one-entry ZIP64 archive with the given ZIP64 record fields (defaults: the true ones). */
function zip64(specs: Spec[], f: { disk?: number; cdDisk?: number; count?: bigint; cdSize?: bigint; cdOffset?: bigint; recordAt?: bigint; signature?: number } = {}): Buffer {
  const plain = build(specs);
  const tail = zip64Tail(plain.cdOffset + plain.cdSize, {
    count: BigInt(specs.length),
    cdSize: BigInt(plain.cdSize),
    cdOffset: BigInt(plain.cdOffset),
    ...f,
  });
  return build(specs, { count: 0xffff, cdSize: 0xffffffff, cdOffset: 0xffffffff, tail }).bytes;
}

function u64s(...values: bigint[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigUInt64LE(v, 8 * i));
  return b;
}
function extraField(id: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(id, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
}

function zipError(fn: () => unknown): string {
  const err = thrown(fn);
  expect(err.code).toBe('INVALID_INPUT');
  return err.message;
}
/** A source that refuses reads outside the file, as a file on disk does (scanFile's reads fail past the end). */
const strictSource = (bytes: Buffer): ReturnType<typeof bytesSource> => ({
  size: bytes.length,
  read: (offset: number, length: number) => {
    if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) throw new Error(`read of ${length} bytes at ${offset} outside ${bytes.length}`);
    return bytes.subarray(offset, offset + length);
  },
});
const dirError = (bytes: Buffer): string => zipError(() => readZipDirectory(bytesSource(bytes)));
const entries = (bytes: Buffer): ZipEntry[] => readZipDirectory(bytesSource(bytes)).entries;
const entry = (over: Partial<ZipEntry>): ZipEntry => ({ name: 'a', method: 0, flags: 0, compressedSize: 0, uncompressedSize: 0, localHeaderOffset: 0, ...over });

describe('the end record', () => {
  it('an empty archive is just its 22-byte end record', () => {
    const empty = build([]).bytes;
    expect(empty.length).toBe(22);
    expect(readZipDirectory(bytesSource(empty))).toStrictEqual({ entries: [], zip64: false });
    expect(dirError(empty.subarray(0, 21))).toBe('malformed zip: file is too short to hold an end-of-central-directory record');
    expect(dirError(Buffer.alloc(22))).toBe('malformed zip: no end-of-central-directory record in the last 64 KiB');
  });

  it('is found behind a comment, not inside it, and not further than 64 KiB + 22 from the end', () => {
    const spec = [{ name: 'x', body: Buffer.from('abc') }];
    // Signatures broken in each byte, with a whole record's length behind them, inside the comment.
    const fakes = ['QK\x05\x06', 'PL\x05\x06', 'PK\x04\x06', 'PK\x05\x07'].map((sig) => Buffer.concat([Buffer.from(sig, 'latin1'), Buffer.alloc(22)]));
    const withComment = build(spec, { comment: Buffer.concat([...fakes, Buffer.from('xxPK\x05\x06', 'latin1')]) }).bytes;
    expect(entries(withComment).map((e) => e.name)).toStrictEqual(['x']);
    // The largest comment: the record is exactly 65,557 bytes from the end.
    const longest = build(spec, { comment: Buffer.alloc(0xffff, 0x20) }).bytes;
    expect(entries(longest).map((e) => e.name)).toStrictEqual(['x']);
    expect(readZipDirectory(strictSource(longest)).entries.map((e) => e.name)).toStrictEqual(['x']);
    expect(readZipDirectory(strictSource(withComment)).entries.map((e) => e.name)).toStrictEqual(['x']);
    const tooFar = Buffer.concat([build(spec).bytes, Buffer.alloc(0xffff + 1)]);
    expect(dirError(tooFar)).toBe('malformed zip: no end-of-central-directory record in the last 64 KiB');
  });

  it('multi-disk archives are refused, by either disk field', () => {
    const spec = [{ name: 'x' }];
    expect(dirError(build(spec, { disk: 1 }).bytes)).toBe('malformed zip: multi-disk archives are not supported');
    expect(dirError(build(spec, { cdDisk: 1 }).bytes)).toBe('malformed zip: multi-disk archives are not supported');
    expect(dirError(zip64(spec, { disk: 1 }))).toBe('malformed zip: multi-disk archives are not supported');
    expect(dirError(zip64(spec, { cdDisk: 1 }))).toBe('malformed zip: multi-disk archives are not supported');
  });

  it('the central directory must fit the size limit, end where the end record starts, and hold its count', () => {
    const spec = [{ name: 'x', body: Buffer.from('abc') }];
    const { bytes, cdOffset, cdSize, eocdAt } = build(spec);
    const limit = ZIP_LIMITS.maxCentralDirectory;
    expect(dirError(build(spec, { cdSize: limit + 1 }).bytes)).toBe(`malformed zip: central directory of ${limit + 1} bytes is larger than the ${limit}-byte limit`);
    expect(dirError(build(spec, { cdSize: limit }).bytes)).toBe(
      `malformed zip: central directory (offset ${cdOffset}, ${limit} bytes) runs past the end-of-central-directory record at ${eocdAt}`,
    );
    expect(dirError(build(spec, { cdOffset: cdOffset + 1 }).bytes)).toBe(
      `malformed zip: central directory (offset ${cdOffset + 1}, ${cdSize} bytes) runs past the end-of-central-directory record at ${eocdAt}`,
    );
    // A directory that ends before the end record is read (the gap is ignored).
    const gap = build(spec, { tail: Buffer.alloc(7) });
    expect(entries(gap.bytes).map((e) => e.name)).toStrictEqual(['x']);
    expect(dirError(build(spec, { count: 2 }).bytes)).toBe(`malformed zip: 2 entries cannot fit in a ${cdSize}-byte central directory`);
    expect(dirError(build(spec, { count: 0 }).bytes)).toBe('malformed zip: end record announces 0 entries but the directory holds 1');
    expect(entries(bytes)).toHaveLength(1);
  });

  it('an entry with an empty name is exactly 46 bytes of directory', () => {
    const { bytes, cdSize } = build([{ name: '', body: Buffer.from('abc') }]);
    expect(cdSize).toBe(46);
    expect(entries(bytes)).toStrictEqual([{ name: '', method: 0, flags: 0x800, compressedSize: 3, uncompressedSize: 3, localHeaderOffset: 0 }]);
  });
});

describe('ZIP64', () => {
  it('the ZIP64 record replaces the saturated classic fields', () => {
    const spec = [{ name: 'x', body: Buffer.from('abc') }, { name: 'y', body: Buffer.from('de') }];
    const dir = readZipDirectory(bytesSource(zip64(spec)));
    expect(dir.zip64).toBe(true);
    expect(dir.entries.map((e) => [e.name, e.localHeaderOffset])).toStrictEqual([
      ['x', 0],
      ['y', 34],
    ]);
  });

  it('each ZIP64 record field is checked', () => {
    const spec = [{ name: 'x', body: Buffer.from('abc') }];
    const plain = build(spec);
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    expect(dirError(zip64(spec, { count: max + 1n }))).toBe(`malformed zip: ZIP64 entry count is absurdly large (${max + 1n})`);
    expect(dirError(zip64(spec, { cdSize: max + 1n }))).toBe(`malformed zip: ZIP64 central directory size is absurdly large (${max + 1n})`);
    expect(dirError(zip64(spec, { cdOffset: max + 1n }))).toBe(`malformed zip: ZIP64 central directory offset is absurdly large (${max + 1n})`);
    expect(dirError(zip64(spec, { recordAt: max + 1n }))).toBe(`malformed zip: ZIP64 end-of-central-directory offset is absurdly large (${max + 1n})`);
    // 2^53 - 1 is a number, just not one inside this file.
    expect(dirError(zip64(spec, { recordAt: max }))).toBe(`malformed zip: ZIP64 end-of-central-directory record at offset ${max} (56 bytes) lies outside the ${plain.bytes.length + 76}-byte file`);
    expect(dirError(zip64(spec, { cdOffset: max }))).toBe(
      `malformed zip: central directory (offset ${max}, ${plain.cdSize} bytes) runs past the end-of-central-directory record at ${plain.cdOffset + plain.cdSize}`,
    );
    expect(dirError(zip64(spec, { count: 0n }))).toBe('malformed zip: end record announces 0 entries but the directory holds 1');
    expect(dirError(zip64(spec, { signature: 0x06064b51 }))).toBe(`malformed zip: no ZIP64 end-of-central-directory record at offset ${plain.cdOffset + plain.cdSize}`);
    expect(dirError(zip64(spec, { recordAt: 0n }))).toBe('malformed zip: no ZIP64 end-of-central-directory record at offset 0');
  });

  it('the ZIP64 record must end before its locator, and bounds the directory', () => {
    // A record placed after the end record: its locator is right at the start of the file.
    const rec = zip64Tail(0, { count: 0n, cdSize: 0n, cdOffset: 0n }).subarray(0, 56);
    const loc = zip64Tail(0, { count: 0n, cdSize: 0n, cdOffset: 0n, recordAt: 42n }).subarray(56);
    const end = build([]).bytes;
    const file = Buffer.concat([loc, end, rec]);
    expect(dirError(file)).toBe('malformed zip: ZIP64 end-of-central-directory record overlaps its locator');
    // Without a locator in front, the same 20 bytes are nothing: the empty directory is read.
    expect(readZipDirectory(bytesSource(Buffer.concat([Buffer.alloc(20), end, rec])))).toStrictEqual({ entries: [], zip64: false });
  });
});

describe('directory entries', () => {
  it('every field is read from its place, for each entry', () => {
    const latin = Buffer.from('caf\xe9', 'latin1');
    const { bytes } = build([
      { name: 'first', body: Buffer.from('12345'), flags: 0x800, comment: Buffer.from('a comment'), extra: extraField(0x5455, Buffer.alloc(5)) },
      { name: latin, body: Buffer.from('zz'), flags: 0x0002, method: 8, compressedSize: 2, uncompressedSize: 7 },
      { name: Buffer.from('café', 'utf8'), body: Buffer.from('q'), flags: 0x0808, method: 12, diskStart: 0xffff, localExtra: Buffer.alloc(9) },
    ]);
    expect(entries(bytes)).toStrictEqual([
      { name: 'first', method: 0, flags: 0x800, compressedSize: 5, uncompressedSize: 5, localHeaderOffset: 0 },
      { name: 'café', method: 8, flags: 0x0002, compressedSize: 2, uncompressedSize: 7, localHeaderOffset: 40 },
      { name: 'café', method: 12, flags: 0x0808, compressedSize: 1, uncompressedSize: 1, localHeaderOffset: 40 + 36 },
    ]);
    // Without bit 11 the UTF-8 bytes are read as latin1.
    expect(entries(build([{ name: Buffer.from('é', 'utf8'), flags: 0 }]).bytes)[0]?.name).toBe('Ã©');
  });

  it('entries that run past the directory, lose their signature or start on another disk', () => {
    const spec = { name: 'x', body: Buffer.from('abc') };
    const { bytes, cdOffset, cdSize } = build([spec]);
    const truncated = build([spec], { count: 1, cdSize: cdSize + 10, tail: Buffer.alloc(10) });
    // The 10 bytes after the entry are not a whole entry.
    expect(dirError(truncated.bytes)).toBe(`malformed zip: truncated central directory entry at offset ${cdOffset + cdSize}`);
    const badSig = Buffer.from(bytes);
    badSig.writeUInt32LE(0x02014b51, cdOffset);
    expect(dirError(badSig)).toBe(`malformed zip: bad central directory signature at offset ${cdOffset}`);
    const long = Buffer.from(bytes);
    long.writeUInt16LE(2, cdOffset + 28); // name length 2, one byte past the directory
    expect(dirError(long)).toBe(`malformed zip: central directory entry at offset ${cdOffset} runs past the directory`);
    // The same errors at a later entry name that entry's offset.
    const two = build([spec, { name: 'y', body: Buffer.from('de') }]);
    const second = two.cdOffset + 46 + 1;
    const badSecond = Buffer.from(two.bytes);
    badSecond.writeUInt32LE(0, second);
    expect(dirError(badSecond)).toBe(`malformed zip: bad central directory signature at offset ${second}`);
    const longSecond = Buffer.from(two.bytes);
    longSecond.writeUInt16LE(2, second + 28);
    expect(dirError(longSecond)).toBe(`malformed zip: central directory entry at offset ${second} runs past the directory`);
    const longComment = Buffer.from(bytes);
    longComment.writeUInt16LE(1, cdOffset + 32);
    expect(dirError(longComment)).toBe(`malformed zip: central directory entry at offset ${cdOffset} runs past the directory`);
    expect(dirError(build([{ ...spec, diskStart: 1 }]).bytes)).toBe('malformed zip: entry "x" starts on another disk');
    expect(dirError(build([{ ...spec, diskStart: 0xfffe }]).bytes)).toBe('malformed zip: entry "x" starts on another disk');
    expect(entries(build([{ ...spec, diskStart: 0xffff }]).bytes)[0]?.name).toBe('x');
  });

  it('extra fields: each must fit; ZIP64 fields hold only the saturated values, in order', () => {
    const big = 0x1_0000_0005n;
    const cases: [Spec, Partial<ZipEntry> | string][] = [
      // Unknown extra fields are skipped; a ZIP64 field after one is still read.
      [{ uncompressedSize: 0xffffffff, extra: Buffer.concat([extraField(0x5455, Buffer.alloc(5)), extraField(1, u64s(big))]) }, { uncompressedSize: Number(big) }],
      [{ compressedSize: 0xffffffff, extra: extraField(1, u64s(big)) }, { compressedSize: Number(big) }],
      [{ localHeaderOffset: 0xffffffff, extra: extraField(1, u64s(7n)) }, { localHeaderOffset: 7 }],
      [{ uncompressedSize: 0xffffffff, compressedSize: 0xffffffff, localHeaderOffset: 0xffffffff, extra: extraField(1, u64s(1n, 2n, 3n)) }, { uncompressedSize: 1, compressedSize: 2, localHeaderOffset: 3 }],
      [{ compressedSize: 0xffffffff, localHeaderOffset: 0xffffffff, extra: extraField(1, u64s(2n, 3n)) }, { compressedSize: 2, localHeaderOffset: 3 }],
      // A ZIP64 field with nothing saturated changes nothing; extra data that is not a field is ignored.
      [{ extra: extraField(1, u64s(9n, 9n, 9n)) }, { uncompressedSize: 3, compressedSize: 3, localHeaderOffset: 0 }],
      [{ extra: Buffer.from([1, 0, 0]) }, { uncompressedSize: 3 }],
      [{ extra: extraField(0x5455, Buffer.alloc(0)) }, { uncompressedSize: 3 }],
      // Errors.
      [{ extra: Buffer.concat([extraField(0x5455, Buffer.alloc(4)).subarray(0, 7)]) }, 'malformed zip: extra field of entry "x" runs past its end'],
      [{ uncompressedSize: 0xffffffff, extra: extraField(1, Buffer.alloc(0)) }, 'malformed zip: ZIP64 extra field of entry "x" lacks its uncompressed size'],
      [{ uncompressedSize: 0xffffffff, compressedSize: 0xffffffff, extra: extraField(1, u64s(1n).subarray(0, 8)) }, 'malformed zip: ZIP64 extra field of entry "x" lacks its compressed size'],
      [{ localHeaderOffset: 0xffffffff, extra: extraField(1, Buffer.alloc(7)) }, 'malformed zip: ZIP64 extra field of entry "x" lacks its local header offset'],
      [{ uncompressedSize: 0xffffffff, extra: extraField(1, u64s(1n << 53n)) }, `malformed zip: uncompressed size is absurdly large (${1n << 53n})`],
    ];
    for (const [spec, want] of cases) {
      const bytes = build([{ name: 'x', body: Buffer.from('abc'), ...spec }]).bytes;
      if (typeof want === 'string') expect(dirError(bytes), want).toBe(want);
      else expect(entries(bytes)[0], JSON.stringify(spec)).toMatchObject(want);
    }
  });
});

describe('member readers', () => {
  const stored = build([{ name: 'a.bin', body: Buffer.from('0123456789'), localExtra: Buffer.alloc(3, 0xee) }, { name: 'b', body: Buffer.from('xyz') }]);
  const src = bytesSource(stored.bytes);
  const [a, b] = entries(stored.bytes) as [ZipEntry, ZipEntry];

  it('reads only within the file', () => {
    const strict = strictSource(stored.bytes);
    expect(readZipDirectory(strict).entries).toStrictEqual([a, b]);
    expect(Buffer.from(openZipMember(strict, a).read(0, 10)).toString()).toBe('0123456789');
    expect(Buffer.from(readZipMemberPrefix(strict, b, 10)).toString()).toBe('xyz');
  });

  it('a stored member is a window on the archive, past its local header (whose extra length may differ)', () => {
    const m = openZipMember(src, a);
    expect(m.size).toBe(10);
    expect(Buffer.from(m.read(0, 10)).toString()).toBe('0123456789');
    expect(Buffer.from(m.read(3, 4)).toString()).toBe('3456');
    expect(Buffer.from(openZipMember(src, b).read(1, 2)).toString()).toBe('yz');
    expect(Buffer.from(readZipMemberPrefix(src, a, 4)).toString()).toBe('0123');
    expect(Buffer.from(readZipMemberPrefix(src, a, 100)).toString()).toBe('0123456789');
    expect(Buffer.from(readZipMemberPrefix(src, b, 0)).toString()).toBe('');
  });

  it('the local header must exist and the data must lie inside the file', () => {
    const size = stored.bytes.length;
    expect(zipError(() => openZipMember(src, { ...a, localHeaderOffset: size - 29 }))).toBe(`malformed zip: local header of "a.bin" at offset ${size - 29} (30 bytes) lies outside the ${size}-byte file`);
    expect(zipError(() => readZipMemberPrefix(src, { ...a, localHeaderOffset: 1 }, 4))).toBe('malformed zip: no local header for "a.bin" at offset 1');
    // Data ending exactly at the end of the file is inside it; one byte more is not.
    const start = 30 + 5 + 3;
    const toEnd = size - start;
    expect(openZipMember(src, { ...a, compressedSize: toEnd, uncompressedSize: toEnd }).size).toBe(toEnd);
    expect(zipError(() => openZipMember(src, { ...a, compressedSize: toEnd + 1, uncompressedSize: toEnd + 1 }))).toBe(
      `malformed zip: data of "a.bin" (${toEnd + 1} bytes at offset ${start}) runs past the end of the file`,
    );
    // A local header right at the end of a 30-byte source.
    const header = stored.bytes.subarray(0, 30);
    expect(zipError(() => openZipMember(bytesSource(header), { ...a, compressedSize: 1, uncompressedSize: 1 }))).toBe('malformed zip: data of "a.bin" (1 bytes at offset 38) runs past the end of the file');
  });

  it('encrypted members, unknown methods and lying stored sizes are refused by both readers', () => {
    const cases: [Partial<ZipEntry>, string][] = [
      [{ flags: 0x1 }, 'malformed zip: member "a.bin" is encrypted'],
      [{ flags: 0x801 }, 'malformed zip: member "a.bin" is encrypted'],
      [{ method: 1 }, 'malformed zip: member "a.bin" uses compression method 1; only stored and deflate are supported'],
      [{ method: 9 }, 'malformed zip: member "a.bin" uses compression method 9; only stored and deflate are supported'],
      [{ uncompressedSize: 11 }, 'malformed zip: stored member "a.bin" declares different compressed and uncompressed sizes'],
    ];
    for (const [over, message] of cases) {
      expect(zipError(() => openZipMember(src, { ...a, ...over })), message).toBe(message);
      expect(zipError(() => readZipMemberPrefix(src, { ...a, ...over }, 4)), message).toBe(message);
    }
    expect(openZipMember(src, { ...a, flags: 0x808 }).size).toBe(10);
  });
});

describe('deflated members', () => {
  const one = (data: Buffer, over: Partial<ZipEntry> = {}): { src: ReturnType<typeof bytesSource>; e: ZipEntry } => {
    const body = deflateRawSync(data);
    const bytes = build([{ name: 'd', body, method: 8, uncompressedSize: data.length }]).bytes;
    return { src: bytesSource(bytes), e: { ...(entries(bytes)[0] as ZipEntry), ...over } };
  };

  it('inflate to their declared size; an empty one too', () => {
    const { src, e } = one(Buffer.from('hello, hello, hello'));
    expect(Buffer.from(openZipMember(src, e).read(0, 19)).toString()).toBe('hello, hello, hello');
    const empty = one(Buffer.alloc(0));
    expect(empty.e.uncompressedSize).toBe(0);
    expect(openZipMember(empty.src, empty.e).size).toBe(0);
    expect(readZipMemberPrefix(empty.src, empty.e, 10).length).toBe(0);
  });

  it('a declared size past the caller\'s limit is refused; at it, read', () => {
    const { src, e } = one(Buffer.from('abcdefgh'));
    expect(openZipMember(src, e, 8).size).toBe(8);
    expect(zipError(() => openZipMember(src, e, 7))).toBe('malformed zip: member "d" would inflate to 8 bytes, past the 7-byte limit');
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: ZIP_LIMITS.maxMemberBytes + 1 }))).toBe(
      `malformed zip: member "d" would inflate to ${ZIP_LIMITS.maxMemberBytes + 1} bytes, past the ${ZIP_LIMITS.maxMemberBytes}-byte limit`,
    );
  });

  it('a ratio past 200:1 is a bomb only above the threshold, and only strictly past 200:1', () => {
    const t = ZIP_LIMITS.bombThreshold;
    const { src, e } = one(Buffer.from('N.'));
    const c = e.compressedSize;
    // At the threshold: inflated, and found to lie about its size.
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: t }))).toBe(`malformed zip: member "d" inflates to 2 bytes, not the declared ${t}`);
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: t + 1 }))).toBe(`malformed zip: member "d" claims a ${Math.round((t + 1) / c)}:1 compression ratio (decompression bomb?)`);
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: t + 1, compressedSize: 0 }))).toBe(`malformed zip: member "d" claims a ${t + 1}:1 compression ratio (decompression bomb?)`);
    // Exactly 200:1 above the threshold is not a bomb (these zero bytes then fail to inflate).
    const compressed = Math.ceil((t + 1) / 200);
    const zeros = build([{ name: 'z', body: Buffer.alloc(compressed), method: 8, uncompressedSize: 200 * compressed }]).bytes;
    const z = entries(zeros)[0] as ZipEntry;
    expect(zipError(() => openZipMember(bytesSource(zeros), z))).toBe('malformed zip: member "z" does not inflate (invalid stored block lengths)');
    expect(zipError(() => openZipMember(bytesSource(zeros), { ...z, uncompressedSize: 200 * compressed + 1 }))).toBe(
      `malformed zip: member "z" claims a ${Math.round((200 * compressed + 1) / compressed)}:1 compression ratio (decompression bomb?)`,
    );
  });

  it('a stream that inflates to more or less than declared, or not at all', () => {
    const { src, e } = one(Buffer.from('abcdefgh'));
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: 7 }))).toBe('malformed zip: member "d" inflates past its declared size');
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: 9 }))).toBe('malformed zip: member "d" inflates to 8 bytes, not the declared 9');
    expect(zipError(() => openZipMember(src, { ...e, uncompressedSize: 0 }))).toBe('malformed zip: member "d" inflates past its declared size');
    const bad = build([{ name: 'd', body: Buffer.from([0xff, 0xff]), method: 8, uncompressedSize: 4 }]).bytes;
    const be = entries(bad)[0] as ZipEntry;
    expect(zipError(() => openZipMember(bytesSource(bad), be))).toBe('malformed zip: member "d" does not inflate (invalid block type)');
    expect(zipError(() => readZipMemberPrefix(bytesSource(bad), be, 2))).toBe('malformed zip: member "d" does not inflate (invalid block type)');
  });

  it('a prefix inflates only the input it needs, growing it until enough comes out', () => {
    // Incompressible bytes: the first 4 KiB of input hold about 4 KiB of output.
    const rand = prng(18);
    const data = Buffer.from(Array.from({ length: 40000 }, () => Math.floor(rand() * 256)));
    const { src, e } = one(data);
    expect(e.compressedSize).toBeGreaterThan(40000);
    for (const n of [1, 4000, 10000, 39999, 40000, 50000]) {
      expect(Buffer.from(readZipMemberPrefix(src, e, n)).equals(data.subarray(0, n)), `${n}`).toBe(true);
    }
    // A member declared longer than its stream: the prefix stops when the input runs out.
    expect(Buffer.from(readZipMemberPrefix(src, { ...e, uncompressedSize: 40100 }, 40050)).equals(data)).toBe(true);
    // The prefix of a member declared shorter than its stream stops at the declared size.
    expect(readZipMemberPrefix(src, { ...e, uncompressedSize: 5 }, 100).length).toBe(5);
    // Reading a prefix never needs more than the compressed size: a corrupt tail is not reached.
    // One stored (non-final) block of 5,000 bytes, then an invalid block type.
    const storedHead = Buffer.from([0x00, 0x88, 0x13, 0x77, 0xec]);
    const body = Buffer.concat([storedHead, data.subarray(0, 5000), Buffer.alloc(20000, 0xff)]);
    const cut = build([{ name: 'd', body, method: 8, uncompressedSize: data.length }]).bytes;
    const ce = entries(cut)[0] as ZipEntry;
    expect(Buffer.from(readZipMemberPrefix(bytesSource(cut), ce, 2000)).equals(data.subarray(0, 2000))).toBe(true);
    // Exactly what the first 4,096 input bytes give (4,091 after the block header): no more input is read.
    expect(Buffer.from(readZipMemberPrefix(bytesSource(cut), ce, 4091)).equals(data.subarray(0, 4091))).toBe(true);
    expect(zipError(() => readZipMemberPrefix(bytesSource(cut), ce, 10000))).toBe('malformed zip: member "d" does not inflate (invalid block type)');
  });
});

describe('isEscapingName', () => {
  it.each(['/etc/passwd', '\\x', 'C:\\x', 'c:x', 'Z:', 'z:/', '..', '../x', 'a/../../x', 'a\\..\\b', 'a/..'])('%s escapes', (name) => {
    expect(isEscapingName(name)).toBe(true);
  });
  it.each(['archive/data.pkl', 'a..b/c', '..x', 'x..', '...', 'a/.../b', 'x/C:y', 'x\\/', '1:x', ':x', 'é:x', 'a/b/', ''])('%s stays inside', (name) => {
    expect(isEscapingName(name)).toBe(false);
  });
});
