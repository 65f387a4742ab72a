import { describe, expect, it } from 'vitest';
import {
  RULES,
  compareInterfaces,
  migrationGuide,
  requiredBump,
  type Finding,
} from '../../src/core/formats/compare.js';
import type { ModelInterface, Tensor } from '../../src/core/formats/types.js';

const base: ModelInterface = {
  format: 'onnx',
  inputs: [
    { name: 'ids', dtype: 'int64', shape: ['batch', 128] },
    { name: 'mask', dtype: 'int64', shape: ['batch', 128] },
  ],
  outputs: [
    { name: 'logits', dtype: 'float32', shape: ['batch', 10] },
    { name: 'hn', dtype: 'float32', shape: [2, 'batch', 64] },
  ],
};
const withOptional: ModelInterface = { ...base, inputs: [...base.inputs, { name: 'temp', dtype: 'float32', shape: [], optional: true }] };

const gguf: ModelInterface = {
  format: 'gguf',
  inputs: [],
  outputs: [],
  weights: [
    { name: 'tok.weight', dtype: 'F16', shape: [64, 100] },
    { name: 'out.weight', dtype: 'F16', shape: [64, 100] },
  ],
  metadata: { 'general.architecture': 'llama', 'llama.block_count': '2' },
};

/** A copy of `m` with one tensor (by side and name) replaced; `undefined` removes it. */
function edit(m: ModelInterface, side: 'inputs' | 'outputs' | 'weights', name: string, change: Partial<Tensor> & { optional?: true } | undefined): ModelInterface {
  const list = (m[side] ?? []).flatMap((t) => (t.name !== name ? [t] : change === undefined ? [] : [{ ...t, ...change }]));
  return { ...m, [side]: list };
}
function add(m: ModelInterface, side: 'inputs' | 'outputs' | 'weights', t: Tensor & { optional?: true }): ModelInterface {
  return { ...m, [side]: [...(m[side] ?? []), t] };
}
function stripOptional(m: ModelInterface, name: string): ModelInterface {
  return { ...m, inputs: m.inputs.map((t) => (t.name === name ? { name: t.name, dtype: t.dtype, shape: t.shape } : t)) };
}

type Case = [rule: string, prev: ModelInterface | undefined, next: ModelInterface | undefined, expected: Partial<Finding>[], opts?: { weightsChanged?: boolean }];

const cases: Case[] = [
  ['format-changed', base, { ...base, format: 'signature' }, [{ rule: 'format-changed', bump: 'major', subject: 'format', before: 'onnx', after: 'signature', message: 'the model format changed from onnx to signature' }]],
  ['format-changed', base, undefined, [{ rule: 'format-changed', bump: 'major', before: 'onnx', message: 'the model format changed from onnx to one mreg cannot read' }]],
  ['input-added-required', base, add(base, 'inputs', { name: 'pos', dtype: 'int64', shape: ['batch', 128] }),
    [{ rule: 'input-added-required', bump: 'major', subject: 'pos', message: "required input 'pos' was added (int64 [batch, 128]); callers must now pass it" }]],
  ['input-added-optional', base, add(base, 'inputs', { name: 'temp', dtype: 'float32', shape: [], optional: true }),
    [{ rule: 'input-added-optional', bump: 'minor', subject: 'temp', message: "optional input 'temp' was added (float32 [])" }]],
  ['input-removed', base, edit(base, 'inputs', 'mask', undefined), [{ rule: 'input-removed', bump: 'major', subject: 'mask', message: "input 'mask' was removed" }]],
  ['input-renamed', base, edit(base, 'inputs', 'mask', { name: 'attention_mask' }),
    [{ rule: 'input-renamed', bump: 'major', subject: 'mask', before: 'mask', after: 'attention_mask', message: "input 'mask' was renamed to 'attention_mask'" }]],
  ['input-became-required', withOptional, stripOptional(withOptional, 'temp'), [{ rule: 'input-became-required', bump: 'major', subject: 'temp' }]],
  ['input-became-optional', add(base, 'inputs', { name: 'temp', dtype: 'float32', shape: [] }), withOptional, [{ rule: 'input-became-optional', bump: 'minor', subject: 'temp' }]],
  ['input-dtype-changed', base, edit(base, 'inputs', 'ids', { dtype: 'int32' }),
    [{ rule: 'input-dtype-changed', bump: 'major', subject: 'ids', before: 'int64', after: 'int32', message: "input 'ids' changed type from int64 to int32" }]],
  ['input-rank-changed', base, edit(base, 'inputs', 'ids', { shape: ['batch', 128, 1] }),
    [{ rule: 'input-rank-changed', bump: 'major', subject: 'ids', message: "input 'ids' changed rank from 2 to 3 ([batch, 128] to [batch, 128, 1])" }]],
  ['input-dim-changed', base, edit(base, 'inputs', 'ids', { shape: ['batch', 256] }),
    [{ rule: 'input-dim-changed', bump: 'major', subject: 'ids', before: ['batch', 128], after: ['batch', 256], message: "input 'ids' dimension 1 changed from 128 to 256 ([batch, 128] to [batch, 256])" }]],
  ['input-dim-now-fixed', base, edit(base, 'inputs', 'ids', { shape: [1, 128] }),
    [{ rule: 'input-dim-now-fixed', bump: 'major', subject: 'ids', message: "input 'ids' dimension 0 changed from dynamic 'batch' to fixed 1 ([batch, 128] to [1, 128])" }]],
  ['input-dim-now-variable', base, edit(base, 'inputs', 'ids', { shape: ['batch', 'seq'] }),
    [{ rule: 'input-dim-now-variable', bump: 'minor', subject: 'ids', message: "input 'ids' dimension 1 changed from fixed 128 to dynamic 'seq' ([batch, 128] to [batch, seq])" }]],
  ['input-dim-now-variable', base, edit(base, 'inputs', 'ids', { shape: ['...'] }), [{ rule: 'input-dim-now-variable', bump: 'minor', subject: 'ids' }]],
  ['input-dim-now-fixed', edit(base, 'inputs', 'ids', { shape: ['...'] }), base, [{ rule: 'input-dim-now-fixed', bump: 'major', subject: 'ids' }]],
  ['input-dim-renamed', base, edit(base, 'inputs', 'ids', { shape: ['N', 128] }),
    [{ rule: 'input-dim-renamed', bump: 'patch', subject: 'ids', message: "input 'ids' dimension 0 was renamed from 'batch' to 'N'" }]],
  ['output-removed', base, edit(base, 'outputs', 'hn', undefined), [{ rule: 'output-removed', bump: 'major', subject: 'hn', message: "output 'hn' was removed" }]],
  ['output-added', base, add(base, 'outputs', { name: 'attn', dtype: 'float32', shape: ['batch', 8] }),
    [{ rule: 'output-added', bump: 'minor', subject: 'attn', message: "output 'attn' was added (float32 [batch, 8])" }]],
  ['output-renamed', base, edit(base, 'outputs', 'hn', { name: 'hidden' }),
    [{ rule: 'output-renamed', bump: 'major', subject: 'hn', after: 'hidden', message: "output 'hn' was renamed to 'hidden'" }]],
  ['output-dtype-changed', base, edit(base, 'outputs', 'logits', { dtype: 'float16' }), [{ rule: 'output-dtype-changed', bump: 'major', subject: 'logits' }]],
  ['output-rank-changed', base, edit(base, 'outputs', 'logits', { shape: ['batch'] }), [{ rule: 'output-rank-changed', bump: 'major', subject: 'logits' }]],
  ['output-dim-changed', base, edit(base, 'outputs', 'logits', { shape: ['batch', 20] }), [{ rule: 'output-dim-changed', bump: 'major', subject: 'logits' }]],
  ['output-dim-now-variable', base, edit(base, 'outputs', 'logits', { shape: ['batch', 'classes'] }),
    [{ rule: 'output-dim-now-variable', bump: 'major', subject: 'logits', message: "output 'logits' dimension 1 changed from fixed 10 to dynamic 'classes' ([batch, 10] to [batch, classes])" }]],
  ['output-dim-now-variable', base, edit(base, 'outputs', 'logits', { shape: ['...'] }), [{ rule: 'output-dim-now-variable', bump: 'major', subject: 'logits' }]],
  ['output-dim-now-fixed', base, edit(base, 'outputs', 'logits', { shape: [1, 10] }), [{ rule: 'output-dim-now-fixed', bump: 'minor', subject: 'logits' }]],
  ['output-dim-renamed', base, edit(base, 'outputs', 'hn', { shape: [2, 'b', 64] }), [{ rule: 'output-dim-renamed', bump: 'patch', subject: 'hn' }]],
  ['architecture-changed', gguf, { ...gguf, metadata: { ...gguf.metadata, 'general.architecture': 'mistral' } },
    [{ rule: 'architecture-changed', bump: 'major', subject: 'general.architecture', before: 'llama', after: 'mistral', message: 'the architecture changed from llama to mistral' }]],
  ['architecture-changed', gguf, edit(gguf, 'weights', 'out.weight', undefined),
    [{ rule: 'architecture-changed', bump: 'major', subject: 'out.weight', message: "weight tensor 'out.weight' was removed" }]],
  ['architecture-changed', gguf, add(gguf, 'weights', { name: 'extra', dtype: 'F32', shape: [64] }),
    [{ rule: 'architecture-changed', bump: 'major', subject: 'extra', message: "weight tensor 'extra' was added (F32 [64])" }]],
  ['architecture-changed', gguf, edit(gguf, 'weights', 'tok.weight', { dtype: 'Q4_K' }),
    [{ rule: 'architecture-changed', bump: 'major', subject: 'tok.weight', message: "weight tensor 'tok.weight' changed from F16 [64, 100] to Q4_K [64, 100]" }]],
  ['architecture-changed', gguf, edit(gguf, 'weights', 'tok.weight', { shape: [64, 200] }), [{ rule: 'architecture-changed', bump: 'major', subject: 'tok.weight' }]],
  ['input-dim-renamed', base, edit(base, 'inputs', 'ids', { shape: ['?', 128] }),
    [{ rule: 'input-dim-renamed', bump: 'patch', subject: 'ids', message: "input 'ids' dimension 0 lost its name 'batch' (now dynamic)" }]],
  ['input-dim-renamed', edit(base, 'inputs', 'ids', { shape: ['?', 128] }), base,
    [{ rule: 'input-dim-renamed', bump: 'patch', subject: 'ids', message: "input 'ids' dimension 0 got the name 'batch' (was dynamic, unnamed)" }]],
  ['input-dim-now-variable', base, edit(base, 'inputs', 'ids', { shape: ['batch', '?'] }),
    [{ rule: 'input-dim-now-variable', bump: 'minor', subject: 'ids', message: "input 'ids' dimension 1 changed from fixed 128 to dynamic ([batch, 128] to [batch, ?])" }]],
  ['output-dim-now-fixed', edit(base, 'outputs', 'logits', { shape: ['batch', '?'] }), base,
    [{ rule: 'output-dim-now-fixed', bump: 'minor', subject: 'logits', message: "output 'logits' dimension 1 changed from dynamic to fixed 10 ([batch, ?] to [batch, 10])" }]],
  ['context-length-decreased', { ...gguf, metadata: { ...gguf.metadata, 'llama.context_length': '4096' } }, { ...gguf, metadata: { ...gguf.metadata, 'llama.context_length': '2048' } },
    [{ rule: 'context-length-decreased', bump: 'major', subject: 'llama.context_length', before: 4096, after: 2048, message: 'the context length (llama.context_length) shrank from 4096 to 2048 tokens' }]],
  ['context-length-increased', { ...gguf, metadata: { ...gguf.metadata, 'llama.context_length': '2048' } }, { ...gguf, metadata: { ...gguf.metadata, 'llama.context_length': '8192' } },
    [{ rule: 'context-length-increased', bump: 'minor', subject: 'llama.context_length', message: 'the context length (llama.context_length) grew from 2048 to 8192 tokens' }]],
  ['weights-changed', base, structuredClone(base), [{ rule: 'weights-changed', bump: 'patch', subject: 'weights', message: 'the weights changed; the interface is the same' }], { weightsChanged: true }],
  ['weights-changed', gguf, { ...gguf, metadata: { ...gguf.metadata, 'general.name': 'v2' } }, [{ rule: 'weights-changed', bump: 'patch' }], { weightsChanged: true }],
];

describe('compareInterfaces: one rule at a time', () => {
  it.each(cases)('%s', (_rule, prev, next, expected, opts) => {
    const findings = compareInterfaces(prev, next, opts);
    expect(findings).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(findings[i]).toMatchObject(e));
  });

  it('has a case for every rule, and each finding carries its rule bump', () => {
    // model-added and model-removed compare whole versions: test/unit/version-findings.test.ts covers them.
    const versionRules = ['model-added', 'model-removed'];
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(Object.keys(RULES).filter((r) => !versionRules.includes(r))));
    for (const [, prev, next, , opts] of cases) {
      for (const f of compareInterfaces(prev, next, opts)) expect(f.bump).toBe(RULES[f.rule]);
    }
  });
});

describe('compareInterfaces: combinations and edges', () => {
  it('finds nothing between equal interfaces, or without a previous one', () => {
    expect(compareInterfaces(base, structuredClone(base))).toEqual([]);
    expect(compareInterfaces(gguf, structuredClone(gguf))).toEqual([]);
    expect(compareInterfaces(undefined, base)).toEqual([]);
    expect(compareInterfaces(undefined, undefined)).toEqual([]);
    expect(compareInterfaces(undefined, base, { weightsChanged: true }).map((f) => f.rule)).toEqual(['weights-changed']);
  });

  it('does not report weights-changed next to another finding', () => {
    const findings = compareInterfaces(base, edit(base, 'inputs', 'ids', { shape: ['N', 128] }), { weightsChanged: true });
    expect(findings.map((f) => f.rule)).toEqual(['input-dim-renamed']);
  });

  it('reports a removal and an addition of different types as such, not as a rename', () => {
    const next = add(edit(base, 'inputs', 'mask', undefined), 'inputs', { name: 'attention_mask', dtype: 'bool', shape: ['batch', 128] });
    expect(compareInterfaces(base, next).map((f) => [f.rule, f.subject])).toEqual([
      ['input-removed', 'mask'],
      ['input-added-required', 'attention_mask'],
    ]);
  });

  it('pairs several look-alike renames in order', () => {
    const prev: ModelInterface = { format: 'onnx', inputs: [{ name: 'a', dtype: 'f', shape: [1] }, { name: 'b', dtype: 'f', shape: [1] }], outputs: [] };
    const next: ModelInterface = { format: 'onnx', inputs: [{ name: 'c', dtype: 'f', shape: [1] }, { name: 'd', dtype: 'f', shape: [1] }], outputs: [] };
    expect(compareInterfaces(prev, next).map((f) => [f.rule, f.subject, f.after])).toEqual([
      ['input-renamed', 'a', 'c'],
      ['input-renamed', 'b', 'd'],
    ]);
  });

  it('reports every change to one tensor: dtype and each dimension', () => {
    const next = edit(base, 'inputs', 'ids', { dtype: 'int32', shape: [1, 'seq'] });
    expect(compareInterfaces(base, next).map((f) => f.rule)).toEqual(['input-dtype-changed', 'input-dim-now-fixed', 'input-dim-now-variable']);
  });

  it('lists at most 20 weight differences and sums up the rest', () => {
    const many = (dtype: string): ModelInterface => ({
      ...gguf,
      weights: Array.from({ length: 30 }, (_, i) => ({ name: `blk.${i}.weight`, dtype, shape: [64] })),
    });
    const findings = compareInterfaces(many('F16'), many('Q8_0'));
    expect(findings).toHaveLength(21);
    expect(findings.every((f) => f.rule === 'architecture-changed' && f.bump === 'major')).toBe(true);
    expect(findings[0]!.subject).toBe('blk.0.weight');
    expect(findings[20]).toMatchObject({ subject: 'weights', message: '10 more weight tensors differ (30 in all)' });
  });

  it('skips the weight comparison when one side has no weight list', () => {
    expect(compareInterfaces(gguf, { ...gguf, weights: undefined })).toEqual([]);
  });
});

describe('requiredBump', () => {
  const f = (bump: Finding['bump']): Finding => ({ rule: 'weights-changed', bump, subject: 's', message: 'm' });
  it.each([
    [[], undefined],
    [[f('patch')], 'patch'],
    [[f('patch'), f('minor')], 'minor'],
    [[f('minor'), f('major'), f('patch')], 'major'],
    [[f('major'), f('minor')], 'major'],
  ] as const)('%j needs %s', (findings, bump) => {
    expect(requiredBump(findings)).toBe(bump);
  });

  it('matches the findings of a real comparison', () => {
    expect(requiredBump(compareInterfaces(base, add(base, 'outputs', { name: 'x', dtype: 'f', shape: [] })))).toBe('minor');
    expect(requiredBump(compareInterfaces(base, edit(base, 'outputs', 'hn', undefined)))).toBe('major');
  });
});

describe('migrationGuide', () => {
  it('tells a caller what to change, once per change, and ignores non-breaking findings', () => {
    let next = edit(base, 'inputs', 'mask', { name: 'attention_mask' });
    next = edit(next, 'inputs', 'ids', { dtype: 'int32', shape: [1, 256] });
    next = add(next, 'inputs', { name: 'pos', dtype: 'int64', shape: ['batch', 128] });
    next = add(next, 'inputs', { name: 'temp', dtype: 'float32', shape: [], optional: true });
    next = edit(next, 'outputs', 'hn', undefined);
    next = edit(next, 'outputs', 'logits', { dtype: 'float16', shape: ['batch', 'n'] });
    next = add(next, 'outputs', { name: 'extra', dtype: 'float32', shape: [] });
    expect(migrationGuide(compareInterfaces(base, next))).toEqual([
      "Convert input 'ids' from int64 to int32.",
      "Reshape input 'ids' from [batch, 128] to [1, 256].",
      "Pass input 'mask' under its new name 'attention_mask'.",
      "Pass the new required input 'pos' (int64 [batch, 128]).",
      "Expect output 'logits' as float16 instead of float32.",
      "Expect output 'logits' with shape [batch, n] instead of [batch, 10].",
      "Stop reading output 'hn': the model no longer produces it.",
    ]);
  });

  it.each([
    ['an input removed', base, edit(base, 'inputs', 'mask', undefined), ["Stop passing input 'mask': the model no longer accepts it."]],
    ['an input made required', withOptional, stripOptional(withOptional, 'temp'), ["Always pass input 'temp': it no longer has a default."]],
    ['an output renamed', base, edit(base, 'outputs', 'hn', { name: 'h' }), ["Read output 'hn' under its new name 'h'."]],
    ['a format change', base, { ...gguf }, ['Load the model as gguf instead of onnx.']],
    ['an architecture change', gguf, edit(add(gguf, 'weights', { name: 'x', dtype: 'F16', shape: [1] }), 'weights', 'tok.weight', undefined),
      ['The weight layout changed: code that builds the model or loads these weights by name or shape must match the new architecture.']],
    ['a shorter context', { ...gguf, metadata: { 'llama.context_length': '4096' } }, { ...gguf, metadata: { 'llama.context_length': '2048' } },
      ['Keep prompt and output within 2048 tokens: the context length shrank from 4096.']],
    ['only minor and patch changes', base, add(edit(base, 'inputs', 'ids', { shape: ['N', 'seq'] }), 'outputs', { name: 'o', dtype: 'f', shape: [] }), []],
  ] as const)('%s', (_label, prev, next, lines) => {
    expect(migrationGuide(compareInterfaces(prev, next))).toEqual(lines);
  });
});
