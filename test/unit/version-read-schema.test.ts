// Reading a version's interfaces from its model files (readSchema, src/core/versioning/findings.ts) on real files:
// which files count, the order and shape of the record, a bad header named as the user gave the file, the
// shard index checked, and the size limit at its exact boundary.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputFile } from '../../src/core/inputs.js';
import { MAX_SCHEMA_BYTES, readSchema } from '../../src/core/versioning/findings.js';
import { MregError } from '../../src/errors.js';
import { writeOnnx, writeSafetensors } from '../helpers/model-fixtures.js';

let dir: string;
let outside: string;
const file = (source: string, path: string): InputFile => ({ source, path, input: path });

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('accepted');
    },
    (err: unknown) => err,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mreg-read-schema-'));
  outside = mkdtempSync(join(tmpdir(), 'mreg-read-schema-out-'));
  mkdirSync(join(dir, 'sub'));
  await writeOnnx(join(dir, 'a.onnx'), { inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 2] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['n'] }] });
  await writeSafetensors(join(dir, 'w.safetensors'), [{ name: 'w', dtype: 'F32', shape: [2] }], { note: 'hi' });
  await writeSafetensors(join(dir, 'model-1.safetensors'), [{ name: 'a', dtype: 'F32', shape: [2] }]);
  await writeSafetensors(join(dir, 'model-2.safetensors'), [{ name: 'b', dtype: 'F32', shape: [2] }]);
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-1.safetensors', b: 'model-2.safetensors' } }));
  writeFileSync(join(dir, 'bad.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-2.safetensors', b: 'model-2.safetensors' } }));
  writeFileSync(join(dir, 'config.json'), '{"not": "an index"}');
  writeFileSync(join(dir, 'notes.txt'), 'notes');
  writeFileSync(join(dir, 'sub', 'broken.onnx'), 'this is not protobuf at all');
  writeFileSync(join(outside, 'broken.onnx'), 'this is not protobuf at all');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('readSchema', () => {
  it('records the model files only, keyed by their path in the version, in the order given', async () => {
    const schema = await readSchema([file(join(dir, 'w.safetensors'), 'z/w.safetensors'), file(join(dir, 'notes.txt'), 'notes.txt'), file(join(dir, 'a.onnx'), 'a.onnx')], dir);
    expect(Object.keys(schema)).toStrictEqual(['z/w.safetensors', 'a.onnx']);
    expect(schema).toStrictEqual({
      'z/w.safetensors': { format: 'safetensors', inputs: [], outputs: [], weights: [{ name: 'w', dtype: 'F32', shape: [2] }], metadata: { note: 'hi' } },
      'a.onnx': expect.objectContaining({ format: 'onnx', inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 2] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['n'] }] }),
    });
    expect(await readSchema([file(join(dir, 'notes.txt'), 'notes.txt')], dir)).toStrictEqual({});
    expect(await readSchema([], dir)).toStrictEqual({});
  });

  it('keeps a path such as __proto__ as an ordinary, editable entry', async () => {
    const schema = await readSchema([file(join(dir, 'w.safetensors'), '__proto__')], dir);
    expect(Object.keys(schema)).toStrictEqual(['__proto__']);
    expect(Object.getPrototypeOf(schema)).toBe(Object.prototype);
    expect(JSON.stringify(schema)).toMatch(/^\{"__proto__":\{"format":"safetensors",/);
    const entry = schema['__proto__']!;
    schema['__proto__'] = { ...entry, format: 'edited' };
    expect(schema['__proto__']!.format).toBe('edited');
    delete schema['__proto__'];
    expect(Object.keys(schema)).toStrictEqual([]);
  });

  it('names a file with a bad header as the user gave it: relative inside cwd, absolute outside', async () => {
    const inside = await failure(readSchema([file(join(dir, 'sub', 'broken.onnx'), 'models/m.onnx')], dir));
    expect(inside).toBeInstanceOf(MregError);
    const err = inside as MregError;
    expect(err.code).toBe('INVALID_HEADER');
    expect(err.message).toMatch(/^sub\/broken\.onnx: [^:]/);
    expect(err.message).not.toMatch(/broken\.onnx: broken\.onnx/);
    expect(err.data).toStrictEqual({ path: join(dir, 'sub', 'broken.onnx'), artifact: 'models/m.onnx' });
    expect(err.cause).toBeInstanceOf(MregError);
    expect(err.message).toBe(`sub/${(err.cause as MregError).message}`);

    const out = (await failure(readSchema([file(join(outside, 'broken.onnx'), 'm.onnx')], dir))) as MregError;
    expect(out.code).toBe('INVALID_HEADER');
    expect(out.message).toBe(`${join(outside, 'broken.onnx')}: ${(out.cause as MregError).message.slice('broken.onnx: '.length)}`);
    expect(out.data).toStrictEqual({ path: join(outside, 'broken.onnx'), artifact: 'm.onnx' });
  });

  it('lets an error other than a bad header through unchanged', async () => {
    const err = (await failure(readSchema([file(join(dir, 'missing.onnx'), 'missing.onnx')], dir))) as NodeJS.ErrnoException;
    expect(err).not.toBeInstanceOf(MregError);
    expect(err.code).toBe('ENOENT');
  });

  it('checks a shard index against the shards, and only files named like one', async () => {
    const shards = [file(join(dir, 'model-1.safetensors'), 'ck/model-1.safetensors'), file(join(dir, 'model-2.safetensors'), 'ck/model-2.safetensors')];
    const ok = await readSchema([...shards, file(join(dir, 'model.safetensors.index.json'), 'ck/model.safetensors.index.json'), file(join(dir, 'config.json'), 'ck/config.json')], dir);
    expect(Object.keys(ok)).toStrictEqual(['ck/model-1.safetensors', 'ck/model-2.safetensors']);
    const err = (await failure(readSchema([...shards, file(join(dir, 'bad.safetensors.index.json'), 'ck/model.safetensors.index.json')], dir))) as MregError;
    expect(err.code).toBe('INVALID_HEADER');
    expect(err.message).toBe("bad.safetensors.index.json: puts tensor 'a' in 'model-2.safetensors', which does not hold it");
    expect(err.data).toStrictEqual({ path: join(dir, 'bad.safetensors.index.json'), artifact: 'ck/model.safetensors.index.json' });
  });

  it(`accepts interfaces of exactly ${MAX_SCHEMA_BYTES} bytes of JSON and refuses one byte more`, async () => {
    expect(MAX_SCHEMA_BYTES).toBe(2 * 1024 * 1024);
    const path = join(dir, 'big.safetensors');
    const write = (pad: number) => writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [1] }], { pad: 'x'.repeat(pad) });
    await write(0);
    const small = Buffer.byteLength(JSON.stringify(await readSchema([file(path, 'big.safetensors')], dir)));
    await write(MAX_SCHEMA_BYTES - small);
    const exact = await readSchema([file(path, 'big.safetensors')], dir);
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(MAX_SCHEMA_BYTES);
    await write(MAX_SCHEMA_BYTES - small + 1);
    const err = (await failure(readSchema([file(path, 'big.safetensors')], dir))) as MregError;
    expect(err).toBeInstanceOf(MregError);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(
      `the interfaces read from these model files take ${MAX_SCHEMA_BYTES + 1} bytes, more than a manifest can hold (${MAX_SCHEMA_BYTES}); split the version or ask for a higher limit`,
    );
  });
});
