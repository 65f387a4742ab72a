// Writers for small but real model files (safetensors, GGUF, ONNX), built from each format's own rules and not
// from mreg's readers, so tests check the readers against the formats. Big payloads are written in 1 MiB chunks,
// which lets a test make a 200 MiB fixture without holding it in memory.

import { open, type FileHandle } from 'node:fs/promises';
import { expect } from 'vitest';
import { MregError } from '../../src/errors.js';

/** Tensor bytes: given literally, or `size` bytes of `fill` (default 0) written in chunks. */
export type Payload = Uint8Array | { size: number; fill?: number };

const CHUNK = 1024 * 1024;

/** A piece of an encoded file: literal bytes, or `size` bytes of `fill` written lazily. */
export type Part = Uint8Array | { size: number; fill: number };

function partSize(p: Part): number {
  return p instanceof Uint8Array ? p.length : p.size;
}

function payloadPart(p: Payload): Part {
  return p instanceof Uint8Array ? p : { size: p.size, fill: p.fill ?? 0 };
}

async function writeParts(path: string, parts: readonly Part[]): Promise<void> {
  const handle = await open(path, 'w');
  // Small parts are gathered into ~1 MiB writes: one syscall per protobuf field would make big graphs slow to write.
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  const flush = async (): Promise<void> => {
    if (pendingSize > 0) await handle.write(Buffer.concat(pending));
    pending = [];
    pendingSize = 0;
  };
  try {
    for (const part of parts) {
      if (partSize(part) < CHUNK) {
        const bytes = part instanceof Uint8Array ? part : Buffer.alloc(part.size, part.fill);
        pending.push(bytes);
        pendingSize += bytes.length;
        if (pendingSize >= CHUNK) await flush();
      } else {
        await flush();
        await writePart(handle, part);
      }
    }
    await flush();
  } finally {
    await handle.close();
  }
}

async function writePart(handle: FileHandle, part: Part): Promise<void> {
  if (part instanceof Uint8Array) {
    if (part.length > 0) await handle.write(part);
    return;
  }
  const chunk = Buffer.alloc(Math.min(CHUNK, part.size), part.fill);
  for (let left = part.size; left > 0; left -= chunk.length) {
    await handle.write(chunk, 0, Math.min(chunk.length, left));
  }
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// safetensors: u64 LE header length, JSON header (padded with spaces to 8 bytes), then the tensor bytes.

/** Bytes per element, from the safetensors spec. */
export const SAFETENSORS_DTYPE_SIZE: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, U16: 2, I16: 2, F16: 2, BF16: 2, U32: 4, I32: 4, F32: 4,
  U64: 8, I64: 8, F64: 8,
};

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Defaults to zeros of the size the dtype and shape need. */
  data?: Payload;
}

/** The header JSON a writer produces for these tensors (tests use it to build hostile variants). */
export function safetensorsHeader(tensors: readonly SafetensorsTensor[], metadata?: Record<string, string>): Record<string, unknown> {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = safetensorsSize(t);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  return header;
}

function safetensorsSize(t: SafetensorsTensor): number {
  if (t.data) return partSize(payloadPart(t.data));
  const bytes = SAFETENSORS_DTYPE_SIZE[t.dtype];
  if (bytes === undefined) throw new Error(`writeSafetensors: give data for dtype ${t.dtype}`);
  return elementCount(t.shape) * bytes;
}

/** Frames a header (object or raw JSON text) the way the format does, with its length and padding. */
export function safetensorsPrefix(header: Record<string, unknown> | string): Buffer {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  const padding = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(padding);
  const body = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(body.length));
  return Buffer.concat([prefix, body]);
}

export async function writeSafetensors(
  path: string,
  tensors: readonly SafetensorsTensor[],
  metadata?: Record<string, string>,
): Promise<void> {
  const parts: Part[] = [safetensorsPrefix(safetensorsHeader(tensors, metadata))];
  for (const t of tensors) parts.push(t.data ? payloadPart(t.data) : { size: safetensorsSize(t), fill: 0 });
  await writeParts(path, parts);
}

// ---------------------------------------------------------------------------------------------------------------
// GGUF: magic, version, tensor count, kv count, kvs, tensor infos, padding to the alignment, tensor data.

/** ggml type ids (ggml.h), for the types fixtures use. */
export const GGML_TYPE_ID: Readonly<Record<string, number>> = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13,
  Q6_K: 14, Q8_K: 15, IQ2_XXS: 16, IQ4_XS: 23, I8: 24, I16: 25, I32: 26, I64: 27, F64: 28, BF16: 30, TQ2_0: 35,
};

/** [elements per block, bytes per block] from ggml, so fixtures hold the right amount of data. */
const GGML_BLOCK: Readonly<Record<string, [number, number]>> = {
  F32: [1, 4], F16: [1, 2], BF16: [1, 2], F64: [1, 8], I8: [1, 1], I16: [1, 2], I32: [1, 4], I64: [1, 8],
  Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22], Q5_1: [32, 24], Q8_0: [32, 34], Q4_K: [256, 144], Q6_K: [256, 210],
};

const GGUF_TYPE = {
  uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9,
  uint64: 10, int64: 11, float64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof GGUF_TYPE, 'array'>;
type Scalar = string | number | bigint | boolean;

/**
 * A metadata value. Plain JS values are typed for you: string, boolean, bigint (uint64), integer (uint32, or int32
 * if negative, or int64 if large), other numbers (float32), arrays (typed by their first item). Use the object forms
 * for an exact type, or a generated array of `count` items (written in chunks, for vocabulary-sized arrays).
 */
export type GgufValue =
  | Scalar
  | GgufValue[]
  | { type: GgufScalarType; value: Scalar }
  | { type: 'array'; itemType: GgufScalarType; items: Scalar[] }
  | { type: 'array'; itemType: GgufScalarType; count: number; item: (i: number) => Scalar }
  | { type: 'array'; itemType: 'array'; items: GgufValue[] };

export interface GgufTensor {
  name: string;
  /** In ggml order (innermost first), as the file stores it. */
  shape: number[];
  /** ggml type name (F32, Q4_K, …) or id; default F32. */
  type?: string | number;
  /** Data bytes; defaults to the size the type and shape need (zeros). */
  data?: Payload;
}

export interface GgufSpec {
  version?: number;
  kvs?: Record<string, GgufValue> | [string, GgufValue][];
  tensors?: GgufTensor[];
  /** Data alignment; when given, general.alignment is written too (unless kvs has it). Default 32. */
  alignment?: number;
}

/** Collects small writes into ~1 MiB parts, so encoding a vocabulary-sized array stays linear. */
class Bytes {
  readonly parts: Part[] = [];
  private pending: Uint8Array[] = [];
  private pendingSize = 0;

  u8(v: number): this { return this.raw(Buffer.from([v])); }
  u32(v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v); return this.raw(b); }
  u64(v: number | bigint): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return this.raw(b); }
  str(s: string): this { const b = Buffer.from(s, 'utf8'); return this.u64(b.length).raw(b); }
  raw(b: Uint8Array): this {
    this.pending.push(Buffer.from(b));
    this.pendingSize += b.length;
    if (this.pendingSize >= CHUNK) this.flush();
    return this;
  }
  get size(): number {
    return this.parts.reduce((a, p) => a + partSize(p), 0) + this.pendingSize;
  }
  flush(): this {
    if (this.pendingSize > 0) this.parts.push(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingSize = 0;
    return this;
  }
}

function inferGguf(value: Scalar): GgufScalarType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return value < 0n ? 'int64' : 'uint64';
  if (!Number.isInteger(value)) return 'float32';
  if (value >= 0 && value <= 0xffffffff) return 'uint32';
  if (value >= -0x80000000 && value < 0) return 'int32';
  return 'int64';
}

function writeGgufScalar(out: Bytes, type: GgufScalarType, v: Scalar): void {
  const b8 = Buffer.alloc(8);
  switch (type) {
    case 'uint8': out.raw(Buffer.from([Number(v)])); break;
    case 'int8': b8.writeInt8(Number(v)); out.raw(b8.subarray(0, 1)); break;
    case 'uint16': b8.writeUInt16LE(Number(v)); out.raw(b8.subarray(0, 2)); break;
    case 'int16': b8.writeInt16LE(Number(v)); out.raw(b8.subarray(0, 2)); break;
    case 'uint32': b8.writeUInt32LE(Number(v)); out.raw(b8.subarray(0, 4)); break;
    case 'int32': b8.writeInt32LE(Number(v)); out.raw(b8.subarray(0, 4)); break;
    case 'float32': b8.writeFloatLE(Number(v)); out.raw(b8.subarray(0, 4)); break;
    case 'bool': out.raw(Buffer.from([v ? 1 : 0])); break;
    case 'string': out.str(String(v)); break;
    case 'uint64': b8.writeBigUInt64LE(BigInt(v)); out.raw(b8); break;
    case 'int64': b8.writeBigInt64LE(BigInt(v)); out.raw(b8); break;
    case 'float64': b8.writeDoubleLE(Number(v)); out.raw(b8); break;
  }
}

/** Writes the value type id and the value. */
function writeGgufValue(out: Bytes, value: GgufValue): void {
  if (Array.isArray(value)) {
    const first = value[0];
    if (first !== undefined && (Array.isArray(first) || typeof first === 'object')) {
      writeGgufValue(out, { type: 'array', itemType: 'array', items: value });
    } else {
      const itemType = first === undefined ? 'uint32' : inferGguf(first as Scalar);
      writeGgufValue(out, { type: 'array', itemType, items: value as Scalar[] });
    }
    return;
  }
  if (typeof value !== 'object') {
    const type = inferGguf(value);
    out.u32(GGUF_TYPE[type]);
    writeGgufScalar(out, type, value);
    return;
  }
  if (value.type !== 'array') {
    out.u32(GGUF_TYPE[value.type]);
    writeGgufScalar(out, value.type, value.value);
    return;
  }
  out.u32(GGUF_TYPE.array).u32(GGUF_TYPE[value.itemType]);
  if (value.itemType === 'array') {
    const items = (value as { items: GgufValue[] }).items;
    out.u64(items.length);
    for (const item of items) {
      // Nested arrays carry no per-item type id: write the inner array header and items only.
      const inner = new Bytes();
      writeGgufValue(inner, item);
      inner.flush();
      const bytes = Buffer.concat(inner.parts as Uint8Array[]);
      out.raw(bytes.subarray(4));
    }
    return;
  }
  const itemType = value.itemType;
  if ('items' in value) {
    out.u64(value.items.length);
    for (const item of value.items as Scalar[]) writeGgufScalar(out, itemType, item);
  } else {
    out.u64(value.count);
    for (let i = 0; i < value.count; i++) writeGgufScalar(out, itemType, value.item(i));
  }
}

function ggufTensorSize(t: GgufTensor, typeName: string | undefined): number {
  if (t.data) return partSize(payloadPart(t.data));
  const block = typeName === undefined ? undefined : GGML_BLOCK[typeName];
  if (!block) throw new Error(`writeGguf: give data for tensor type ${String(t.type)}`);
  const elements = elementCount(t.shape);
  return Math.ceil(elements / block[0]) * block[1];
}

/** Encodes a GGUF file as parts (header bytes, then data) so big files stream to disk. */
export function encodeGguf(spec: GgufSpec): Part[] {
  const kvs = Array.isArray(spec.kvs) ? [...spec.kvs] : Object.entries(spec.kvs ?? {});
  const tensors = spec.tensors ?? [];
  const alignment = spec.alignment ?? 32;
  // A non-default alignment must be declared, or readers would look for the data in the wrong place.
  if (spec.alignment !== undefined && !kvs.some(([k]) => k === 'general.alignment')) {
    kvs.push(['general.alignment', { type: 'uint32', value: spec.alignment }]);
  }
  const out = new Bytes();
  out.raw(Buffer.from('GGUF', 'latin1')).u32(spec.version ?? 3).u64(tensors.length).u64(kvs.length);
  for (const [key, value] of kvs) {
    out.str(key);
    writeGgufValue(out, value);
  }
  let offset = 0;
  const data: Part[] = [];
  for (const t of tensors) {
    const typeName = typeof t.type === 'number' ? undefined : (t.type ?? 'F32');
    const typeId = typeof t.type === 'number' ? t.type : GGML_TYPE_ID[typeName!];
    if (typeId === undefined) throw new Error(`writeGguf: unknown ggml type ${String(t.type)}`);
    const size = ggufTensorSize(t, typeName);
    out.str(t.name).u32(t.shape.length);
    for (const d of t.shape) out.u64(d);
    out.u32(typeId).u64(offset);
    data.push(t.data ? payloadPart(t.data) : { size, fill: 0 });
    const padded = Math.ceil(size / alignment) * alignment;
    if (padded > size) data.push({ size: padded - size, fill: 0 });
    offset += padded;
  }
  const headerSize = out.size;
  const pad = (alignment - (headerSize % alignment)) % alignment;
  if (pad > 0) out.raw(Buffer.alloc(pad));
  out.flush();
  return [...out.parts, ...data];
}

export async function writeGguf(path: string, spec: GgufSpec): Promise<void> {
  await writeParts(path, encodeGguf(spec));
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX: a ModelProto in protobuf wire format, for the subset of onnx.proto a model interface needs.

/** TensorProto.DataType ids (onnx.proto). */
export const ONNX_DTYPE_ID: Readonly<Record<string, number>> = {
  float: 1, float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, string: 8, bool: 9,
  float16: 10, double: 11, float64: 11, uint32: 12, uint64: 13, complex64: 14, complex128: 15, bfloat16: 16,
};
const ONNX_DTYPE_SIZE: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

export type OnnxElem = string | number;
/** A number is dim_value, a string dim_param, null an empty Dimension (unknown). */
export type OnnxDim = number | string | null;
export type OnnxType =
  | { tensor: OnnxElem; shape?: OnnxDim[] }
  | { sparse: OnnxElem; shape?: OnnxDim[] }
  | { sequence: OnnxType }
  | { optional: OnnxType }
  | { map: [OnnxElem, OnnxType] };

/** `dtype` and `shape` are shorthand for `type: { tensor: dtype, shape }`; leave `shape` out for an unknown rank. */
export interface OnnxValue {
  name: string;
  dtype?: OnnxElem;
  shape?: OnnxDim[];
  type?: OnnxType;
}

export interface OnnxInitializer {
  name: string;
  dtype?: OnnxElem;
  dims: number[];
  /** raw_data; defaults to zeros of the size dtype and dims need. */
  data?: Payload;
  /** Write name (field 8) after raw_data (field 9): legal protobuf, and the harder case for a streaming reader. */
  nameAfterData?: boolean;
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
}

export interface OnnxSpec {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers?: OnnxInitializer[];
  /** Defaults to one Identity-like node from all inputs to all outputs. */
  nodes?: OnnxNode[];
  irVersion?: number;
  opset?: number;
  producerName?: string;
  graphName?: string;
  metadataProps?: Record<string, string>;
}

/** Protobuf wire-format encoding, for fixtures and for hand-made hostile messages. */
export const pb = {
  varint(value: number | bigint): Buffer {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    return Buffer.from(bytes);
  },
  tag(field: number, wire: number): Buffer {
    return pb.varint((BigInt(field) << 3n) | BigInt(wire));
  },
  int(field: number, value: number | bigint): Buffer {
    return Buffer.concat([pb.tag(field, 0), pb.varint(value)]);
  },
  bytes(field: number, value: Uint8Array): Buffer {
    return Buffer.concat([pb.tag(field, 2), pb.varint(value.length), value]);
  },
  string(field: number, value: string): Buffer {
    return pb.bytes(field, Buffer.from(value, 'utf8'));
  },
  message(field: number, ...parts: Uint8Array[]): Buffer {
    return pb.bytes(field, Buffer.concat(parts));
  },
};

/** A length-delimited field whose content may hold lazy parts (big raw_data). */
function lenField(field: number, content: Part[]): Part[] {
  const length = content.reduce((a, p) => a + partSize(p), 0);
  return [pb.tag(field, 2), pb.varint(length), ...content];
}

function elemId(e: OnnxElem): number {
  const id = typeof e === 'number' ? e : ONNX_DTYPE_ID[e];
  if (id === undefined) throw new Error(`writeOnnx: unknown element type ${e}`);
  return id;
}

function encodeShape(shape: OnnxDim[]): Buffer {
  const dims = shape.map((d) =>
    pb.message(1, d === null ? Buffer.alloc(0) : typeof d === 'number' ? pb.int(1, d) : pb.string(2, d)),
  );
  return Buffer.concat(dims);
}

/** The content of a TypeProto. */
function encodeType(t: OnnxType): Buffer {
  if ('tensor' in t || 'sparse' in t) {
    const elem = 'tensor' in t ? t.tensor : t.sparse;
    const inner = [pb.int(1, elemId(elem))];
    if (t.shape) inner.push(pb.message(2, encodeShape(t.shape)));
    return pb.message('tensor' in t ? 1 : 8, ...inner);
  }
  if ('sequence' in t) return pb.message(4, pb.message(1, encodeType(t.sequence)));
  if ('optional' in t) return pb.message(9, pb.message(1, encodeType(t.optional)));
  return pb.message(5, pb.int(1, elemId(t.map[0])), pb.message(2, encodeType(t.map[1])));
}

function encodeValueInfo(field: number, v: OnnxValue): Buffer {
  const type: OnnxType | undefined = v.type ?? (v.dtype === undefined ? undefined : { tensor: v.dtype, ...(v.shape ? { shape: v.shape } : {}) });
  return pb.message(field, pb.string(1, v.name), ...(type ? [pb.message(2, encodeType(type))] : []));
}

function encodeInitializer(init: OnnxInitializer): Part[] {
  const dtype = elemId(init.dtype ?? 'float32');
  let data: Part;
  if (init.data) data = payloadPart(init.data);
  else {
    const size = ONNX_DTYPE_SIZE[dtype];
    if (size === undefined) throw new Error(`writeOnnx: give data for initializer type ${String(init.dtype)}`);
    data = { size: elementCount(init.dims) * size, fill: 0 };
  }
  const head = Buffer.concat([...init.dims.map((d) => pb.int(1, d)), pb.int(2, dtype)]);
  const name = pb.string(8, init.name);
  const raw = lenField(9, [data]);
  const content = init.nameAfterData ? [head, ...raw, name] : [head, name, ...raw];
  return lenField(5, content);
}

/** Encodes a ModelProto as parts. The graph is written last, so cutting the file anywhere damages it. */
export function encodeOnnx(spec: OnnxSpec): Part[] {
  const nodes = spec.nodes ?? [{ op: 'Identity', inputs: spec.inputs.map((i) => i.name), outputs: spec.outputs.map((o) => o.name), name: 'node0' }];
  const graph: Part[] = [];
  for (const n of nodes) {
    graph.push(pb.message(1, ...n.inputs.map((i) => pb.string(1, i)), ...n.outputs.map((o) => pb.string(2, o)), ...(n.name ? [pb.string(3, n.name)] : []), pb.string(4, n.op)));
  }
  graph.push(pb.string(2, spec.graphName ?? 'graph'));
  for (const init of spec.initializers ?? []) graph.push(...encodeInitializer(init));
  for (const v of spec.inputs) graph.push(encodeValueInfo(11, v));
  for (const v of spec.outputs) graph.push(encodeValueInfo(12, v));

  const model: Part[] = [
    pb.int(1, spec.irVersion ?? 9),
    pb.string(2, spec.producerName ?? 'mreg-fixtures'),
    pb.string(3, '1.0'),
    pb.message(8, pb.string(1, ''), pb.int(2, spec.opset ?? 17)),
    ...Object.entries(spec.metadataProps ?? {}).map(([k, v]) => pb.message(14, pb.string(1, k), pb.string(2, v))),
    ...lenField(7, graph),
  ];
  return model;
}

export async function writeOnnx(path: string, spec: OnnxSpec): Promise<void> {
  await writeParts(path, encodeOnnx(spec));
}

/** The bytes of small encoded parts (throws on lazy parts bigger than 16 MiB: stream those with the writers). */
export function partsToBuffer(parts: readonly Part[]): Buffer {
  return Buffer.concat(parts.map((p) => {
    if (p instanceof Uint8Array) return p;
    if (p.size > 16 * CHUNK) throw new Error('partsToBuffer: part too large to hold in memory');
    return Buffer.alloc(p.size, p.fill);
  }));
}

// ---------------------------------------------------------------------------------------------------------------

/** Asserts that reading a model file failed cleanly: MregError INVALID_HEADER, with a message naming the file. */
export async function expectInvalidHeader(promise: Promise<unknown>, fileName: string, pattern?: RegExp): Promise<MregError> {
  const err = await promise.then(
    (value) => new Error(`expected INVALID_HEADER, but the read succeeded: ${JSON.stringify(value)?.slice(0, 300)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MregError);
  const e = err as MregError;
  expect(e.code, e.message).toBe('INVALID_HEADER');
  expect(e.message.startsWith(`${fileName}: `), e.message).toBe(true);
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

/** Deterministic pseudo-random bytes (mulberry32), so a failing "random garbage" case can be replayed. */
export function seededBytes(seed: number, length: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}
