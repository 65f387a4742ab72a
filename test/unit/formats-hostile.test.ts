// Bounded work on hostile headers (issue 16, point 11): the inputs that once cost tens of seconds and gigabytes
// are refused before the parsing they would have forced, with an INVALID_HEADER naming the limit.
// Measured 2026-11-29 on the 2-core machine shared with other jobs: the safetensors cases are refused after
// ~25 ms of reading, the GGUF one before walking anything, the ONNX one after ~0.5 s of walking fields (the rest
// of each test is writing its file). Before the fix they took 49 s and 5.2 GB, 15 s, and 11 s.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { readGguf } from '../../src/core/formats/gguf.js';
import { readOnnx } from '../../src/core/formats/onnx.js';
import { readSafetensors } from '../../src/core/formats/safetensors.js';
import { expectInvalidHeader } from '../helpers/model-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mreg-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function safetensors(name: string, json: Buffer): string {
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([size, json]));
  return path;
}

describe('hostile headers are refused before they are parsed', () => {
  it('a 100 MB safetensors header of nested [ (the repro)', async () => {
    const path = safetensors('nested.safetensors', Buffer.alloc(100 * 1024 * 1024 - 16, '['));
    await expectInvalidHeader(readSafetensors(path), 'nested.safetensors', /header JSON has nesting deeper than 8 levels \(the limit\)/);
  });

  it('a safetensors shape of three million elements', async () => {
    const shape = new Array(3_000_000).fill(1).join(',');
    const path = safetensors('wide.safetensors', Buffer.from(`{"w":{"dtype":"F32","shape":[${shape}],"data_offsets":[0,4]}}`));
    await expectInvalidHeader(readSafetensors(path), 'wide.safetensors', /more than 2000000 values \(the limit\)/);
  });

  it('brackets and commas inside strings do not count', async () => {
    const path = safetensors('strings.safetensors', Buffer.from(`{"__metadata__":{"k":"${'[{,\\"'.repeat(100_000)}"}}`));
    await readSafetensors(path); // reads fine: only structure counts
  });

  it('a GGUF array of 25 million empty strings (the repro), without writing 200 MB', async () => {
    const key = Buffer.from('tokenizer.ggml.tokens');
    const head = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 4 + 8);
    let o = head.write('GGUF', 0, 'latin1');
    o = head.writeUInt32LE(3, o);
    o = head.writeBigUInt64LE(0n, o); // tensors
    o = head.writeBigUInt64LE(1n, o); // key/values
    o = head.writeBigUInt64LE(BigInt(key.length), o);
    o += key.copy(head, o);
    o = head.writeUInt32LE(9, o); // ARRAY
    o = head.writeUInt32LE(8, o); // of STRING
    head.writeBigUInt64LE(25_000_000n, o);
    const path = join(dir, 'vocab.gguf');
    const fd = openSync(path, 'w');
    writeSync(fd, head);
    ftruncateSync(fd, head.length + 25_000_000 * 8); // sparse: 25M zero lengths, each an empty string
    closeSync(fd);
    await expectInvalidHeader(readGguf(path), 'vocab.gguf', /array of 25000000 variable-size items takes the file past the limit of 4000000/);
  });

  it('an ONNX file of 19 million fields (the repro)', async () => {
    // 19M times field 1 (ir_version), varint 1: a protobuf a parser must walk field by field.
    const path = join(dir, 'fields.onnx');
    writeFileSync(path, Buffer.alloc(19_000_000 * 2, Buffer.from([0x08, 0x01])));
    await expectInvalidHeader(readOnnx(path), 'fields.onnx', /more than 500000 protobuf fields/);
  });
});
