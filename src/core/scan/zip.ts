// Minimal ZIP reader for hostile archives (PyTorch checkpoints, .npz): reads the central directory
// (ZIP64 included) and one member at a time, stored or deflated, with every size checked and capped.

import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { MregError } from '../../errors.js';
import { bytesSource, type ByteSource } from './pickle.js';

export const ZIP_LIMITS = {
  /** The EOCD record sits within its 22 bytes plus a comment of at most 65,535 bytes from the end. */
  eocdSearch: 22 + 0xffff,
  /** Largest central directory read (a million entries need about 50 MiB). */
  maxCentralDirectory: 256 * 1024 * 1024,
  /** Largest member decompressed or read whole into memory. */
  maxMemberBytes: 1024 * 1024 * 1024,
  /**
   * Past this size, a member whose declared ratio exceeds maxRatio is refused as a decompression
   * bomb before any inflating starts (deflate tops out near 1032:1, so larger ratios are lies).
   */
  bombThreshold: 64 * 1024 * 1024,
  maxRatio: 200,
};

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate; anything else cannot be read here. */
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  zip64: boolean;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

function bad(message: string): MregError {
  return new MregError('INVALID_INPUT', `malformed zip: ${message}`);
}

function readAt(src: ByteSource, offset: number, length: number, what: string): DataView {
  if (!(offset >= 0 && length >= 0 && offset + length <= src.size)) {
    throw bad(`${what} at offset ${offset} (${length} bytes) lies outside the ${src.size}-byte file`);
  }
  const b = src.read(offset, length);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} is absurdly large (${v})`);
  return Number(v);
}

/** Finds the last EOCD signature in the tail, as Python's zipfile does. */
function findEocd(src: ByteSource): number {
  if (src.size < 22) throw bad('file is too short to hold an end-of-central-directory record');
  const start = Math.max(0, src.size - ZIP_LIMITS.eocdSearch);
  const tail = src.read(start, src.size - start);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) return start + i;
  }
  throw bad('no end-of-central-directory record in the last 64 KiB');
}

/**
 * Reads the central directory. Throws MregError('INVALID_INPUT') on anything inconsistent: a reader
 * that guessed its way past a broken directory could see different members than the real loader.
 */
export function readZipDirectory(src: ByteSource): ZipDirectory {
  const eocdAt = findEocd(src);
  const eocd = readAt(src, eocdAt, 22, 'end-of-central-directory record');
  let disk = eocd.getUint16(4, true);
  let cdDisk = eocd.getUint16(6, true);
  let count = eocd.getUint16(10, true);
  let cdSize = eocd.getUint32(12, true);
  let cdOffset = eocd.getUint32(16, true);
  let directoryEnd = eocdAt;
  let zip64 = false;

  // Like Python's zipfile, look for a ZIP64 locator whether or not the classic fields are saturated.
  if (eocdAt >= 20) {
    const locatorAt = eocdAt - 20;
    const locator = readAt(src, locatorAt, 20, 'ZIP64 locator');
    if (locator.getUint32(0, true) === SIG_EOCD64_LOCATOR) {
      const recordAt = u64(locator, 8, 'ZIP64 end-of-central-directory offset');
      const record = readAt(src, recordAt, 56, 'ZIP64 end-of-central-directory record');
      if (record.getUint32(0, true) !== SIG_EOCD64) throw bad(`no ZIP64 end-of-central-directory record at offset ${recordAt}`);
      if (recordAt + 56 > locatorAt) throw bad('ZIP64 end-of-central-directory record overlaps its locator');
      disk = record.getUint32(16, true);
      cdDisk = record.getUint32(20, true);
      count = u64(record, 32, 'ZIP64 entry count');
      cdSize = u64(record, 40, 'ZIP64 central directory size');
      cdOffset = u64(record, 48, 'ZIP64 central directory offset');
      directoryEnd = recordAt;
      zip64 = true;
    }
  }
  if (disk !== 0 || cdDisk !== 0) throw bad('multi-disk archives are not supported');
  if (cdSize > ZIP_LIMITS.maxCentralDirectory) {
    throw bad(`central directory of ${cdSize} bytes is larger than the ${ZIP_LIMITS.maxCentralDirectory}-byte limit`);
  }
  if (cdOffset + cdSize > directoryEnd) {
    throw bad(`central directory (offset ${cdOffset}, ${cdSize} bytes) runs past the end-of-central-directory record at ${directoryEnd}`);
  }
  if (count * 46 > cdSize) throw bad(`${count} entries cannot fit in a ${cdSize}-byte central directory`);

  const cd = src.read(cdOffset, cdSize);
  const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries: ZipEntry[] = [];
  let p = 0;
  while (p < cdSize) {
    if (p + 46 > cdSize) throw bad(`truncated central directory entry at offset ${cdOffset + p}`);
    if (view.getUint32(p, true) !== SIG_CENTRAL) throw bad(`bad central directory signature at offset ${cdOffset + p}`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let uncompressedSize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const diskStart = view.getUint16(p + 34, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdSize) throw bad(`central directory entry at offset ${cdOffset + p} runs past the directory`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    // Bit 11 says UTF-8; otherwise CP437, which agrees with latin1 on the ASCII names that matter here.
    const name = ((flags & 0x800) !== 0 ? utf8 : latin1).decode(nameBytes);

    // ZIP64 extended information: only the saturated fields are present, in this fixed order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const size = view.getUint16(e + 2, true);
      if (e + 4 + size > extraEnd) throw bad(`extra field of entry ${JSON.stringify(name)} runs past its end`);
      if (id === 0x0001) {
        let f = e + 4;
        const next = (what: string): number => {
          if (f + 8 > e + 4 + size) throw bad(`ZIP64 extra field of entry ${JSON.stringify(name)} lacks its ${what}`);
          const v = u64(view, f, what);
          f += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next('uncompressed size');
        if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('local header offset');
      }
      e += 4 + size;
    }
    if (diskStart !== 0 && diskStart !== 0xffff) throw bad(`entry ${JSON.stringify(name)} starts on another disk`);
    entries.push({ name, method, flags, compressedSize, uncompressedSize, localHeaderOffset });
    p = end;
  }
  // Python's zipfile walks the directory by size and miniz (inside PyTorch) by count: disagreement
  // between the two is how an archive shows different members to different readers.
  if (entries.length !== count) throw bad(`end record announces ${count} entries but the directory holds ${entries.length}`);
  return { entries, zip64 };
}

/** Offset of a member's data, from its local header (whose own name and extra lengths may differ). */
function dataOffset(src: ByteSource, entry: ZipEntry): number {
  const local = readAt(src, entry.localHeaderOffset, 30, `local header of ${JSON.stringify(entry.name)}`);
  if (local.getUint32(0, true) !== SIG_LOCAL) throw bad(`no local header for ${JSON.stringify(entry.name)} at offset ${entry.localHeaderOffset}`);
  const start = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (start + entry.compressedSize > src.size) {
    throw bad(`data of ${JSON.stringify(entry.name)} (${entry.compressedSize} bytes at offset ${start}) runs past the end of the file`);
  }
  return start;
}

function checkReadable(entry: ZipEntry): void {
  if ((entry.flags & 0x1) !== 0) throw bad(`member ${JSON.stringify(entry.name)} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw bad(`member ${JSON.stringify(entry.name)} uses compression method ${entry.method}; only stored and deflate are supported`);
  }
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw bad(`stored member ${JSON.stringify(entry.name)} declares different compressed and uncompressed sizes`);
  }
}

function sliceSource(src: ByteSource, start: number, size: number): ByteSource {
  return { size, read: (offset, length) => src.read(start + offset, length) };
}

/**
 * A member's bytes. Stored members are a window onto the archive (nothing is copied, so a huge
 * tensor file costs nothing); deflated ones are inflated into memory, never past `maxBytes`.
 */
export function openZipMember(src: ByteSource, entry: ZipEntry, maxBytes = ZIP_LIMITS.maxMemberBytes): ByteSource {
  checkReadable(entry);
  const start = dataOffset(src, entry);
  if (entry.method === 0) return sliceSource(src, start, entry.compressedSize);
  const declared = entry.uncompressedSize;
  if (declared > maxBytes) throw bad(`member ${JSON.stringify(entry.name)} would inflate to ${declared} bytes, past the ${maxBytes}-byte limit`);
  if (declared > ZIP_LIMITS.bombThreshold && declared > ZIP_LIMITS.maxRatio * Math.max(1, entry.compressedSize)) {
    const ratio = Math.round(declared / Math.max(1, entry.compressedSize));
    throw bad(`member ${JSON.stringify(entry.name)} claims a ${ratio}:1 compression ratio (decompression bomb?)`);
  }
  let out: Buffer;
  try {
    // The cap is the declared size: a stream that inflates to more is lying, and stops right there.
    out = inflateRawSync(src.read(start, entry.compressedSize), { maxOutputLength: Math.max(1, declared) });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    const why = tooBig ? 'inflates past its declared size' : `does not inflate (${(err as Error).message})`;
    throw bad(`member ${JSON.stringify(entry.name)} ${why}`);
  }
  if (out.length !== declared) throw bad(`member ${JSON.stringify(entry.name)} inflates to ${out.length} bytes, not the declared ${declared}`);
  return bytesSource(out);
}

/**
 * The first `length` bytes of a member (fewer if it is shorter), inflating only as much compressed
 * input as needed: enough to read an .npy header without unpacking a multi-gigabyte array.
 */
export function readZipMemberPrefix(src: ByteSource, entry: ZipEntry, length: number): Uint8Array {
  checkReadable(entry);
  const start = dataOffset(src, entry);
  const want = Math.min(length, entry.uncompressedSize);
  if (entry.method === 0) return src.read(start, want);
  for (let input = 4096; ; input *= 4) {
    const n = Math.min(input, entry.compressedSize);
    let out: Buffer;
    try {
      // Deflate expands at most ~1032×, so this cap only trips on a corrupt stream.
      out = inflateRawSync(src.read(start, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, n * 1100) });
    } catch (err) {
      throw bad(`member ${JSON.stringify(entry.name)} does not inflate (${(err as Error).message})`);
    }
    if (out.length >= want || n === entry.compressedSize) return out.subarray(0, want);
  }
}

/** True for names a careless extractor would write outside its target directory. */
export function isEscapingName(name: string): boolean {
  return /^([/\\]|[a-zA-Z]:)/.test(name) || name.split(/[/\\]/).includes('..');
}
