// Fixtures for the declared-changes tests: per format, a first version of a model, a retrain (same interface,
// new weights), and a breaking version; and a snapshot of everything a failed command must leave untouched.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { writeGguf, writeOnnx, writeSafetensors } from './model-fixtures.js';

// Real, safe pickles for the declared-signature format: register scans what it stores.
const PICKLES = join(ROOT, 'test/fixtures/pickles');

export interface FormatFixture {
  name: string;
  /** the file register and bump get */
  file: string;
  /** writes the model file (and returns extra register/bump arguments, such as --meta) */
  v1(dir: string): Promise<string[]>;
  retrained(dir: string): Promise<string[]>;
  breaking(dir: string): Promise<string[]>;
  /** a rule id and words the finding of `breaking` must show */
  finding: { rule: string; text: RegExp };
  /** what the manifest records about the interface: a schema entry, or the declared signature */
  recorded: 'schema' | 'signature';
}

const onnxSpec = (outputs: string[], fill: number) => ({
  inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch', 128] }],
  outputs: [
    { name: 'logits', dtype: 'float32', shape: ['batch', 2] },
    { name: 'hn', dtype: 'float32', shape: [2, 'batch', 64] },
  ].filter((o) => outputs.includes(o.name)),
  initializers: [{ name: 'w', dims: [16, 16], data: { size: 1024, fill } }],
});

const signatureMeta = (outputs: string[]) =>
  [
    'signature:',
    '  inputs:',
    '    - {name: ids, dtype: int64, shape: [-1, 128]}',
    '  outputs:',
    ...[
      '    - {name: logits, dtype: float, shape: [-1, 2]}',
      '    - {name: hn, dtype: float32, shape: [2, -1, 64]}',
    ].filter((line) => outputs.some((o) => line.includes(`name: ${o},`))),
    '',
  ].join('\n');

export const FORMATS: FormatFixture[] = [
  {
    name: 'ONNX',
    file: 'model.onnx',
    async v1(dir) {
      await writeOnnx(join(dir, 'model.onnx'), onnxSpec(['logits', 'hn'], 1));
      return [];
    },
    async retrained(dir) {
      await writeOnnx(join(dir, 'model.onnx'), onnxSpec(['logits', 'hn'], 2));
      return [];
    },
    async breaking(dir) {
      await writeOnnx(join(dir, 'model.onnx'), onnxSpec(['logits'], 2));
      return [];
    },
    finding: { rule: 'output-removed', text: /output 'hn' was removed: major/ },
    recorded: 'schema',
  },
  {
    name: 'safetensors',
    file: 'model.safetensors',
    async v1(dir) {
      await writeSafetensors(join(dir, 'model.safetensors'), [
        { name: 'embed.weight', dtype: 'F16', shape: [8, 4], data: { size: 64, fill: 1 } },
        { name: 'head.weight', dtype: 'F16', shape: [4, 2], data: { size: 16, fill: 1 } },
      ], { format: 'pt' });
      return [];
    },
    async retrained(dir) {
      await writeSafetensors(join(dir, 'model.safetensors'), [
        { name: 'embed.weight', dtype: 'F16', shape: [8, 4], data: { size: 64, fill: 2 } },
        { name: 'head.weight', dtype: 'F16', shape: [4, 2], data: { size: 16, fill: 2 } },
      ], { format: 'pt' });
      return [];
    },
    async breaking(dir) {
      await writeSafetensors(join(dir, 'model.safetensors'), [
        { name: 'embed.weight', dtype: 'F16', shape: [8, 4], data: { size: 64, fill: 2 } },
      ], { format: 'pt' });
      return [];
    },
    finding: { rule: 'architecture-changed', text: /weight tensor 'head\.weight' was removed: major/ },
    recorded: 'schema',
  },
  {
    name: 'GGUF',
    file: 'model.gguf',
    async v1(dir) {
      await writeGguf(join(dir, 'model.gguf'), { kvs: { 'general.architecture': 'llama', 'llama.context_length': 2048 }, tensors: [
        { name: 'token_embd.weight', shape: [4, 8], data: { size: 128, fill: 1 } },
        { name: 'output.weight', shape: [4, 2], data: { size: 32, fill: 1 } },
      ] });
      return [];
    },
    async retrained(dir) {
      await writeGguf(join(dir, 'model.gguf'), { kvs: { 'general.architecture': 'llama', 'llama.context_length': 2048 }, tensors: [
        { name: 'token_embd.weight', shape: [4, 8], data: { size: 128, fill: 2 } },
        { name: 'output.weight', shape: [4, 2], data: { size: 32, fill: 2 } },
      ] });
      return [];
    },
    async breaking(dir) {
      await writeGguf(join(dir, 'model.gguf'), { kvs: { 'general.architecture': 'qwen2', 'qwen2.context_length': 2048 }, tensors: [
        { name: 'token_embd.weight', shape: [4, 8], data: { size: 128, fill: 2 } },
        { name: 'output.weight', shape: [4, 2], data: { size: 32, fill: 2 } },
      ] });
      return [];
    },
    finding: { rule: 'architecture-changed', text: /the architecture changed from llama to qwen2: major/ },
    recorded: 'schema',
  },
  {
    name: 'declared signature',
    file: 'model.pkl',
    async v1(dir) {
      copyFileSync(join(PICKLES, 'benign_dict_p0.pkl'), join(dir, 'model.pkl'));
      writeFileSync(join(dir, 'meta.yaml'), signatureMeta(['logits', 'hn']));
      return ['--meta', 'meta.yaml'];
    },
    async retrained(dir) {
      copyFileSync(join(PICKLES, 'benign_dict_p2.pkl'), join(dir, 'model.pkl'));
      writeFileSync(join(dir, 'meta.yaml'), signatureMeta(['logits', 'hn']));
      return ['--meta', 'meta.yaml'];
    },
    async breaking(dir) {
      copyFileSync(join(PICKLES, 'benign_dict_p4.pkl'), join(dir, 'model.pkl'));
      writeFileSync(join(dir, 'meta.yaml'), signatureMeta(['logits']));
      return ['--meta', 'meta.yaml'];
    },
    finding: { rule: 'output-removed', text: /output 'hn' was removed: major/ },
    recorded: 'signature',
  },
];

/**
 * Every file of the store that a command could write, with a hash of its bytes: manifests, blobs, change files,
 * history, temp files. The derived manifest cache (cache/) is left out: it is rebuilt whenever stale.
 */
export function storeSnapshot(store: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (r === 'cache') continue;
      if (statSync(path).isDirectory()) walk(path, r);
      else out[r] = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
    }
  };
  walk(store, '');
  return out;
}

export function changeFiles(store: string): string[] {
  const dir = join(store, 'changes');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}
