import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInterface } from '../../src/core/formats/read.js';
import { expectInvalidHeader, seededBytes, writeGguf, writeOnnx, writeSafetensors } from '../helpers/model-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const onnx = (path: string): Promise<void> =>
  writeOnnx(path, { inputs: [{ name: 'x', dtype: 'float32', shape: [1] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1] }] });
const safetensors = (path: string): Promise<void> => writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [2] }]);
const gguf = (path: string): Promise<void> => writeGguf(path, { kvs: { 'general.architecture': 'llama' }, tensors: [{ name: 'w', shape: [2] }] });

describe('readInterface', () => {
  it.each([
    ['model.onnx', onnx, 'onnx'],
    ['MODEL.ONNX', onnx, 'onnx'],
    ['model.safetensors', safetensors, 'safetensors'],
    ['model.gguf', gguf, 'gguf'],
    ['weights.bin', gguf, 'gguf'], // GGUF magic
    ['pytorch_model', safetensors, 'safetensors'], // length then '{'
  ] as const)('reads %s as %s', async (name, write, format) => {
    const path = join(dir, name);
    await write(path);
    expect((await readInterface(path))?.format).toBe(format);
  });

  it.each([
    ['an ONNX file without its extension (no cheap magic)', 'model.bin', onnx],
    ['a pickle-like file', 'model.pt', (p: string) => writeFile(p, Buffer.concat([Buffer.from([0x80, 0x02]), seededBytes(3, 300)]))],
    ['a text file', 'README', (p: string) => writeFile(p, 'hello, model\n')],
    ['an empty file', 'empty', (p: string) => writeFile(p, '')],
    ['a brace at byte 8 behind an absurd length', 'odd.bin', (p: string) => writeFile(p, Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from('{}')]))],
  ])('returns undefined for %s', async (_label, name, write) => {
    const path = join(dir, name);
    await write(path);
    expect(await readInterface(path)).toBeUndefined();
  });

  it('returns undefined for a directory, and rejects a directory named like a model', async () => {
    await mkdir(join(dir, 'plain-dir'));
    expect(await readInterface(join(dir, 'plain-dir'))).toBeUndefined();
    await mkdir(join(dir, 'dir.onnx'));
    await expectInvalidHeader(readInterface(join(dir, 'dir.onnx')), 'dir.onnx', /not a regular file/);
  });

  it.each(['bad.onnx', 'bad.safetensors', 'bad.gguf'])('rejects garbage in %s instead of ignoring it', async (name) => {
    const path = join(dir, name);
    await writeFile(path, seededBytes(42, 500));
    await expectInvalidHeader(readInterface(path), name);
  });

  it('lets a missing file fail as the OS reports it', async () => {
    await expect(readInterface(join(dir, 'missing.onnx'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readInterface(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
