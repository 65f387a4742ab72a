// Comparing whole versions' interfaces (src/core/versioning/findings.ts): how model files pair up, when weights
// count as changed, and how an understated declaration is refused.
import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { RULES } from '../../src/core/formats/compare.js';
import type { ModelInterface } from '../../src/core/formats/types.js';
import { checkDeclared, versionFindings, type VersionInterface } from '../../src/core/versioning/findings.js';
import { decideNext } from '../../src/core/versioning/plan.js';

const onnx = (outputs: string[]): ModelInterface => ({
  format: 'onnx',
  inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch', 128] }],
  outputs: outputs.map((name) => ({ name, dtype: 'float32', shape: ['batch', 2] })),
});
const shard = (names: string[], dtype = 'F16'): ModelInterface => ({
  format: 'safetensors',
  inputs: [],
  outputs: [],
  weights: names.map((name) => ({ name, dtype, shape: [4, 4] })),
});
const version = (schema: Record<string, ModelInterface>, hashes: Record<string, string> = {}): VersionInterface => ({
  schema,
  artifacts: Object.keys({ ...schema, ...hashes }).map((path) => ({ path, sha256: hashes[path] ?? 'same', size: 1 })),
});
const rules = (v: VersionInterface, w: VersionInterface) => versionFindings(v, w).map((f) => f.rule);

describe('versionFindings', () => {
  it('compares the single model of each version even when the file was renamed', () => {
    expect(rules(version({ 'model.onnx': onnx(['logits', 'hn']) }), version({ 'fraud.onnx': onnx(['logits']) }))).toStrictEqual(['output-removed']);
    expect(versionFindings(version({ 'model.onnx': onnx(['a']) }), version({ 'fraud.onnx': onnx(['a']) }))).toStrictEqual([]);
  });

  it('reports weights-changed only when the model bytes differ and nothing else did', () => {
    const before = version({ 'model.onnx': onnx(['a']) }, { 'model.onnx': 'h1' });
    expect(rules(before, version({ 'model.onnx': onnx(['a']) }, { 'model.onnx': 'h2' }))).toStrictEqual(['weights-changed']);
    expect(rules(before, version({ 'model.onnx': onnx(['a']) }, { 'model.onnx': 'h1', 'README.md': 'x' }))).toStrictEqual([]);
  });

  it('treats safetensors shards as one model: moving a tensor between shards changes nothing', () => {
    const before = version({ 'model-1.safetensors': shard(['a', 'b']), 'model-2.safetensors': shard(['c']) });
    const after = version({ 'model-1.safetensors': shard(['a']), 'model-2.safetensors': shard(['b', 'c']) });
    expect(versionFindings(before, after)).toStrictEqual([]);
    const retyped = version({ 'model-1.safetensors': shard(['a']), 'model-2.safetensors': shard(['b', 'c'], 'F32') });
    expect(rules(before, retyped)).toStrictEqual(['architecture-changed', 'architecture-changed']);
  });

  it('pairs several model files by path, naming the file in each finding, and reports files gone or new', () => {
    const before = version({ 'encoder.onnx': onnx(['h']), 'decoder.onnx': onnx(['logits', 'hn']) });
    const after = version({ 'encoder.onnx': onnx(['h']), 'decoder.onnx': onnx(['logits']), 'ranker.onnx': onnx(['s']) });
    const findings = versionFindings(before, after);
    expect(findings.map((f) => [f.rule, f.bump, f.file ?? null])).toStrictEqual([
      ['output-removed', 'major', 'decoder.onnx'],
      ['model-added', 'minor', null],
    ]);
    expect(findings[0]!.message).toBe("decoder.onnx: output 'hn' was removed");
    const gone = versionFindings(after, version({ 'encoder.onnx': onnx(['h']), 'decoder.onnx': onnx(['logits']) }));
    expect(gone.map((f) => [f.rule, f.message])).toStrictEqual([['model-removed', "model file 'ranker.onnx' was removed"]]);
    expect(RULES['model-removed']).toBe('major');
    expect(RULES['model-added']).toBe('minor');
  });

  it('compares a declared signature like a model, and finds nothing without a previous interface', () => {
    const sig = (outputs: string[]): VersionInterface => ({
      signature: { inputs: [{ name: 'x', dtype: 'float32', shape: ['?', 4] }], outputs: outputs.map((name) => ({ name, dtype: 'float32', shape: ['?'] })) },
      artifacts: [{ path: 'model.pkl', sha256: 'h' }],
    });
    expect(rules(sig(['y', 'z']), sig(['y']))).toStrictEqual(['output-removed']);
    expect(versionFindings(undefined, sig(['y']))).toStrictEqual([]);
    expect(versionFindings({ artifacts: [{ path: 'model.bin', sha256: 'h' }] }, version({ 'm.onnx': onnx(['a']) }))).toStrictEqual([]);
    // a signature left out of --meta is not a new format
    expect(versionFindings(sig(['y']), { artifacts: [{ path: 'model.pkl', sha256: 'h' }] })).toStrictEqual([]);
    expect(rules(version({ 'm.onnx': onnx(['a']) }), { artifacts: [{ path: 'm.bin', sha256: 'h' }] })).toStrictEqual(['format-changed']);
  });
});

describe('checkDeclared', () => {
  const findings = versionFindings(version({ 'm.onnx': onnx(['logits', 'hn']) }), version({ 'm.onnx': onnx(['logits', 'score']) }));

  it('names each finding the declaration misses, with the bump it needs', () => {
    let error: MregError | undefined;
    try {
      checkDeclared('fraud', 'minor', findings);
    } catch (err) {
      error = err as MregError;
    }
    expect(error?.code).toBe('BUMP_TOO_LOW');
    // 'score' has the same dtype and shape as 'hn', so it reads as a rename; either way it is major
    expect(error?.message).toBe("fraud: declared minor, but output 'hn' was renamed to 'score': major");
    expect(error?.data).toMatchObject({ declared: 'minor', required: 'major' });
  });

  it('accepts a declaration at or above what the findings require', () => {
    expect(() => checkDeclared('fraud', 'major', findings)).not.toThrow();
    expect(() => checkDeclared('fraud', 'patch', [])).not.toThrow();
  });
});

describe('every declaration below what the findings require is refused', () => {
  const base = version({ 'm.onnx': onnx(['logits']) }, { 'm.onnx': 'h1' });
  // One version change per level: an output added (minor), an output removed (major), new weights (patch).
  const changes = {
    patch: version({ 'm.onnx': onnx(['logits']) }, { 'm.onnx': 'h2' }),
    minor: version({ 'm.onnx': onnx(['logits', 'score']) }, { 'm.onnx': 'h1' }),
    major: version({ 'm.onnx': onnx([]) }, { 'm.onnx': 'h1' }),
  } as const;
  const refusal = (fn: () => unknown): MregError | undefined => {
    try {
      fn();
    } catch (err) {
      return err as MregError;
    }
    return undefined;
  };

  it.each([
    ['minor', 'patch', "fraud: declared patch, but output 'score' was added (float32 [batch, 2]): minor"],
    ['major', 'minor', "fraud: declared minor, but output 'logits' was removed: major"],
    ['major', 'patch', "fraud: declared patch, but output 'logits' was removed: major"],
  ] as const)('a %s change declared as %s is BUMP_TOO_LOW, in checkDeclared and in decideNext', (required, declared, message) => {
    const findings = versionFindings(base, changes[required]);
    expect(findings.map((f) => f.bump)).toStrictEqual([required]);
    const error = refusal(() => checkDeclared('fraud', declared, findings));
    expect(error).toBeInstanceOf(MregError);
    expect(error?.code).toBe('BUMP_TOO_LOW');
    expect(error?.message).toBe(message);
    expect(error?.data).toMatchObject({ model: 'fraud', declared, required });
    const decided = refusal(() => decideNext({ model: 'fraud', current: '1.0.0', previous: base, candidate: changes[required], declared, flag: 'change' }));
    expect(decided?.code).toBe('BUMP_TOO_LOW');
    expect(decided?.data).toMatchObject({ declared, required, current: '1.0.0' });
  });

  it.each([
    ['patch', 'patch', '1.0.1'],
    ['patch', 'minor', '1.1.0'],
    ['minor', 'minor', '1.1.0'],
    ['minor', 'major', '2.0.0'],
    ['major', 'major', '2.0.0'],
  ] as const)('a %s change declared as %s is accepted: %s', (required, declared, next) => {
    expect(decideNext({ model: 'fraud', current: '1.0.0', previous: base, candidate: changes[required], declared, flag: 'change' })).toMatchObject({ next, type: declared, required });
  });
});
