// Reads the header of a GGUF file (versions 2 and 3): its metadata key/values and tensor infos, streaming through
// a bounded window. Large arrays (tokenizer vocabularies) are skipped over, never materialised.

import { HeaderReader } from './header-reader.js';
import type { ModelInterface, Tensor } from './types.js';

export const GGUF_MAGIC = 'GGUF';

/** ggml_type ids as written in tensor infos; ids missing here are shown as "type<N>". */
export const GGML_TYPES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1',
  // 4 and 5 (Q4_2, Q4_3) and 31..33, 36..38 (repacked variants) were removed from ggml but old files may hold them.
  4: 'Q4_2', 5: 'Q4_3',
  6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1',
  10: 'Q2_K', 11: 'Q3_K', 12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K',
  16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS',
  24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 30: 'BF16',
  31: 'Q4_0_4_4', 32: 'Q4_0_4_8', 33: 'Q4_0_8_8', 34: 'TQ1_0', 35: 'TQ2_0',
  36: 'IQ4_NL_4_4', 37: 'IQ4_NL_4_8', 38: 'IQ4_NL_8_8', 39: 'MXFP4',
};

/** Metadata value type ids. */
export const GgufValueType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9,
  UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

/**
 * [elements per block, bytes per block] for the ggml types whose layout is long settled, so a tensor's data can be
 * checked to lie inside the file (a truncated download is the common way a GGUF file goes bad). Other types get
 * only the offset check.
 */
const GGML_BLOCKS: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 30: [1, 2],
};

const DEFAULT_ALIGNMENT = 32;

const FIXED_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

// Limits far above any real model (a few thousand tensors, a few dozen keys) and far below what would hurt memory.
const MAX_TENSORS = 100_000;
const MAX_KVS = 100_000;
const MAX_KEY_BYTES = 64 * 1024;
const MAX_TENSOR_NAME_BYTES = 4096;
const MAX_DIMS = 16;
const MAX_ARRAY_DEPTH = 4;
/** Most variable-size items (strings, nested arrays) in one array; a large tokenizer vocabulary has ~500k. */
const MAX_WALKED_ITEMS = 4_000_000;
/** Variable-size array items walked so far in each file being read. */
const WALKED = new WeakMap<HeaderReader, number>();
/** Arrays up to this many items are kept in `metadata` (as JSON text); longer ones are skipped. */
const SHORT_ARRAY = 16;
/** String values longer than this (chat templates, licences) are left out of `metadata`. */
const KEPT_STRING_BYTES = 1024;
/** The most metadata entries kept, and the longest key kept: enough for every real key, bounded against hostile files. */
const MAX_KEPT_METADATA = 4096;
const MAX_KEPT_KEY = 256;
/** Total bytes of tensor names held: real models need well under 1 MiB. */
const MAX_NAME_BUDGET = 16 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readGguf(path: string): Promise<ModelInterface> {
  return HeaderReader.read(path, readHeader);
}

/** A file whose first bytes are the GGUF magic is a GGUF file whatever its name (a magic that cannot be mistaken). */
export function looksLikeGguf(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === GGUF_MAGIC;
}

async function readHeader(r: HeaderReader): Promise<ModelInterface> {
  if (r.size < 24) throw r.fail(`file is ${r.size} bytes, too short for a GGUF header`);
  const magic = (await r.fixed(4)).toString('latin1');
  if (magic !== GGUF_MAGIC) throw r.fail(`not a GGUF file (magic ${JSON.stringify(magic)})`);
  const version = await r.u32();
  // Version 1 used 32-bit counts; a byte-swapped version means a big-endian file, which we do not decode.
  if (version !== 2 && version !== 3) throw r.fail(`unsupported GGUF version ${version} (mreg reads versions 2 and 3)`);
  const tensorCount = await r.u64();
  const kvCount = await r.u64();
  // Smallest possible entries: a kv is key length (8) + 1 byte key + type (4) + 1 byte value;
  // a tensor info is name length (8) + n_dims (4) + type (4) + offset (8).
  checkCount(r, 'metadata key/value count', kvCount, MAX_KVS, 14);
  checkCount(r, 'tensor count', tensorCount, MAX_TENSORS, 24);

  const kept: [string, string][] = [];
  for (let i = 0; i < Number(kvCount); i++) {
    const key = await readString(r, MAX_KEY_BYTES, `metadata key #${i}`);
    const type = await r.u32();
    const value = await readValue(r, type, key, 0);
    if (value !== undefined && kept.length < MAX_KEPT_METADATA && key.length <= MAX_KEPT_KEY) kept.push([key, value]);
  }

  const alignment = alignmentOf(r, kept);
  const weights: Tensor[] = [];
  const placed: { name: string; offset: bigint; bytes: bigint | undefined }[] = [];
  const seen = new Set<string>();
  let nameBytes = 0;
  for (let i = 0; i < Number(tensorCount); i++) {
    const name = await readString(r, MAX_TENSOR_NAME_BYTES, `tensor name #${i}`);
    nameBytes += name.length;
    if (nameBytes > MAX_NAME_BUDGET) throw r.fail(`tensor names add up to more than ${MAX_NAME_BUDGET / 1024 / 1024} MiB`);
    if (seen.has(name)) throw r.fail(`tensor '${name}' appears twice`);
    seen.add(name);
    const nDims = await r.u32();
    if (nDims > MAX_DIMS) throw r.fail(`tensor '${name}' has ${nDims} dimensions (at most ${MAX_DIMS} allowed)`);
    // ggml order (innermost dimension first), as gguf tools print it.
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const dim = await r.u64();
      if (dim > BigInt(Number.MAX_SAFE_INTEGER)) throw r.fail(`tensor '${name}' has an absurd dimension ${dim}`);
      shape.push(Number(dim));
    }
    const typeId = await r.u32();
    const offset = await r.u64();
    if (offset % BigInt(alignment) !== 0n) throw r.fail(`tensor '${name}' data offset ${offset} is not a multiple of the alignment ${alignment}`);
    weights.push({ name, dtype: GGML_TYPES[typeId] ?? `type${typeId}`, shape });
    placed.push({ name, offset, bytes: tensorBytes(typeId, shape) });
  }

  if (placed.length > 0) {
    const dataStart = BigInt(Math.ceil(r.pos / alignment) * alignment);
    const dataSize = BigInt(r.size) - dataStart;
    for (const t of placed) {
      const end = t.offset + (t.bytes ?? 0n);
      if (end > dataSize || t.offset > dataSize) {
        throw r.fail(`tensor '${t.name}' data (${t.bytes ?? '?'} bytes at offset ${t.offset}) is past the end of the file (${r.size} bytes): is the file truncated?`);
      }
    }
  }

  // fromEntries defines own properties, so a key like "__proto__" stays data instead of touching the prototype.
  const metadata = Object.fromEntries(kept) as Record<string, string>;
  return { format: 'gguf', inputs: [], outputs: [], weights, metadata };
}

function alignmentOf(r: HeaderReader, kept: [string, string][]): number {
  const declared = kept.find(([key]) => key === 'general.alignment')?.[1];
  if (declared === undefined) return DEFAULT_ALIGNMENT;
  const value = Number(declared);
  // ggml pads with bit masks, so only a power of two works; a huge one would make offsets meaningless.
  if (!Number.isInteger(value) || value <= 0 || value > 1 << 20 || (value & (value - 1)) !== 0) {
    throw r.fail(`general.alignment ${declared} is not a power of two up to 1 MiB`);
  }
  return value;
}

function tensorBytes(typeId: number, shape: readonly number[]): bigint | undefined {
  const block = GGML_BLOCKS[typeId];
  if (!block) return undefined;
  const [first = 1, ...rest] = shape;
  const rows = rest.reduce((acc, d) => acc * BigInt(d), 1n);
  return rows * BigInt(Math.ceil(first / block[0])) * BigInt(block[1]);
}

function checkCount(r: HeaderReader, what: string, count: bigint, max: number, minBytesEach: number): void {
  if (count > BigInt(max)) throw r.fail(`${what} ${count} is over the limit of ${max}`);
  if (count * BigInt(minBytesEach) > BigInt(r.remaining)) {
    throw r.fail(`${what} ${count} cannot fit in the rest of the file (${r.remaining} bytes)`);
  }
}

async function readString(r: HeaderReader, maxBytes: number, what: string): Promise<string> {
  const length = await r.u64();
  if (length > BigInt(r.remaining)) throw r.fail(`${what}: string length ${length} is past the end of the file (${r.size} bytes)`);
  if (length > BigInt(maxBytes)) throw r.fail(`${what}: string length ${length} is over the limit of ${maxBytes} bytes`);
  return decode(r, await r.bytes(Number(length)), what);
}

function decode(r: HeaderReader, bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw r.fail(`${what} is not valid UTF-8`);
  }
}

/** Reads one value and returns its `metadata` form, or undefined when it is too big to keep (it is skipped). */
async function readValue(r: HeaderReader, type: number, key: string, depth: number): Promise<string | undefined> {
  if (type === GgufValueType.ARRAY) {
    if (depth >= MAX_ARRAY_DEPTH) throw r.fail(`'${key}': arrays nested deeper than ${MAX_ARRAY_DEPTH} levels`);
    const itemType = await r.u32();
    const count = await r.u64();
    const minItem = itemType === GgufValueType.STRING ? 8 : itemType === GgufValueType.ARRAY ? 12 : FIXED_SIZE[itemType];
    if (minItem === undefined) throw r.fail(`'${key}': unknown array item type ${itemType}`);
    if (count * BigInt(minItem) > BigInt(r.remaining)) {
      throw r.fail(`'${key}': array of ${count} items cannot fit in the rest of the file (${r.remaining} bytes)`);
    }
    if (count > BigInt(SHORT_ARRAY) || itemType === GgufValueType.ARRAY) {
      await skipItems(r, itemType, count, key, depth + 1);
      return undefined;
    }
    const items: unknown[] = [];
    let keep = true;
    for (let i = 0; i < Number(count); i++) {
      const item = await readScalar(r, itemType, key);
      if (item === undefined) keep = false;
      else items.push(item);
    }
    return keep ? JSON.stringify(items) : undefined;
  }
  const value = await readScalar(r, type, key);
  return value === undefined ? undefined : String(value);
}

/** A scalar as JSON-friendly data: numbers when exact, 64-bit integers as strings, long strings left out. */
async function readScalar(r: HeaderReader, type: number, key: string): Promise<string | number | boolean | undefined> {
  switch (type) {
    case GgufValueType.UINT8: return (await r.fixed(1)).readUInt8(0);
    case GgufValueType.INT8: return (await r.fixed(1)).readInt8(0);
    case GgufValueType.UINT16: return (await r.fixed(2)).readUInt16LE(0);
    case GgufValueType.INT16: return (await r.fixed(2)).readInt16LE(0);
    case GgufValueType.UINT32: return (await r.fixed(4)).readUInt32LE(0);
    case GgufValueType.INT32: return (await r.fixed(4)).readInt32LE(0);
    case GgufValueType.FLOAT32: return shortestFloat32((await r.fixed(4)).readFloatLE(0));
    case GgufValueType.BOOL: return (await r.fixed(1)).readUInt8(0) !== 0;
    case GgufValueType.UINT64: return exactInteger((await r.fixed(8)).readBigUInt64LE(0));
    case GgufValueType.INT64: return exactInteger((await r.fixed(8)).readBigInt64LE(0));
    case GgufValueType.FLOAT64: return finite((await r.fixed(8)).readDoubleLE(0));
    case GgufValueType.STRING: {
      const length = await r.u64();
      if (length > BigInt(r.remaining)) throw r.fail(`'${key}': string length ${length} is past the end of the file (${r.size} bytes)`);
      if (length > BigInt(KEPT_STRING_BYTES)) {
        r.skip(length);
        return undefined;
      }
      return decode(r, await r.bytes(Number(length)), `'${key}'`);
    }
    default:
      throw r.fail(`'${key}': unknown value type ${type}`);
  }
}

async function skipItems(r: HeaderReader, itemType: number, count: bigint, key: string, depth: number): Promise<void> {
  const size = FIXED_SIZE[itemType];
  if (size !== undefined) {
    r.skip(count * BigInt(size));
    return;
  }
  // Items of variable size are walked one by one: bounded (for the whole file, nested arrays included) before
  // walking, so a hostile count costs nothing.
  const walked = (WALKED.get(r) ?? 0) + Number(count);
  if (walked > MAX_WALKED_ITEMS) {
    throw r.fail(`'${key}': array of ${count} variable-size items takes the file past the limit of ${MAX_WALKED_ITEMS} such items`);
  }
  WALKED.set(r, walked);
  if (itemType === GgufValueType.STRING) return skipStrings(r, Number(count), key);
  for (let i = 0n; i < count; i++) await readValue(r, GgufValueType.ARRAY, key, depth);
}

/** Skips `count` length-prefixed strings, those wholly inside the read window without awaiting each one. */
async function skipStrings(r: HeaderReader, count: number, key: string): Promise<void> {
  let i = 0;
  while (i < count) {
    const { buf, at, available } = await r.view(64 * 1024);
    const end = at + available;
    let off = at;
    while (i < count && off + 8 <= end) {
      const high = buf.readUInt32LE(off + 4);
      const next = off + 8 + buf.readUInt32LE(off);
      if (high !== 0 || next > end) break;
      off = next;
      i++;
    }
    if (off > at) {
      r.pos += off - at;
      continue;
    }
    // A string that runs past the window (or a length field split by its end): the slow, checked way.
    const length = await r.u64();
    if (length > BigInt(r.remaining)) throw r.fail(`'${key}': item ${i} string length ${length} is past the end of the file (${r.size} bytes)`);
    r.skip(length);
    i++;
  }
}

function exactInteger(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** NaN and infinities have no JSON form; keep them readable as text. */
function finite(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/** The shortest decimal that reads back as the same float32, so 1e-5 shows as 0.00001 and not 0.000009999999747. */
function shortestFloat32(x: number): number | string {
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}
