import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGguf } from '../../src/core/formats/gguf.js';
import { encodeGguf, expectInvalidHeader, partsToBuffer, seededBytes, writeGguf, type GgufSpec } from '../helpers/model-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILE = 'model.gguf';
const at = (): string => join(dir, FILE);

const fullSpec: GgufSpec = {
  kvs: {
    'general.architecture': 'llama',
    'general.name': 'tiny',
    'llama.context_length': 4096,
    'llama.block_count': { type: 'uint64', value: 2n },
    'llama.rope.freq_base': 10000.5,
    'llama.attention.layer_norm_rms_epsilon': 1e-5,
    'test.float64': { type: 'float64', value: 0.1 },
    'test.int8': { type: 'int8', value: -3 },
    'test.uint8': { type: 'uint8', value: 255 },
    'test.int16': { type: 'int16', value: -300 },
    'test.uint16': { type: 'uint16', value: 65535 },
    'test.int32': -70000,
    'test.int64': { type: 'int64', value: -(2n ** 62n) },
    'test.uint64': 2n ** 63n + 5n,
    'test.bool': true,
    'test.nan': { type: 'float32', value: Number.NaN },
    'test.short_ints': [1, 2, 3],
    'test.short_strings': ['a', 'b"c'],
    'test.sixteen': Array.from({ length: 16 }, (_, i) => i),
    'test.seventeen': Array.from({ length: 17 }, (_, i) => i),
    'test.empty': { type: 'array', itemType: 'uint32', items: [] },
    'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', count: 50_000, item: (i) => `tok${i}` },
    'tokenizer.ggml.scores': { type: 'array', itemType: 'float32', count: 50_000, item: (i) => i / 2 },
    'test.nested': [[1, 2], [3]],
    'test.long_string': 'x'.repeat(2000),
    'test.array_with_long_string': ['ok', 'y'.repeat(2000)],
  },
  tensors: [
    { name: 'token_embd.weight', shape: [64, 10], type: 'Q8_0' },
    { name: 'blk.0.attn_q.weight', shape: [64, 64], type: 'F16' },
    { name: 'blk.0.ffn_up.weight', shape: [256, 2], type: 'Q4_K' },
    { name: 'odd', shape: [8], type: 99, data: new Uint8Array(16) },
    { name: 'output_norm.weight', shape: [64], type: 'F32' },
  ],
};

describe('readGguf on good files', () => {
  it('reads tensor infos as weights and scalars and short arrays as metadata', async () => {
    await writeGguf(at(), fullSpec);
    const result = await readGguf(at());
    expect(result.format).toBe('gguf');
    expect(result.inputs).toEqual([]);
    expect(result.outputs).toEqual([]);
    expect(result.weights).toEqual([
      { name: 'token_embd.weight', dtype: 'Q8_0', shape: [64, 10] },
      { name: 'blk.0.attn_q.weight', dtype: 'F16', shape: [64, 64] },
      { name: 'blk.0.ffn_up.weight', dtype: 'Q4_K', shape: [256, 2] },
      { name: 'odd', dtype: 'type99', shape: [8] },
      { name: 'output_norm.weight', dtype: 'F32', shape: [64] },
    ]);
    expect(result.metadata).toEqual({
      'general.architecture': 'llama',
      'general.name': 'tiny',
      'llama.context_length': '4096',
      'llama.block_count': '2',
      'llama.rope.freq_base': '10000.5',
      'llama.attention.layer_norm_rms_epsilon': '0.00001',
      'test.float64': '0.1',
      'test.int8': '-3',
      'test.uint8': '255',
      'test.int16': '-300',
      'test.uint16': '65535',
      'test.int32': '-70000',
      'test.int64': '-4611686018427387904',
      'test.uint64': '9223372036854775813',
      'test.bool': 'true',
      'test.nan': 'NaN',
      'test.short_ints': '[1,2,3]',
      'test.short_strings': '["a","b\\"c"]',
      'test.sixteen': '[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]',
      'test.empty': '[]',
    });
  });

  it.each([
    ['ggml type names', [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 23, 24, 28, 29, 30, 34, 35, 39, 4242]],
  ])('maps %s', async (_label, ids) => {
    const expected = ['F32', 'F16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q8_1', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_K',
      'IQ2_XXS', 'IQ4_XS', 'I8', 'F64', 'IQ1_M', 'BF16', 'TQ1_0', 'TQ2_0', 'MXFP4', 'type4242'];
    await writeGguf(at(), { tensors: ids.map((id, i) => ({ name: `t${i}`, shape: [256], type: id, data: new Uint8Array(2048) })) });
    expect((await readGguf(at())).weights!.map((w) => w.dtype)).toEqual(expected);
  });

  it('reads version 2 files and a declared alignment', async () => {
    await writeGguf(at(), {
      version: 2,
      alignment: 64,
      kvs: { 'general.architecture': 'gpt2' },
      tensors: [{ name: 'a', shape: [3], type: 'F32' }, { name: 'b', shape: [2, 2], type: 'F16' }],
    });
    const result = await readGguf(at());
    expect(result.weights).toEqual([
      { name: 'a', dtype: 'F32', shape: [3] },
      { name: 'b', dtype: 'F16', shape: [2, 2] },
    ]);
    expect(result.metadata).toEqual({ 'general.architecture': 'gpt2', 'general.alignment': '64' });
  });

  it('reads a file with no tensors and no keys', async () => {
    await writeGguf(at(), {});
    expect(await readGguf(at())).toEqual({ format: 'gguf', inputs: [], outputs: [], weights: [], metadata: {} });
  });
});

// Hand-made headers for cases the writer will not produce.
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}
function u64(v: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}
function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([u64(b.length), b]);
}
function raw(opts: { version?: number; tensors?: number | bigint; kvs?: number | bigint; body?: Buffer[]; pad?: number }): Buffer {
  return Buffer.concat([
    Buffer.from('GGUF'),
    u32(opts.version ?? 3),
    u64(opts.tensors ?? 0),
    u64(opts.kvs ?? 0),
    ...(opts.body ?? []),
    Buffer.alloc(opts.pad ?? 64),
  ]);
}
const kv = (key: string, type: number, value: Buffer): Buffer => Buffer.concat([str(key), u32(type), value]);
const tensorInfo = (name: string, dims: (number | bigint)[], type: number, offset: number | bigint): Buffer =>
  Buffer.concat([str(name), u32(dims.length), ...dims.map(u64), u32(type), u64(offset)]);

function nestedArray(depth: number): Buffer {
  // array of array of ... of one uint8
  let inner = Buffer.concat([u32(0), u64(1), Buffer.from([7])]);
  for (let i = 0; i < depth - 1; i++) inner = Buffer.concat([u32(9), u64(1), inner]);
  return inner;
}

describe('readGguf on hostile files', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['an empty file', Buffer.alloc(0), /too short/],
    ['a file too short for the header', Buffer.from('GGUF\x03\x00\x00\x00'), /too short/],
    ['another magic', Buffer.concat([Buffer.from('GGML'), Buffer.alloc(60)]), /not a GGUF file/],
    ['version 1', raw({ version: 1 }), /unsupported GGUF version 1 /],
    ['version 4', raw({ version: 4 }), /unsupported GGUF version 4 /],
    ['a big-endian file', raw({ version: 0x03000000 }), /unsupported GGUF version 50331648/],
    ['an absurd key/value count', raw({ kvs: 2n ** 64n - 1n }), /key\/value count 18446744073709551615 is over the limit/],
    ['more key/values than the file can hold', raw({ kvs: 50_000 }), /key\/value count 50000 cannot fit/],
    ['an absurd tensor count', raw({ tensors: 2n ** 63n }), /tensor count 9223372036854775808 is over the limit/],
    ['more tensors than the file can hold', raw({ tensors: 1000 }), /tensor count 1000 cannot fit/],
    ['a key length past the end', raw({ kvs: 1, body: [u64(1_000_000)] }), /string length 1000000 is past the end/],
    ['the largest key length', raw({ kvs: 1, body: [u64(2n ** 64n - 1n)] }), /past the end/],
    ['a key over 64 KiB', raw({ kvs: 1, body: [u64(70_000)], pad: 70_100 }), /over the limit of 65536 bytes/],
    ['a key that is not UTF-8', raw({ kvs: 1, body: [str(Buffer.from([0xc3, 0x28])), u32(4), u32(1)] }), /not valid UTF-8/],
    ['an unknown value type', raw({ kvs: 1, body: [kv('a', 13, u32(0))] }), /'a': unknown value type 13/],
    ['an unknown array item type', raw({ kvs: 1, body: [kv('a', 9, Buffer.concat([u32(42), u64(1)]))] }), /unknown array item type 42/],
    ['an absurd array length', raw({ kvs: 1, body: [kv('a', 9, Buffer.concat([u32(4), u64(2n ** 40n)]))] }), /array of 1099511627776 items cannot fit/],
    ['an array of strings longer than the file', raw({ kvs: 1, body: [kv('a', 9, Buffer.concat([u32(8), u64(100)]))] }), /array of 100 items cannot fit/],
    ['a string item length past the end', raw({ kvs: 1, body: [kv('a', 9, Buffer.concat([u32(8), u64(20), u64(5000)]))], pad: 200 }), /item 0 string length 5000 is past the end/],
    ['a string value length past the end', raw({ kvs: 1, body: [kv('a', 8, u64(10_000))] }), /'a': string length 10000 is past the end/],
    ['arrays nested 5 deep', raw({ kvs: 1, body: [kv('a', 9, nestedArray(5))] }), /nested deeper than 4 levels/],
    ['a tensor with 100 dimensions', raw({ tensors: 1, body: [str('t'), u32(100)], pad: 1000 }), /tensor 't' has 100 dimensions/],
    ['an absurd dimension', raw({ tensors: 1, body: [tensorInfo('t', [2n ** 60n], 0, 0)] }), /absurd dimension/],
    ['an unaligned tensor offset', raw({ tensors: 1, body: [tensorInfo('t', [1], 0, 3)] }), /offset 3 is not a multiple of the alignment 32/],
    ['tensor data past the end', raw({ tensors: 1, body: [tensorInfo('t', [1000], 0, 0)] }), /tensor 't' data \(4000 bytes at offset 0\) is past the end .*truncated/],
    ['a tensor offset past the end', raw({ tensors: 1, body: [tensorInfo('t', [1], 99, 2n ** 40n)] }), /past the end/],
    ['a tensor name twice', raw({ tensors: 2, body: [tensorInfo('t', [1], 0, 0), tensorInfo('t', [1], 0, 32)], pad: 128 }), /tensor 't' appears twice/],
    ['an alignment of zero', raw({ kvs: 1, tensors: 1, body: [kv('general.alignment', 4, u32(0)), tensorInfo('t', [1], 0, 0)] }), /general.alignment 0 is not a power of two/],
    ['an alignment of 24', raw({ kvs: 1, tensors: 1, body: [kv('general.alignment', 4, u32(24)), tensorInfo('t', [1], 0, 0)] }), /general.alignment 24/],
  ];

  it.each(cases)('rejects %s', async (_label, bytes, pattern) => {
    await writeFile(at(), bytes);
    await expectInvalidHeader(readGguf(at()), FILE, pattern);
  });

  it('rejects tensor names adding up to more than 16 MiB', async () => {
    const infos = Array.from({ length: 4200 }, (_, i) => tensorInfo(`${i}-`.padEnd(4000, 'n'), [1], 0, 0));
    await writeFile(at(), raw({ tensors: infos.length, body: infos }));
    await expectInvalidHeader(readGguf(at()), FILE, /tensor names add up to more than 16 MiB/);
  });

  it('rejects the file cut at every offset', async () => {
    const whole = partsToBuffer(encodeGguf({
      kvs: { 'general.architecture': 'llama', 'llama.context_length': 128, 'tokenizer.ggml.tokens': ['a', 'bb', 'ccc'], 'x.list': Array(20).fill(1.5) },
      // Sizes that are multiples of 32 leave no padding at the end, where a cut would lose nothing.
      tensors: [{ name: 'a', shape: [32, 2], type: 'Q8_0' }, { name: 'b', shape: [8], type: 'F32' }],
    }));
    await writeFile(at(), whole);
    expect((await readGguf(at())).weights).toHaveLength(2);
    for (let cut = 0; cut < whole.length; cut++) {
      await writeFile(at(), whole.subarray(0, cut));
      await expectInvalidHeader(readGguf(at()), FILE);
    }
  });

  it('rejects random bytes, with and without a valid start', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const garbage = seededBytes(seed, 64 + seed * 31);
      await writeFile(at(), garbage);
      await expectInvalidHeader(readGguf(at()), FILE);
      // A believable start (magic, version, small counts) so the garbage reaches the key/value decoder.
      await writeFile(at(), Buffer.concat([raw({ tensors: seed % 3, kvs: 1 + (seed % 4), pad: 0 }), garbage]));
      await expectInvalidHeader(readGguf(at()), FILE);
    }
  });

  it('reads the same file again after a failure (nothing is left open or cached)', async () => {
    await writeFile(at(), raw({ version: 9 }));
    await expectInvalidHeader(readGguf(at()), FILE);
    await writeGguf(at(), { kvs: { 'general.architecture': 'phi3' } });
    expect((await readGguf(at())).metadata).toEqual({ 'general.architecture': 'phi3' });
    expect((await readFile(at())).subarray(0, 4).toString()).toBe('GGUF');
  });
});
