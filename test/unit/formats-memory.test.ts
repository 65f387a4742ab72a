// Reading the interface of a ~200 MiB model must not read its weights: memory stays flat and it is quick.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInterface } from '../../src/core/formats/read.js';
import type { ModelInterface } from '../../src/core/formats/types.js';
import { writeGguf, writeOnnx, writeSafetensors } from '../helpers/model-fixtures.js';

const MiB = 1024 * 1024;
const BIG = 200 * MiB;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-big-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads the interface while sampling RSS, and returns the result with the peak growth over the start. */
async function measured(path: string): Promise<{ result: ModelInterface | undefined; growth: number; ms: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 1);
  const t0 = performance.now();
  try {
    const result = await readInterface(path);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - start, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

describe('reading big models keeps memory bounded', () => {
  it('safetensors with a 200 MiB tensor', async () => {
    const path = join(dir, 'big.safetensors');
    await writeSafetensors(path, [
      { name: 'big', dtype: 'F32', shape: [BIG / 4] },
      { name: 'small', dtype: 'F16', shape: [3] },
    ], { note: 'big' });
    expect((await stat(path)).size).toBeGreaterThan(BIG);
    const { result, growth } = await measured(path);
    expect(result?.weights).toEqual([
      { name: 'big', dtype: 'F32', shape: [BIG / 4] },
      { name: 'small', dtype: 'F16', shape: [3] },
    ]);
    expect(growth).toBeLessThan(50 * MiB);
  });

  it.each([false, true])('ONNX with a 200 MiB initializer (name after raw_data: %s) that is also listed as an input', async (nameAfterData) => {
    const path = join(dir, `big-${nameAfterData}.onnx`);
    await writeOnnx(path, {
      inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 4] }, { name: 'big', dtype: 'float32', shape: [BIG / 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['n'] }],
      initializers: [{ name: 'big', dims: [BIG / 4], nameAfterData }, { name: 'small', dims: [4] }],
    });
    expect((await stat(path)).size).toBeGreaterThan(BIG);
    const { result, growth, ms } = await measured(path);
    expect(result?.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['n', 4] }]);
    expect(result?.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: ['n'] }]);
    expect(growth).toBeLessThan(50 * MiB);
    expect(ms).toBeLessThan(5000); // the raw_data is skipped by offset, not read
  });

  it('GGUF with a 300,000-token vocabulary and 200 MiB of tensor data', async () => {
    const path = join(dir, 'big.gguf');
    await writeGguf(path, {
      kvs: {
        'general.architecture': 'llama',
        'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', count: 300_000, item: (i) => `token-${i}` },
        'tokenizer.ggml.scores': { type: 'array', itemType: 'float32', count: 300_000, item: () => 0.5 },
        'llama.context_length': 8192,
      },
      tensors: [{ name: 'token_embd.weight', shape: [1024, BIG / 4 / 1024], type: 'F32' }],
    });
    expect((await stat(path)).size).toBeGreaterThan(BIG);
    const { result, growth } = await measured(path);
    expect(result?.weights).toEqual([{ name: 'token_embd.weight', dtype: 'F32', shape: [1024, BIG / 4 / 1024] }]);
    expect(result?.metadata).toEqual({ 'general.architecture': 'llama', 'llama.context_length': '8192' });
    expect(growth).toBeLessThan(50 * MiB);
  });
});
