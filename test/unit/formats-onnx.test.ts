import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnx } from '../../src/core/formats/onnx.js';
import {
  encodeOnnx,
  expectInvalidHeader,
  partsToBuffer,
  pb,
  seededBytes,
  writeOnnx,
  type OnnxSpec,
} from '../helpers/model-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILE = 'model.onnx';
const at = (): string => join(dir, FILE);

const spec: OnnxSpec = {
  inputs: [
    { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
    { name: 'pixels', dtype: 'float32', shape: [1, 3, 224, 224] },
    { name: 'weight', dtype: 'float32', shape: [4, 4] }, // also an initializer: not a real input
    { name: 'unnamed_dim', dtype: 'float32', shape: [null, 5] },
    { name: 'minus_one', dtype: 'float32', shape: [-1, 5] },
    { name: 'empty_param', dtype: 'float32', shape: [''] },
    { name: 'no_shape', dtype: 'float16' },
    { name: 'flag', dtype: 'bool', shape: [] },
    { name: 'bias', dtype: 'float32', shape: [4] }, // initializer whose name follows its raw_data
    { name: 'seq_in', type: { sequence: { tensor: 'float32', shape: [null, 4] } } },
    { name: 'opt_in', type: { optional: { tensor: 'int32', shape: [2] } } },
    { name: 'map_in', type: { map: ['string', { tensor: 'float32' }] } },
    { name: 'sparse_in', type: { sparse: 'float32', shape: [10, 10] } },
    { name: 'untyped' },
  ],
  outputs: [
    { name: 'logits', dtype: 'float32', shape: ['batch', 'seq', 32000] },
    { name: 'hn', dtype: 'double', shape: [2, 'batch', 64] },
  ],
  initializers: [
    { name: 'weight', dims: [4, 4] },
    { name: 'bias', dims: [4], nameAfterData: true },
    { name: 'not_an_input', dims: [3], dtype: 'int64' },
  ],
  metadataProps: { author: 'tests' },
};

describe('readOnnx on good files', () => {
  it('reads graph inputs (without initializers) and outputs with dtypes and shapes', async () => {
    await writeOnnx(at(), spec);
    expect(await readOnnx(at())).toEqual({
      format: 'onnx',
      inputs: [
        { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
        { name: 'pixels', dtype: 'float32', shape: [1, 3, 224, 224] },
        { name: 'unnamed_dim', dtype: 'float32', shape: ['?', 5] },
        { name: 'minus_one', dtype: 'float32', shape: ['?', 5] },
        { name: 'empty_param', dtype: 'float32', shape: ['?'] },
        { name: 'no_shape', dtype: 'float16', shape: ['...'] },
        { name: 'flag', dtype: 'bool', shape: [] },
        { name: 'seq_in', dtype: 'seq(float32)', shape: ['?', 4] },
        { name: 'opt_in', dtype: 'optional(int32)', shape: [2] },
        { name: 'map_in', dtype: 'map(string,float32)', shape: [] },
        { name: 'sparse_in', dtype: 'sparse_tensor(float32)', shape: [10, 10] },
        { name: 'untyped', dtype: 'unknown', shape: ['...'] },
      ],
      outputs: [
        { name: 'logits', dtype: 'float32', shape: ['batch', 'seq', 32000] },
        { name: 'hn', dtype: 'float64', shape: [2, 'batch', 64] },
      ],
      metadata: {
        ir_version: '9',
        producer_name: 'mreg-fixtures',
        producer_version: '1.0',
        'opset.ai.onnx': '17',
        'props.author': 'tests',
      },
    });
  });

  it('names every element type of onnx.proto', async () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 21, 22, 23, 777];
    const names = ['float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'float64',
      'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn', 'float8e5m2', 'uint4', 'int4', 'float4e2m1', 'type777'];
    await writeOnnx(at(), { inputs: ids.map((id) => ({ name: `x${id}`, dtype: id, shape: [1] })), outputs: [{ name: 'y', dtype: 1, shape: [1] }] });
    expect((await readOnnx(at())).inputs.map((i) => i.dtype)).toEqual(names);
  });

  it('finds initializer names wherever they sit: after inputs, in a second graph part, in sparse initializers', async () => {
    const input = (name: string): Buffer => pb.message(11, pb.string(1, name), pb.message(2, pb.message(1, pb.int(1, 1))));
    const initializer = (name: string): Buffer => pb.message(5, pb.int(1, 2), pb.int(2, 1), pb.bytes(9, Buffer.alloc(8)), pb.string(8, name));
    const sparse = (name: string): Buffer => pb.message(15, pb.message(1, pb.int(2, 1), pb.string(8, name)), pb.message(2, pb.int(2, 7)));
    const bytes = Buffer.concat([
      pb.message(7, input('a'), input('w1'), input('w2'), pb.message(12, pb.string(1, 'out'))),
      pb.int(1, 8),
      pb.message(7, initializer('w1'), sparse('w2'), pb.int(99, 5), pb.bytes(98, Buffer.alloc(3)), pb.tag(97, 5), Buffer.alloc(4), pb.tag(96, 1), Buffer.alloc(8)),
    ]);
    await writeFile(at(), bytes);
    const result = await readOnnx(at());
    expect(result.inputs).toEqual([{ name: 'a', dtype: 'float32', shape: ['...'] }]);
    expect(result.outputs).toEqual([{ name: 'out', dtype: 'unknown', shape: ['...'] }]);
    expect(result.metadata).toEqual({ ir_version: '8' });
  });

  it('reads a model whose graph has no inputs', async () => {
    await writeOnnx(at(), { inputs: [], outputs: [{ name: 'const', dtype: 'float32', shape: [] }], initializers: [{ name: 'c', dims: [] }] });
    const result = await readOnnx(at());
    expect(result.inputs).toEqual([]);
    expect(result.outputs).toEqual([{ name: 'const', dtype: 'float32', shape: [] }]);
  });
});

function deepSequence(depth: number): Buffer {
  let type = pb.message(1, pb.int(1, 1)); // TypeProto{tensor_type{elem_type: float}}
  for (let i = 0; i < depth; i++) type = pb.message(4, pb.message(1, type));
  return type;
}
const graphWith = (...fields: Buffer[]): Buffer => pb.message(7, ...fields);
const typed = (name: string, typeProto: Buffer): Buffer => pb.message(11, pb.string(1, name), pb.bytes(2, typeProto));
const shaped = (dims: Buffer[]): Buffer => pb.message(1, pb.int(1, 1), pb.message(2, ...dims));

describe('readOnnx on hostile files', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['an empty file', Buffer.alloc(0), /file is empty/],
    ['a model with no graph', pb.int(1, 9), /no graph found/],
    ['a protobuf group', Buffer.from([0x0b, 0x0c]), /protobuf group \(wire type 3\) at byte 0/],
    ['an end-group tag', Buffer.from([0x0c]), /protobuf group \(wire type 4\)/],
    ['wire type 6', Buffer.from([0x0e, 0x00]), /invalid protobuf wire type 6 at byte 0/],
    ['wire type 7', Buffer.concat([pb.int(1, 9), Buffer.from([0x0f])]), /invalid protobuf wire type 7 at byte 2/],
    ['field number 0', Buffer.from([0x02, 0x00]), /invalid protobuf field tag 2 at byte 0/],
    ['a length past the end of the file', Buffer.concat([pb.tag(7, 2), pb.varint(1000), Buffer.alloc(10)]), /field 7 at byte 0 claims 1000 bytes, past the end of the file \(13 bytes\)/],
    ['the largest length', Buffer.concat([pb.tag(7, 2), pb.varint(2n ** 64n - 1n), Buffer.alloc(10)]), /claims 18446744073709551615 bytes/],
    ['a length past its enclosing message', Buffer.concat([graphWith(Buffer.concat([pb.tag(11, 2), pb.varint(50)]), Buffer.alloc(10)), pb.int(1, 9), pb.bytes(20, Buffer.alloc(60))]), /field 11 at byte 2 claims 50 bytes, past the end of its enclosing message/],
    ['a varint cut by the end of the file', Buffer.from([0x08, 0xff, 0xff]), /varint at byte 1 runs past the end of the file/],
    ['a varint of 11 bytes', Buffer.concat([Buffer.from([0x08]), Buffer.alloc(10, 0xff), Buffer.from([0x01])]), /varint at byte 1 is longer than 64 bits/],
    ['a fixed64 cut short', Buffer.concat([pb.tag(5, 1), Buffer.alloc(3)]), /field 5 at byte 0 runs past the end of the file/],
    ['a graph that is a number', pb.int(7, 5), /graph at byte 0 has wire type 0, expected 2/],
    ['an elem_type given as bytes', graphWith(typed('x', pb.message(1, pb.string(1, 'float')))), /elem_type at byte \d+ has wire type 2, expected 0/],
    ['an input without a name', graphWith(pb.message(11, pb.message(2))), /graph input #0 has no name/],
    ['an output without a name', graphWith(pb.message(12)), /graph output #0 has no name/],
    ['an input name twice', graphWith(pb.message(11, pb.string(1, 'x')), pb.message(11, pb.string(1, 'x'))), /graph input 'x' appears twice/],
    ['a name that is not UTF-8', graphWith(pb.message(11, pb.bytes(1, Buffer.from([0xff, 0xfe])))), /graph input #0 name at byte \d+ is not valid UTF-8/],
    ['a name of 5000 bytes', graphWith(pb.message(11, pb.string(1, 'n'.repeat(5000)))), /is 5000 bytes \(at most 4096 allowed\)/],
    ['types nested 20 deep', graphWith(typed('x', deepSequence(20))), /types nested deeper than 16 levels/],
    ['an absurd dimension', graphWith(typed('x', shaped([pb.message(1, pb.int(1, 2n ** 60n))]))), /dimension 1152921504606846976 is absurdly large/],
    ['a rank of 300', graphWith(typed('x', shaped(Array.from({ length: 300 }, () => pb.message(1, pb.int(1, 1)))))), /more than 256 dimensions/],
    ['garbage inside an input', graphWith(pb.bytes(11, Buffer.from([0x0f, 0x01, 0x02]))), /invalid protobuf wire type 7/],
  ];

  it.each(cases)('rejects %s', async (_label, bytes, pattern) => {
    await writeFile(at(), bytes);
    await expectInvalidHeader(readOnnx(at()), FILE, pattern);
  });

  it('rejects more than 100000 graph inputs', async () => {
    const inputs = Array.from({ length: 100_001 }, (_, i) => pb.message(11, pb.string(1, `i${i}`)));
    await writeFile(at(), pb.bytes(7, Buffer.concat(inputs)));
    await expectInvalidHeader(readOnnx(at()), FILE, /more than 100000 graph inputs/);
  });

  it('rejects input and output descriptions adding up to more than 16 MiB', async () => {
    const inputs = Array.from({ length: 4200 }, (_, i) => pb.message(11, pb.string(1, `${i}-`.padEnd(4000, 'n'))));
    await writeFile(at(), pb.bytes(7, Buffer.concat(inputs)));
    await expectInvalidHeader(readOnnx(at()), FILE, /descriptions add up to more than 16 MiB/);
  });

  it('rejects the file cut at every offset (the graph is the last field, so every cut damages it)', async () => {
    const whole = partsToBuffer(encodeOnnx({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 3] }, { name: 'w', dtype: 'float32', shape: [3] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['n'] }],
      initializers: [{ name: 'w', dims: [3] }],
    }));
    await writeFile(at(), whole);
    expect((await readOnnx(at())).inputs.map((i) => i.name)).toEqual(['x']);
    for (let cut = 0; cut < whole.length; cut++) {
      await writeFile(at(), whole.subarray(0, cut));
      await expectInvalidHeader(readOnnx(at()), FILE);
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])('rejects random bytes (seed %i), alone and inside a graph and an input', async (seed) => {
    const garbage = seededBytes(seed, 50 + seed * 37);
    for (const bytes of [garbage, graphWith(garbage), graphWith(pb.bytes(11, garbage)), graphWith(pb.bytes(11, Buffer.concat([pb.string(1, 'x'), pb.bytes(2, garbage)])))]) {
      await writeFile(at(), bytes);
      await expectInvalidHeader(readOnnx(at()), FILE);
    }
  });
});
