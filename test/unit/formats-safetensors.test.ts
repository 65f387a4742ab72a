import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/core/formats/safetensors.js';
import {
  expectInvalidHeader,
  safetensorsPrefix,
  seededBytes,
  writeSafetensors,
} from '../helpers/model-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILE = 'model.safetensors';
const at = (): string => join(dir, FILE);

describe('readSafetensors on good files', () => {
  it('lists the tensors as weights, sorted by name, with dtype and shape, and the metadata', async () => {
    await writeSafetensors(
      at(),
      [
        { name: 'lm_head.weight', dtype: 'F16', shape: [8, 4] },
        { name: 'embed.weight', dtype: 'BF16', shape: [10, 4] },
        { name: 'step', dtype: 'I64', shape: [] },
      ],
      { format: 'pt', note: 'hello' },
    );
    expect(await readSafetensors(at())).toEqual({
      format: 'safetensors',
      inputs: [],
      outputs: [],
      weights: [
        { name: 'embed.weight', dtype: 'BF16', shape: [10, 4] },
        { name: 'lm_head.weight', dtype: 'F16', shape: [8, 4] },
        { name: 'step', dtype: 'I64', shape: [] },
      ],
      metadata: { format: 'pt', note: 'hello' },
    });
  });

  it.each([
    ['no tensors at all', [], undefined, []],
    ['a zero-sized tensor', [{ name: 'empty', dtype: 'F32', shape: [0, 3] }], undefined, [{ name: 'empty', dtype: 'F32', shape: [0, 3] }]],
    [
      'a dtype it does not know the size of (not size-checked)',
      [{ name: 'w', dtype: 'F4', shape: [4], data: new Uint8Array(2) }],
      undefined,
      [{ name: 'w', dtype: 'F4', shape: [4] }],
    ],
  ] as const)('reads %s', async (_label, tensors, metadata, weights) => {
    await writeSafetensors(at(), tensors.map((t) => ({ ...t, shape: [...t.shape] })), metadata);
    const result = await readSafetensors(at());
    expect(result.weights).toEqual(weights);
    expect(result.metadata).toBeUndefined();
  });

  it('keeps a metadata key named __proto__ as plain data', async () => {
    await writeFile(at(), safetensorsPrefix('{"__metadata__":{"__proto__":"x","a":"b"}}'));
    const result = await readSafetensors(at());
    expect(Object.keys(result.metadata!)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(result.metadata)).toBe(Object.prototype);
  });

  it('reads a null __metadata__ as no metadata, as the reference implementation does', async () => {
    await writeFile(at(), safetensorsPrefix('{"__metadata__":null}'));
    expect(await readSafetensors(at())).toEqual({ format: 'safetensors', inputs: [], outputs: [], weights: [] });
  });

  it('accepts header padding and tensors stored out of order', async () => {
    const header = '{"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[3],"data_offsets":[2,5]}}   ';
    await writeFile(at(), Buffer.concat([safetensorsPrefix(header), Buffer.from([1, 2, 3, 4, 5])]));
    expect((await readSafetensors(at())).weights).toEqual([
      { name: 'a', dtype: 'U8', shape: [3] },
      { name: 'b', dtype: 'U8', shape: [2] },
    ]);
  });
});

/** A header with one U8 tensor of 4 bytes, then those 4 bytes. */
function oneTensor(entry: unknown, extra: Record<string, unknown> = {}, dataBytes = 4): Buffer {
  return Buffer.concat([safetensorsPrefix(JSON.stringify({ w: entry, ...extra })), Buffer.alloc(dataBytes)]);
}

function lengthThen(length: bigint, rest: Buffer): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length);
  return Buffer.concat([prefix, rest]);
}

describe('readSafetensors on hostile files', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['an empty file', Buffer.alloc(0), /too short/],
    ['a file shorter than the length field', Buffer.from([1, 2, 3]), /too short/],
    ['a header length past the end', lengthThen(9_999_999_999n, Buffer.from('{}')), /header length 9999999999 is past the end of the file \(10 bytes\)/],
    ['the largest possible header length', lengthThen(2n ** 64n - 1n, Buffer.alloc(64)), /past the end of the file/],
    ['a header length one past the end', lengthThen(3n, Buffer.from('{}')), /header length 3 is past the end/],
    ['a zero header length', lengthThen(0n, Buffer.alloc(0)), /not valid JSON/],
    ['invalid JSON', safetensorsPrefix('{"w": {"dtype": '), /not valid JSON/],
    ['bytes that are not UTF-8', lengthThen(4n, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid JSON/],
    ['a JSON array', safetensorsPrefix('[1,2]'), /not a JSON object/],
    ['JSON null', safetensorsPrefix('null'), /not a JSON object/],
    ['a tensor entry that is a number', oneTensor(5), /tensor 'w' is not an object/],
    ['a missing dtype', oneTensor({ shape: [4], data_offsets: [0, 4] }), /tensor 'w' has no valid dtype/],
    ['a dtype that is a number', oneTensor({ dtype: 7, shape: [4], data_offsets: [0, 4] }), /no valid dtype/],
    ['a huge dtype string', oneTensor({ dtype: 'F'.repeat(100), shape: [4], data_offsets: [0, 4] }), /no valid dtype/],
    ['a negative dimension', oneTensor({ dtype: 'U8', shape: [-4], data_offsets: [0, 4] }), /shape is not a list/],
    ['a fractional dimension', oneTensor({ dtype: 'U8', shape: [1.5], data_offsets: [0, 4] }), /shape is not a list/],
    ['a dimension that is a string', oneTensor({ dtype: 'U8', shape: ['4'], data_offsets: [0, 4] }), /shape is not a list/],
    ['a shape that is not a list', oneTensor({ dtype: 'U8', shape: 4, data_offsets: [0, 4] }), /shape is not a list/],
    ['a rank of 1000', oneTensor({ dtype: 'U8', shape: Array(1000).fill(1), data_offsets: [0, 1] }), /shape is not a list/],
    ['missing data_offsets', oneTensor({ dtype: 'U8', shape: [4] }), /data_offsets is not a pair/],
    ['three data_offsets', oneTensor({ dtype: 'U8', shape: [4], data_offsets: [0, 2, 4] }), /data_offsets is not a pair/],
    ['data_offsets beyond 2^53', oneTensor({ dtype: 'U8', shape: [4], data_offsets: [0, 2 ** 60] }), /data_offsets is not a pair/],
    ['begin after end', oneTensor({ dtype: 'U8', shape: [0], data_offsets: [4, 2] }), /outside the 4 bytes of tensor data/],
    ['an end past the data', oneTensor({ dtype: 'U8', shape: [8], data_offsets: [0, 8] }), /data_offsets \[0, 8\] are outside the 4 bytes/],
    ['a size that does not match dtype and shape', oneTensor({ dtype: 'F32', shape: [4], data_offsets: [0, 4] }), /needs 16 bytes, but data_offsets span 4/],
    ['a shape whose size overflows', oneTensor({ dtype: 'F32', shape: [2 ** 52, 2 ** 52], data_offsets: [0, 4] }), /needs \d+ bytes/],
    [
      'overlapping tensors',
      oneTensor({ dtype: 'U8', shape: [3], data_offsets: [0, 3] }, { v: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }),
      /tensors 'w' and 'v' overlap/,
    ],
    ['metadata that is a list', oneTensor({ dtype: 'U8', shape: [4], data_offsets: [0, 4] }, { __metadata__: ['a'] }), /__metadata__ is not an object/],
    ['a metadata value that is a number', oneTensor({ dtype: 'U8', shape: [4], data_offsets: [0, 4] }, { __metadata__: { n: 1 } }), /__metadata__ 'n' is not a string/],
  ];

  it.each(cases)('rejects %s', async (_label, bytes, pattern) => {
    await writeFile(at(), bytes);
    await expectInvalidHeader(readSafetensors(at()), FILE, pattern);
  });

  it('rejects a header length over the 100 MiB cap even when the file is that big', async () => {
    const length = 100 * 1024 * 1024 + 1;
    await writeFile(at(), lengthThen(BigInt(length), Buffer.from('{')));
    await truncate(at(), length + 8 + 16); // sparse: costs no disk and nothing is read
    await expectInvalidHeader(readSafetensors(at()), FILE, /header length 104857601 is over the 100 MiB limit/);
  });

  it('rejects the file cut at every offset', async () => {
    await writeSafetensors(at(), [
      { name: 'a', dtype: 'F32', shape: [2, 2] },
      { name: 'b', dtype: 'I8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    ], { k: 'v' });
    const whole = await readFile(at());
    expect((await readSafetensors(at())).weights).toHaveLength(2);
    for (let cut = 0; cut < whole.length; cut++) {
      await writeFile(at(), whole.subarray(0, cut));
      await expectInvalidHeader(readSafetensors(at()), FILE);
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('rejects random bytes (seed %i)', async (seed) => {
    await writeFile(at(), seededBytes(seed, 16 + seed * 97));
    await expectInvalidHeader(readSafetensors(at()), FILE);
  });

  it('rejects random bytes behind a plausible length', async () => {
    for (let seed = 100; seed < 120; seed++) {
      const garbage = seededBytes(seed, 200);
      await writeFile(at(), lengthThen(150n, garbage));
      await expectInvalidHeader(readSafetensors(at()), FILE);
    }
  });
});
