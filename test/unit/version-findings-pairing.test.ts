// How whole versions pair their model files before comparing them (src/core/versioning/findings.ts): files in
// path order, shards merged into one model (the first shard's tensors and metadata win), the weights counted as
// changed from the artifact hashes whatever the shards are called, a declared signature on one side only, and
// the exact refusal of an understated declaration.
import { describe, expect, it } from 'vitest';
import { finding } from '../../src/core/formats/compare.js';
import type { ModelInterface, Tensor } from '../../src/core/formats/types.js';
import { checkDeclared, uncovered, versionFindings, type VersionInterface } from '../../src/core/versioning/findings.js';
import { thrown } from '../helpers/errors.js';

const t = (name: string, dtype = 'F16', shape: (string | number)[] = [4]): Tensor => ({ name, dtype, shape });
const onnx = (outputs: string[]): ModelInterface => ({ format: 'onnx', inputs: [], outputs: outputs.map((n) => t(n, 'float32', [1])) });
const st = (weights: Tensor[], metadata?: Record<string, string>): ModelInterface => ({ format: 'safetensors', inputs: [], outputs: [], weights, ...(metadata ? { metadata } : {}) });
const gg = (weights: Tensor[], metadata?: Record<string, string>): ModelInterface => ({ format: 'gguf', inputs: [], outputs: [], weights, ...(metadata ? { metadata } : {}) });

/** A version whose artifacts are its schema's files (hash 'same' unless given) plus any other hashed files. */
function version(schema: Record<string, ModelInterface>, hashes: Record<string, string> = {}): VersionInterface {
  return { schema, artifacts: Object.keys({ ...schema, ...hashes }).map((path) => ({ path, sha256: hashes[path] ?? 'same' })) };
}
const sig = (outputs: string[], hashes: Record<string, string>): VersionInterface => ({
  signature: { inputs: [], outputs: outputs.map((n) => t(n, 'float32', [1])) },
  artifacts: Object.entries(hashes).map(([path, sha256]) => ({ path, sha256 })),
});
const show = (findings: ReturnType<typeof versionFindings>) => findings.map((f) => [f.rule, f.file ?? null, f.message]);

describe('several model files', () => {
  it('are compared in path order, whatever order the schema lists them in', () => {
    const before = version({ 'z.onnx': onnx(['a', 'b']), 'm.onnx': onnx(['a', 'b']), 'a.onnx': onnx(['a', 'b']) });
    const after = version({ 'm.onnx': onnx(['a']), 'a.onnx': onnx(['a']), 'z.onnx': onnx(['a']) });
    expect(show(versionFindings(before, after))).toStrictEqual([
      ['output-removed', 'a.onnx', "a.onnx: output 'b' was removed"],
      ['output-removed', 'm.onnx', "m.onnx: output 'b' was removed"],
      ['output-removed', 'z.onnx', "z.onnx: output 'b' was removed"],
    ]);
  });

  it('one model before and two after: the new file is a model added, the old one is compared by path', () => {
    const before = version({ 'm.onnx': onnx(['a']) });
    expect(versionFindings(before, version({ 'm.onnx': onnx(['a']), 'n.onnx': onnx(['x']) }))).toStrictEqual([
      { rule: 'model-added', bump: 'minor', subject: 'n.onnx', message: "model file 'n.onnx' was added (onnx)" },
    ]);
    expect(versionFindings(before, version({ 'a.onnx': onnx(['x']), 'm.onnx': onnx([]) }))).toStrictEqual([
      { rule: 'output-removed', bump: 'major', subject: 'a', file: 'm.onnx', message: "m.onnx: output 'a' was removed", before: t('a', 'float32', [1]) },
      { rule: 'model-added', bump: 'minor', subject: 'a.onnx', message: "model file 'a.onnx' was added (onnx)" },
    ]);
  });

  it('two models before and one after: the file gone is a model removed', () => {
    expect(versionFindings(version({ 'm.onnx': onnx(['a']), 'n.onnx': onnx(['x']) }), version({ 'm.onnx': onnx(['a']) }))).toStrictEqual([
      { rule: 'model-removed', bump: 'major', subject: 'n.onnx', message: "model file 'n.onnx' was removed" },
    ]);
  });

  it('label a set of shards by their number and format', () => {
    const before = version({ 'm.onnx': onnx(['a']), 's-1.safetensors': st([t('w')]), 's-2.safetensors': st([t('v')]) });
    const after = version({ 'm.onnx': onnx(['a']), 's-1.safetensors': st([t('w')]), 's-2.safetensors': st([t('v', 'F32')]) });
    expect(show(versionFindings(before, after))).toStrictEqual([
      ['architecture-changed', '2 safetensors files', "2 safetensors files: weight tensor 'v' changed from F16 [4] to F32 [4]"],
    ]);
    expect(show(versionFindings(before, version({ 'm.onnx': onnx(['a']) })))).toStrictEqual([
      ['model-removed', null, "model file '2 safetensors files' was removed"],
    ]);
    expect(show(versionFindings(version({ 'm.onnx': onnx(['a']) }), before))).toStrictEqual([
      ['model-added', null, "model file '2 safetensors files' was added (safetensors)"],
    ]);
    // three shards, and one shard: its own path
    const three = version({ 'm.onnx': onnx(['a']), 'a.gguf': gg([t('x')]), 'b.gguf': gg([]), 'c.gguf': gg([]) });
    expect(show(versionFindings(three, version({ 'm.onnx': onnx(['a']) })))).toStrictEqual([['model-removed', null, "model file '3 gguf files' was removed"]]);
    const one = version({ 'm.onnx': onnx(['a']), 'only.gguf': gg([t('x')]) });
    expect(show(versionFindings(one, version({ 'm.onnx': onnx(['a']) })))).toStrictEqual([['model-removed', null, "model file 'only.gguf' was removed"]]);
  });

  it('a declared signature on one side only is neither a model removed nor one added', () => {
    const two = { 'm.onnx': onnx(['a']), 'n.onnx': onnx(['b']) };
    const withSig: VersionInterface = { ...version(two), signature: { inputs: [], outputs: [t('y', 'float32', [1])] } };
    expect(versionFindings(withSig, version(two))).toStrictEqual([]);
    expect(versionFindings(version(two), withSig)).toStrictEqual([]);
  });
});

describe('shards as one model', () => {
  it('keep the first shard (in path order) of a tensor named twice', () => {
    const before = version({ 'a.safetensors': st([t('w', 'F16')]), 'b.safetensors': st([t('w', 'F32')]) });
    // two files become one, so the bytes differ; the interface does not
    expect(versionFindings(before, version({ 'x.safetensors': st([t('w', 'F16')]) })).map((f) => f.rule)).toStrictEqual(['weights-changed']);
    expect(versionFindings(before, version({ 'x.safetensors': st([t('w', 'F32')]) })).map((f) => f.message)).toStrictEqual(["weight tensor 'w' changed from F16 [4] to F32 [4]"]);
  });

  it('merge their metadata, the first shard winning a key both hold', () => {
    const merged = version({ 'a.gguf': gg([t('w')], { 'llama.context_length': '4096' }), 'b.gguf': gg([t('v')], { 'llama.context_length': '2048', 'general.architecture': 'llama' }) });
    const single = (metadata: Record<string, string>) => version({ 'one.gguf': gg([t('w'), t('v')], metadata) });
    expect(versionFindings(merged, single({ 'llama.context_length': '4096', 'general.architecture': 'llama' })).map((f) => f.rule)).toStrictEqual(['weights-changed']);
    expect(versionFindings(merged, single({ 'llama.context_length': '4096', 'general.architecture': 'mistral' })).map((f) => f.rule)).toStrictEqual(['architecture-changed']);
    expect(versionFindings(merged, single({ 'llama.context_length': '2048', 'general.architecture': 'llama' })).map((f) => f.rule)).toStrictEqual(['context-length-decreased']);
    // a first shard without metadata takes the next one's
    const later = version({ 'a.gguf': gg([t('w')]), 'b.gguf': gg([t('v')], { 'general.architecture': 'llama' }) });
    expect(versionFindings(later, single({ 'general.architecture': 'mistral' })).map((f) => f.rule)).toStrictEqual(['architecture-changed']);
  });

  it('count as changed from the set of their hashes, not from their names or order', () => {
    const before = version({ 'a.safetensors': st([t('w')]), 'b.safetensors': st([t('v')]) }, { 'a.safetensors': 'h1', 'b.safetensors': 'h2' });
    const renamed = version({ 'x.safetensors': st([t('w')]), 'y.safetensors': st([t('v')]) }, { 'x.safetensors': 'h2', 'y.safetensors': 'h1' });
    expect(versionFindings(before, renamed)).toStrictEqual([]);
    const retrained = version({ 'x.safetensors': st([t('w')]), 'y.safetensors': st([t('v')]) }, { 'x.safetensors': 'h1', 'y.safetensors': 'h3' });
    expect(versionFindings(before, retrained).map((f) => f.rule)).toStrictEqual(['weights-changed']);
    // other files of the version do not count for a model's bytes
    const withReadme = version({ 'a.safetensors': st([t('w')]), 'b.safetensors': st([t('v')]) }, { 'a.safetensors': 'h1', 'b.safetensors': 'h2', 'README.md': 'new' });
    expect(versionFindings(before, withReadme)).toStrictEqual([]);
  });

  it('in a version with several models, count as changed per model', () => {
    const before = version({ 'm.onnx': onnx(['a']), 'a.safetensors': st([t('w')]) }, { 'm.onnx': 'o1', 'a.safetensors': 's1' });
    const after = version({ 'm.onnx': onnx(['a']), 'a.safetensors': st([t('w')]) }, { 'm.onnx': 'o1', 'a.safetensors': 's2' });
    expect(show(versionFindings(before, after))).toStrictEqual([['weights-changed', 'a.safetensors', 'a.safetensors: the weights changed; the interface is the same']]);
  });
});

describe('a declared signature', () => {
  it('counts every artifact of the version as its bytes', () => {
    expect(versionFindings(sig(['y'], { 'm.pkl': 'h', 'vocab.txt': 'v1' }), sig(['y'], { 'm.pkl': 'h', 'vocab.txt': 'v2' })).map((f) => f.rule)).toStrictEqual(['weights-changed']);
    expect(versionFindings(sig(['y'], { 'm.pkl': 'h', 'vocab.txt': 'v1' }), sig(['y'], { 'vocab.txt': 'v1', 'm.pkl': 'h' }))).toStrictEqual([]);
  });

  it('compared with a model file read from its header is a format change', () => {
    expect(versionFindings(sig(['y'], { 'm.pkl': 'h' }), version({ 'm.onnx': onnx(['y']) })).map((f) => f.message)).toStrictEqual(['the model format changed from signature to onnx']);
  });
});

describe('labels and lists', () => {
  it('names the declared signature in a version with several models', () => {
    const two = { 'm.onnx': onnx(['a']), 'n.onnx': onnx(['b']) };
    const withSig = (outputs: string[]): VersionInterface => ({ ...version(two), signature: { inputs: [], outputs: outputs.map((n) => t(n, 'float32', [1])) } });
    expect(show(versionFindings(withSig(['y', 'z']), withSig(['y'])))).toStrictEqual([
      ['output-removed', 'the declared signature', "the declared signature: output 'z' was removed"],
    ]);
  });

  it('a shard interface without a weight list counts as no weights, first or later', () => {
    const bare: ModelInterface = { format: 'gguf', inputs: [], outputs: [] };
    expect(versionFindings(version({ 'a.gguf': bare }), version({ 'a.gguf': bare }))).toStrictEqual([]);
    const later = version({ 'a.gguf': gg([t('w')]), 'b.gguf': bare });
    expect(versionFindings(later, version({ 'a.gguf': gg([t('w')]), 'b.gguf': bare }))).toStrictEqual([]);
    expect(versionFindings(later, version({ 'a.gguf': gg([t('w')]), 'b.gguf': gg([t('v')]) })).map((f) => f.message)).toStrictEqual(["weight tensor 'v' was added (F16 [4])"]);
  });
});

describe('uncovered and checkDeclared', () => {
  const patch = finding('weights-changed', 'weights', 'the weights changed');
  const minor = finding('output-added', 'o', "output 'o' was added");
  const major = finding('output-removed', 'p', "output 'p' was removed");

  it('uncovered keeps the findings above the declared type, in order', () => {
    expect(uncovered([major, patch, minor], 'patch')).toStrictEqual([major, minor]);
    expect(uncovered([major, patch, minor], 'minor')).toStrictEqual([major]);
    expect(uncovered([major, patch, minor], 'major')).toStrictEqual([]);
  });

  it('refuses with the whole data, the findings, and the ones missed only in the message', () => {
    const err = thrown(() => checkDeclared('fraud', 'patch', [patch, minor], { current: '1.0.0' }));
    expect(err.code).toBe('BUMP_TOO_LOW');
    expect(err.message).toBe("fraud: declared patch, but output 'o' was added: minor");
    expect(err.hint).toBe('declare the change as minor (mreg change add fraud --change minor -m "..."), or undo the interface change');
    expect(err.data).toStrictEqual({ model: 'fraud', declared: 'patch', required: 'minor', findings: [patch, minor], current: '1.0.0' });
  });

  it('says how the type was declared when it was not declared as such', () => {
    const err = thrown(() => checkDeclared('fraud', 'minor', [major], {}, 'continuing 1.3.0-rc.0'));
    expect(err.message).toBe("fraud: declared minor (continuing 1.3.0-rc.0), but output 'p' was removed: major");
  });

  it('hints at an explicit version only when the previous version is known', () => {
    const err = thrown(() => checkDeclared('fraud', 'minor', [major, minor], { previous: '1.4.2' }, 'version 1.5.0 after 1.4.2', 'version'));
    expect(err.hint).toBe('register it as version 2.0.0 (a major step from 1.4.2), or undo the interface change');
    expect(err.data).toStrictEqual({ model: 'fraud', declared: 'minor', required: 'major', findings: [major, minor], previous: '1.4.2' });
    const minorStep = thrown(() => checkDeclared('fraud', 'patch', [minor], { previous: '1.4.2' }, undefined, 'version'));
    expect(minorStep.hint).toBe('register it as version 1.5.0 (a minor step from 1.4.2), or undo the interface change');
    // a previous version known, but the type declared by change files: the change-file hint
    const files = thrown(() => checkDeclared('fraud', 'minor', [major], { previous: '1.4.2' }));
    expect(files.hint).toBe('declare the change as major (mreg change add fraud --change major -m "..."), or undo the interface change');
    for (const data of [{}, { previous: 3 }]) {
      const without = thrown(() => checkDeclared('fraud', 'minor', [major], data, undefined, 'version'));
      expect(without.hint).toBe('declare the change as major (mreg change add fraud --change major -m "..."), or undo the interface change');
    }
  });

  it('names the option when the type came from it', () => {
    const err = thrown(() => checkDeclared('fraud', 'patch', [minor], { current: null }, undefined, 'change'));
    expect(err.hint).toBe('pass change minor, or undo the interface change');
    expect(err.data).toStrictEqual({ model: 'fraud', declared: 'patch', required: 'minor', findings: [minor], current: null, option: 'change' });
  });
});
