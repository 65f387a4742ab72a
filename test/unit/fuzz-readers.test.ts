// A seeded fuzz test (issue 16): mutations of valid safetensors, GGUF and ONNX headers and of pickle streams,
// fed to the header readers, the pickle disassembler and the scanner. Any error other than a MregError fails,
// and so does a disassembly that throws at all (it reports malformed streams instead). Bounded by iteration
// count, not time (no timed assertions); the seed is printed in each failure so a case can be replayed.
// Observed 2026-11-29 on the shared 2-core machine: ~10 s for the file, process RSS 99 MB after it (vitest included).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { readGguf } from '../../src/core/formats/gguf.js';
import { readOnnx } from '../../src/core/formats/onnx.js';
import { readSafetensors } from '../../src/core/formats/safetensors.js';
import { bytesSource, disassemblePickle } from '../../src/core/scan/pickle.js';
import { scanBuffer } from '../../src/core/scan/scan.js';
import { encodeGguf, encodeOnnx, partsToBuffer, safetensorsPrefix } from '../helpers/model-fixtures.js';
import { prng } from '../helpers/prng.js';

const ITERATIONS = 300;
const dir = mkdtempSync(join(tmpdir(), 'mreg-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** One to four mutations: byte flips, overwrites with boundary values, insertions, deletions, truncation. */
function mutate(base: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(base);
  const n = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = Math.floor(rand() * b.length);
    const pick = rand();
    if (pick < 0.35) b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
    else if (pick < 0.55) b.fill([0x00, 0xff, 0x7f, 0x80][Math.floor(rand() * 4)]!, at, Math.min(b.length, at + 1 + Math.floor(rand() * 8)));
    else if (pick < 0.7) b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 16) }, () => Math.floor(rand() * 256))), b.subarray(at)]);
    else if (pick < 0.85) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rand() * 16)))]);
    else b = b.subarray(0, at);
  }
  return b;
}

const SAFETENSORS = Buffer.concat([
  safetensorsPrefix({ __metadata__: { format: 'pt' }, w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: 'I64', shape: [1], data_offsets: [16, 24] } }),
  Buffer.alloc(24),
]);
const GGUF = partsToBuffer(encodeGguf({
  kvs: { 'general.architecture': 'llama', 'tokenizer.ggml.tokens': ['a', 'bb', 'ccc'], 'x.list': Array(8).fill(1.5), nested: { type: 'array', itemType: 'array', items: [['p', 'q'], ['r']] } },
  tensors: [{ name: 'a', shape: [32, 2], type: 'Q8_0' }, { name: 'b', shape: [8], type: 'F32' }],
}));
const ONNX = partsToBuffer(encodeOnnx({
  inputs: [{ name: 'x', dtype: 'float', shape: ['batch', 3] }],
  outputs: [{ name: 'y', dtype: 'float', shape: ['batch', 1] }],
  initializers: [{ name: 'w', dtype: 'float', dims: [3, 1] }],
  metadataProps: { k: 'v' },
}));
const PICKLES = readdirSync('test/fixtures/pickles').filter((f) => /\.(pkl|pt|pth|npy|npz|joblib)$/.test(f)).map((f) => readFileSync(join('test/fixtures/pickles', f)));

async function onlyMregErrors(seed: number, read: () => Promise<unknown>): Promise<void> {
  try {
    await read();
  } catch (err) {
    expect(err, `seed ${seed}: ${(err as Error)?.stack ?? String(err)}`).toBeInstanceOf(MregError);
    expect((err as MregError).code, `seed ${seed}`).toBe('INVALID_HEADER');
  }
}

describe('seeded fuzz', () => {
  it.each([
    ['safetensors', SAFETENSORS, readSafetensors, 'm.safetensors'],
    ['GGUF', GGUF, readGguf, 'm.gguf'],
    ['ONNX', ONNX, readOnnx, 'm.onnx'],
  ] as const)(`the %s header reader throws nothing but INVALID_HEADER on ${ITERATIONS} mutations`, async (_name, base, read, file) => {
    const path = join(dir, file);
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      writeFileSync(path, mutate(base, prng(seed)));
      await onlyMregErrors(seed, () => read(path));
    }
  }, 60_000);

  it(`the pickle disassembler and the scanner never throw on ${ITERATIONS} mutated pickles`, () => {
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const rand = prng(seed);
      const base = PICKLES[Math.floor(rand() * PICKLES.length)]!;
      const bytes = mutate(base, rand);
      for (const joblib of [false, true]) {
        expect(() => disassemblePickle(bytesSource(bytes), { joblib }), `seed ${seed}`).not.toThrow();
      }
      for (const name of ['m.pkl', 'm.pt', 'm.npy', 'm.npz', 'm.joblib', 'm.dat']) {
        try {
          scanBuffer(name, bytes);
        } catch (err) {
          // Only the scanner's own refusals may escape (none are expected for in-memory bytes).
          expect(err, `seed ${seed} ${name}: ${(err as Error)?.stack ?? String(err)}`).toBeInstanceOf(MregError);
        }
      }
    }
  });
});
