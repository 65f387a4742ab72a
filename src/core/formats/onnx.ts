// Reads an ONNX model's graph inputs and outputs by decoding the protobuf wire format straight from the file.
// Fields we do not need (nodes, initializer data) are skipped by offset, so a model of any size costs one window.

import { HeaderReader } from './header-reader.js';
import { UNKNOWN_DIM, UNKNOWN_RANK, type Dim, type InputTensor, type ModelInterface, type Tensor } from './types.js';

/** TensorProto.DataType, named the way people write them in signatures (numpy style). */
export const ONNX_ELEMENT_TYPES: Readonly<Record<number, string>> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64',
  15: 'complex128', 16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2',
  20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1', 24: 'float8e8m0',
};

const Wire = { VARINT: 0, I64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, I32: 5 } as const;

// Field numbers from onnx.proto.
const Model = { IR_VERSION: 1, PRODUCER_NAME: 2, PRODUCER_VERSION: 3, GRAPH: 7, OPSET_IMPORT: 8, METADATA_PROPS: 14 };
const Graph = { INITIALIZER: 5, INPUT: 11, OUTPUT: 12, SPARSE_INITIALIZER: 15 };
const TypeField = { TENSOR: 1, SEQUENCE: 4, MAP: 5, OPAQUE: 7, SPARSE_TENSOR: 8, OPTIONAL: 9 };

// Limits far above real models and far below what would hurt memory or time.
const MAX_NAME_BYTES = 4096;
const MAX_KEPT_STRING = 1024;
const MAX_VALUES = 100_000; // graph inputs or outputs
const MAX_RANK = 256;
const MAX_TYPE_DEPTH = 16;
const MAX_GRAPH_PARTS = 64;
const MAX_METADATA = 256;
/** Total characters of names held for inputs and outputs: real models need a few KiB. */
const MAX_NAME_BUDGET = 16 * 1024 * 1024;
/** Fields visited in one read: bounds the time a hostile file of tiny fields can cost. */
const MAX_FIELDS = 500_000; // ~0.5 s of walking on a loaded 2-core machine; a 100k-node graph needs ~150k

interface Field {
  num: number;
  wire: number;
  /** The value of a varint field. */
  value: bigint;
  /** The bytes of a length-delimited (or fixed-size) field: [start, end) in the file. */
  start: number;
  end: number;
  /** Where the field's tag starts, for error messages. */
  at: number;
}

interface ValueType {
  dtype: string;
  shape: Dim[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

export function readOnnx(path: string): Promise<ModelInterface> {
  return HeaderReader.read(path, (reader) => new OnnxDecoder(reader).model());
}

class OnnxDecoder {
  private fieldsSeen = 0;
  private nameBytes = 0;

  constructor(private readonly r: HeaderReader) {}

  async model(): Promise<ModelInterface> {
    const r = this.r;
    if (r.size === 0) throw r.fail('file is empty');
    const graphs: Field[] = [];
    const metadata: [string, string][] = [];
    const keep = (key: string, value: string | undefined): void => {
      if (value !== undefined && metadata.length < MAX_METADATA) metadata.push([key, value]);
    };

    for (let f = await this.next(r.size); f; f = await this.next(r.size)) {
      switch (f.num) {
        case Model.IR_VERSION:
          this.expectWire(f, Wire.VARINT, 'ir_version');
          keep('ir_version', f.value.toString());
          break;
        case Model.PRODUCER_NAME:
          keep('producer_name', await this.keptString(f, 'producer_name'));
          break;
        case Model.PRODUCER_VERSION:
          keep('producer_version', await this.keptString(f, 'producer_version'));
          break;
        case Model.GRAPH:
          this.expectWire(f, Wire.LEN, 'graph');
          // Protobuf merges repeated occurrences of a message field, so a graph may come in parts.
          if (graphs.length >= MAX_GRAPH_PARTS) throw r.fail(`more than ${MAX_GRAPH_PARTS} graph fields`);
          graphs.push(f);
          break;
        case Model.OPSET_IMPORT: {
          let domain = '';
          let version: bigint | undefined;
          await this.message(f, 'opset_import', async (g) => {
            if (g.num === 1) domain = (await this.keptString(g, 'opset_import.domain')) ?? '';
            else if (g.num === 2) {
              this.expectWire(g, Wire.VARINT, 'opset_import.version');
              version = g.value;
            }
          });
          if (version !== undefined) keep(`opset.${domain || 'ai.onnx'}`, version.toString());
          break;
        }
        case Model.METADATA_PROPS: {
          let key: string | undefined;
          let value: string | undefined;
          await this.message(f, 'metadata_props', async (g) => {
            if (g.num === 1) key = await this.keptString(g, 'metadata_props.key');
            else if (g.num === 2) value = await this.keptString(g, 'metadata_props.value');
          });
          if (key !== undefined) keep(`props.${key}`, value ?? '');
          break;
        }
        default:
          break; // already skipped by next()
      }
    }
    if (graphs.length === 0) throw r.fail('no graph found (is this an ONNX model?)');

    const inputs: InputTensor[] = [];
    const outputs: Tensor[] = [];
    for (const graph of graphs) {
      await this.message(graph, 'graph', async (f) => {
        if (f.num === Graph.INPUT) inputs.push(await this.valueInfo(f, 'input', inputs.length));
        else if (f.num === Graph.OUTPUT) outputs.push(await this.valueInfo(f, 'output', outputs.length));
      });
    }
    const inputNames = unique(r, inputs, 'input');
    unique(r, outputs, 'output');

    // A second pass because initializers usually come before inputs in the file; only names that are also
    // inputs are kept, so memory does not grow with the number of weights.
    const constants = new Set<string>();
    if (inputNames.size > 0) {
      for (const graph of graphs) {
        await this.message(graph, 'graph', async (f) => {
          if (f.num === Graph.INITIALIZER) {
            const name = await this.tensorName(f);
            if (name !== undefined && inputNames.has(name)) constants.add(name);
          } else if (f.num === Graph.SPARSE_INITIALIZER) {
            // SparseTensorProto.values (field 1) is a TensorProto that carries the name.
            await this.message(f, 'sparse_initializer', async (g) => {
              if (g.num !== 1) return;
              const name = await this.tensorName(g);
              if (name !== undefined && inputNames.has(name)) constants.add(name);
            });
          }
        });
      }
    }

    return {
      format: 'onnx',
      inputs: inputs.filter((t) => !constants.has(t.name)),
      outputs,
      metadata: Object.fromEntries(metadata) as Record<string, string>,
    };
  }

  private async valueInfo(f: Field, what: 'input' | 'output', index: number): Promise<Tensor> {
    if (index >= MAX_VALUES) throw this.r.fail(`more than ${MAX_VALUES} graph ${what}s`);
    let name: string | undefined;
    let type: ValueType = { dtype: 'unknown', shape: [UNKNOWN_RANK] };
    await this.message(f, `graph ${what}`, async (g) => {
      if (g.num === 1) name = await this.string(g, MAX_NAME_BYTES, `graph ${what} #${index} name`);
      else if (g.num === 2) type = await this.typeProto(g, 0);
    });
    if (!name) throw this.r.fail(`graph ${what} #${index} has no name`);
    this.nameBytes += name.length + type.dtype.length + type.shape.reduce<number>((n, d) => n + String(d).length, 0);
    if (this.nameBytes > MAX_NAME_BUDGET) throw this.r.fail(`input and output descriptions add up to more than ${MAX_NAME_BUDGET / 1024 / 1024} MiB`);
    return { name, dtype: type.dtype, shape: type.shape };
  }

  private async typeProto(f: Field, depth: number): Promise<ValueType> {
    if (depth > MAX_TYPE_DEPTH) throw this.r.fail(`types nested deeper than ${MAX_TYPE_DEPTH} levels`);
    let result: ValueType = { dtype: 'unknown', shape: [UNKNOWN_RANK] };
    await this.message(f, 'type', async (g) => {
      switch (g.num) {
        case TypeField.TENSOR:
          result = await this.tensorType(g);
          break;
        case TypeField.SPARSE_TENSOR: {
          const t = await this.tensorType(g);
          result = { dtype: `sparse_tensor(${t.dtype})`, shape: t.shape };
          break;
        }
        case TypeField.SEQUENCE:
        case TypeField.OPTIONAL: {
          // Sequence and Optional both hold elem_type = 1; the element's shape is the one a caller deals with.
          let inner: ValueType = { dtype: 'unknown', shape: [UNKNOWN_RANK] };
          await this.message(g, 'type', async (h) => {
            if (h.num === 1) inner = await this.typeProto(h, depth + 1);
          });
          const wrapper = g.num === TypeField.SEQUENCE ? 'seq' : 'optional';
          result = { dtype: `${wrapper}(${inner.dtype})`, shape: inner.shape };
          break;
        }
        case TypeField.MAP: {
          let key = 'undefined';
          let value: ValueType = { dtype: 'unknown', shape: [] };
          await this.message(g, 'map type', async (h) => {
            if (h.num === 1) {
              this.expectWire(h, Wire.VARINT, 'map key_type');
              key = elementType(h.value);
            } else if (h.num === 2) value = await this.typeProto(h, depth + 1);
          });
          result = { dtype: `map(${key},${value.dtype})`, shape: [] };
          break;
        }
        case TypeField.OPAQUE: {
          let domain = '';
          let name = '';
          await this.message(g, 'opaque type', async (h) => {
            if (h.num === 1) domain = (await this.keptString(h, 'opaque domain')) ?? '';
            else if (h.num === 2) name = (await this.keptString(h, 'opaque name')) ?? '';
          });
          result = { dtype: `opaque(${domain ? `${domain}.` : ''}${name})`, shape: [] };
          break;
        }
        default:
          break;
      }
    });
    return result;
  }

  private async tensorType(f: Field): Promise<ValueType> {
    let dtype = 'undefined';
    let shape: Dim[] = [UNKNOWN_RANK]; // no shape field: the rank is unknown (an empty shape is a scalar)
    await this.message(f, 'tensor type', async (g) => {
      if (g.num === 1) {
        this.expectWire(g, Wire.VARINT, 'elem_type');
        dtype = elementType(g.value);
      } else if (g.num === 2) {
        const dims: Dim[] = [];
        await this.message(g, 'shape', async (h) => {
          if (h.num !== 1) return;
          if (dims.length >= MAX_RANK) throw this.r.fail(`a shape has more than ${MAX_RANK} dimensions`);
          dims.push(await this.dimension(h));
        });
        shape = dims;
      }
    });
    return { dtype, shape };
  }

  private async dimension(f: Field): Promise<Dim> {
    let dim: Dim = UNKNOWN_DIM;
    await this.message(f, 'dimension', async (g) => {
      if (g.num === 1) {
        this.expectWire(g, Wire.VARINT, 'dim_value');
        const value = BigInt.asIntN(64, g.value);
        // Some exporters write -1 for "unknown" instead of leaving the dimension empty.
        if (value < 0n) dim = UNKNOWN_DIM;
        else if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.r.fail(`dimension ${value} is absurdly large`);
        else dim = Number(value);
      } else if (g.num === 2) {
        const name = await this.string(g, MAX_NAME_BYTES, 'dim_param');
        dim = name === '' ? UNKNOWN_DIM : name;
      }
    });
    return dim;
  }

  /** TensorProto.name (field 8), wherever it sits relative to raw_data, which is skipped by offset. */
  private async tensorName(f: Field): Promise<string | undefined> {
    let name: string | undefined;
    await this.message(f, 'initializer', async (g) => {
      if (g.num !== 8) return;
      this.expectWire(g, Wire.LEN, 'initializer name');
      // A name longer than any input name cannot hide an input, so it need not be read.
      name = g.end - g.start <= MAX_NAME_BYTES ? await this.string(g, MAX_NAME_BYTES, 'initializer name') : undefined;
    });
    return name;
  }

  /** Visits the fields of an embedded message, then leaves the reader just past it. */
  private async message(f: Field, what: string, visit: (g: Field) => Promise<void>): Promise<void> {
    this.expectWire(f, Wire.LEN, what);
    this.r.seek(f.start);
    for (let g = await this.next(f.end); g; g = await this.next(f.end)) await visit(g);
    this.r.seek(f.end);
  }

  /** Reads the next field's tag and value, leaving the reader past it; length-delimited bytes are not read. */
  private async next(end: number): Promise<Field | undefined> {
    const r = this.r;
    if (r.pos >= end) return undefined;
    if (++this.fieldsSeen > MAX_FIELDS) throw r.fail(`more than ${MAX_FIELDS} protobuf fields`);
    const at = r.pos;
    const tag = await this.varint(end);
    if (tag > 0xffffffffn || tag >> 3n === 0n) throw r.fail(`invalid protobuf field tag ${tag} at byte ${at}`);
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    const room = end - r.pos;
    const past = end === r.size ? `the end of the file (${r.size} bytes)` : 'the end of its enclosing message';
    switch (wire) {
      case Wire.VARINT: {
        const value = await this.varint(end);
        return { num, wire, value, start: r.pos, end: r.pos, at };
      }
      case Wire.I64:
      case Wire.I32: {
        const size = wire === Wire.I64 ? 8 : 4;
        if (size > room) throw r.fail(`field ${num} at byte ${at} runs past ${past}`);
        const start = r.pos;
        r.seek(start + size);
        return { num, wire, value: 0n, start, end: start + size, at };
      }
      case Wire.LEN: {
        const length = await this.varint(end);
        if (length > BigInt(end - r.pos)) {
          throw r.fail(`field ${num} at byte ${at} claims ${length} bytes, past ${past}`);
        }
        const start = r.pos;
        r.seek(start + Number(length));
        return { num, wire, value: 0n, start, end: start + Number(length), at };
      }
      case Wire.START_GROUP:
      case Wire.END_GROUP:
        throw r.fail(`protobuf group (wire type ${wire}) at byte ${at}: ONNX does not use groups`);
      default:
        throw r.fail(`invalid protobuf wire type ${wire} at byte ${at}`);
    }
  }

  private async varint(end: number): Promise<bigint> {
    const r = this.r;
    const at = r.pos;
    const limit = Math.min(10, end - at);
    const { buf, at: i0, available } = await r.view(limit);
    const n = Math.min(limit, available);
    let low = 0; // the first 7 bytes: 49 bits, exact as a double
    let high = 0n;
    for (let i = 0; i < n; i++) {
      const byte = buf[i0 + i]!;
      if (i < 7) low += (byte & 0x7f) * 2 ** (7 * i);
      else high |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) {
        if (i === 9 && byte > 1) break;
        r.pos = at + i + 1;
        return BigInt(low) | high;
      }
    }
    if (n === 10) throw r.fail(`varint at byte ${at} is longer than 64 bits`);
    throw r.fail(`varint at byte ${at} runs past ${end === r.size ? `the end of the file (${r.size} bytes)` : 'the end of its enclosing message'}`);
  }

  private expectWire(f: Field, wire: number, what: string): void {
    if (f.wire !== wire) throw this.r.fail(`${what} at byte ${f.at} has wire type ${f.wire}, expected ${wire}`);
  }

  /** A name we need: too long or not UTF-8 is an error. */
  private async string(f: Field, maxBytes: number, what: string): Promise<string> {
    this.expectWire(f, Wire.LEN, what);
    const length = f.end - f.start;
    if (length > maxBytes) throw this.r.fail(`${what} at byte ${f.at} is ${length} bytes (at most ${maxBytes} allowed)`);
    const bytes = await this.bytesOf(f);
    try {
      return utf8.decode(bytes);
    } catch {
      throw this.r.fail(`${what} at byte ${f.at} is not valid UTF-8`);
    }
  }

  /** A descriptive string we keep if it is short; long ones are left out rather than read. */
  private async keptString(f: Field, what: string): Promise<string | undefined> {
    this.expectWire(f, Wire.LEN, what);
    if (f.end - f.start > MAX_KEPT_STRING) return undefined;
    return lenientUtf8.decode(await this.bytesOf(f));
  }

  private async bytesOf(f: Field): Promise<Buffer> {
    const saved = this.r.pos;
    this.r.seek(f.start);
    const bytes = await this.r.bytes(f.end - f.start);
    this.r.seek(saved);
    return bytes;
  }
}

function elementType(value: bigint): string {
  return (value <= 1000n ? ONNX_ELEMENT_TYPES[Number(value)] : undefined) ?? `type${value}`;
}

function unique(r: HeaderReader, tensors: Tensor[], what: string): Set<string> {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw r.fail(`graph ${what} '${t.name}' appears twice`);
    names.add(t.name);
  }
  return names;
}
