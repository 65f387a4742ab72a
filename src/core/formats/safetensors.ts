// Reads the JSON header of a .safetensors file (never the weights after it) and checks it the way a loader would,
// so a hostile header is an INVALID_HEADER error rather than a crash or a huge allocation.

import { HeaderReader } from './header-reader.js';
import type { ModelInterface, Tensor } from './types.js';

/** The reference implementation refuses headers above 100 MB; a bigger length field is garbage or an attack. */
export const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;

/** Bytes per element of the dtypes whose tensor sizes we can check. Sub-byte and unknown dtypes are not checked. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  U16: 2, I16: 2, F16: 2, BF16: 2,
  U32: 4, I32: 4, F32: 4,
  U64: 8, I64: 8, F64: 8, C64: 8,
};

const MAX_RANK = 64;

/**
 * Bounds on the JSON itself, checked by one pass over the bytes before JSON.parse builds anything: a valid
 * header nests 3 deep ({name: {shape: [...]}}), and a 100 MB header of `[` or of a million-element shape would
 * otherwise cost JSON.parse minutes and gigabytes.
 */
export const SAFETENSORS_JSON_LIMITS = {
  /** Deepest nesting of objects and arrays. */
  maxDepth: 8,
  /** Most JSON values (array elements and object members, counted by their separators) in the whole header. */
  maxValues: 2_000_000,
};

/**
 * Checks JSON text against SAFETENSORS_JSON_LIMITS chunk by chunk, so a refused header is refused after reading
 * only as far as the problem; strings are skipped whole, escapes included.
 */
class JsonShape {
  private depth = 0;
  private values = 0;
  private inString = false;
  private escaped = false;

  /** Why the text so far is outside the limits, or undefined. */
  feed(chunk: Uint8Array): string | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) {
        this.inString = true;
      } else if (c === 0x5b || c === 0x7b) {
        if (++this.depth > SAFETENSORS_JSON_LIMITS.maxDepth) return `nesting deeper than ${SAFETENSORS_JSON_LIMITS.maxDepth} levels (the limit)`;
        this.values++;
      } else if (c === 0x5d || c === 0x7d) {
        this.depth--;
      } else if (c === 0x2c) {
        if (++this.values > SAFETENSORS_JSON_LIMITS.maxValues) return `more than ${SAFETENSORS_JSON_LIMITS.maxValues} values (the limit)`;
      }
    }
    return undefined;
  }
}

const HEADER_CHUNK = 1024 * 1024;

export function readSafetensors(path: string): Promise<ModelInterface> {
  return HeaderReader.read(path, readHeader);
}

/**
 * A file of `size` bytes whose first 9 bytes are a header length that fits the file (and the limit) followed by
 * '{' is taken for safetensors whatever its name: random bytes almost never pass both tests.
 */
export function looksLikeSafetensors(head: Buffer, size: number): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const length = head.readBigUInt64LE(0);
  return length >= 2n && length <= BigInt(Math.min(MAX_SAFETENSORS_HEADER, size - 8));
}

async function readHeader(r: HeaderReader): Promise<ModelInterface> {
  if (r.size < 8) throw r.fail(`file is ${r.size} bytes, too short to hold the 8-byte header length`);
  const length = (await r.exact(8)).readBigUInt64LE(0);
  if (length > BigInt(r.remaining)) {
    throw r.fail(`header length ${length} is past the end of the file (${r.size} bytes)`);
  }
  if (length > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw r.fail(`header length ${length} is over the ${MAX_SAFETENSORS_HEADER / 1024 / 1024} MiB limit`);
  }
  const n = Number(length);
  const shape = new JsonShape();
  const chunks: Buffer[] = [];
  for (let done = 0; done < n; ) {
    const chunk = await r.exact(Math.min(HEADER_CHUNK, n - done));
    const problem = shape.feed(chunk);
    if (problem !== undefined) throw r.fail(`header JSON has ${problem}`);
    chunks.push(chunk);
    done += chunk.length;
  }
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    throw r.fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) throw r.fail('header is not a JSON object');

  const dataSize = r.size - 8 - n;
  const weights: Tensor[] = [];
  const spans: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> | undefined;

  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      // The reference implementation reads a null __metadata__ as "none".
      if (entry !== null) metadata = readMetadata(r, entry);
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isPlainObject(entry)) throw r.fail(`${where} is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !/^[A-Za-z0-9_]{1,32}$/.test(dtype)) {
      throw r.fail(`${where} has no valid dtype`);
    }
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isSize)) {
      throw r.fail(`${where} shape is not a list of at most ${MAX_RANK} non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
      throw r.fail(`${where} data_offsets is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) {
      throw r.fail(`${where} data_offsets [${begin}, ${end}] are outside the ${dataSize} bytes of tensor data`);
    }
    const bytesPerElement = DTYPE_BYTES[dtype];
    if (bytesPerElement !== undefined) {
      const expected = (shape as number[]).reduce((acc, d) => acc * BigInt(d), 1n) * BigInt(bytesPerElement);
      if (expected !== BigInt(end - begin)) {
        throw r.fail(`${where} is ${dtype} ${JSON.stringify(shape)}, which needs ${expected} bytes, but data_offsets span ${end - begin}`);
      }
    }
    weights.push({ name, dtype, shape: shape as number[] });
    spans.push({ name, begin, end });
  }

  // Overlapping tensors would mean two names alias the same bytes: a loader would hand out corrupted weights.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.begin < prev.end) {
      throw r.fail(`tensors '${prev.name}' and '${cur.name}' overlap in the data (bytes ${cur.begin}..${prev.end})`);
    }
  }

  weights.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { format: 'safetensors', inputs: [], outputs: [], weights, ...(metadata ? { metadata } : {}) };
}

function readMetadata(r: HeaderReader, value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw r.fail('__metadata__ is not an object');
  const entries = Object.entries(value);
  for (const [key, v] of entries) {
    if (typeof v !== 'string') throw r.fail(`__metadata__ '${key}' is not a string`);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays data instead of touching the prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
