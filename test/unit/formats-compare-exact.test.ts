// The interface comparison (src/core/formats/compare.ts) pinned exactly: whole findings (no extra keys), the
// boundaries of its rules (a rename needs the same dtype and shape, twenty weight differences listed, context
// lengths only as whole numbers), and every sentence of the migration guide.
import { describe, expect, it } from 'vitest';
import { MAX_ARCHITECTURE_FINDINGS, compareInterfaces, finding, formatShape, migrationGuide, requiredBump, type Finding } from '../../src/core/formats/compare.js';
import type { ModelInterface, Tensor } from '../../src/core/formats/types.js';

const t = (name: string, dtype: string, shape: (string | number)[]): Tensor => ({ name, dtype, shape });
const onnx = (inputs: ModelInterface['inputs'], outputs: Tensor[] = []): ModelInterface => ({ format: 'onnx', inputs, outputs });
const gguf = (weights: Tensor[] | undefined, metadata?: Record<string, string>): ModelInterface => ({
  format: 'gguf',
  inputs: [],
  outputs: [],
  ...(weights === undefined ? {} : { weights }),
  ...(metadata === undefined ? {} : { metadata }),
});

describe('finding', () => {
  it('carries before and after only when given', () => {
    expect(finding('output-added', 's', 'm')).toStrictEqual({ rule: 'output-added', bump: 'minor', subject: 's', message: 'm' });
    expect(finding('output-removed', 's', 'm', 1)).toStrictEqual({ rule: 'output-removed', bump: 'major', subject: 's', message: 'm', before: 1 });
    expect(finding('output-added', 's', 'm', undefined, 2)).toStrictEqual({ rule: 'output-added', bump: 'minor', subject: 's', message: 'm', after: 2 });
    expect(finding('input-dim-renamed', 's', 'm', null, 0)).toStrictEqual({ rule: 'input-dim-renamed', bump: 'patch', subject: 's', message: 'm', before: null, after: 0 });
  });
});

describe('compareInterfaces: whole findings', () => {
  it('a format nobody reads any more, a new format, weights changed', () => {
    expect(compareInterfaces(onnx([]), undefined)).toStrictEqual([
      { rule: 'format-changed', bump: 'major', subject: 'format', message: 'the model format changed from onnx to one mreg cannot read', before: 'onnx' },
    ]);
    expect(compareInterfaces(onnx([]), gguf([]), { weightsChanged: true })).toStrictEqual([
      { rule: 'format-changed', bump: 'major', subject: 'format', message: 'the model format changed from onnx to gguf', before: 'onnx', after: 'gguf' },
    ]);
    expect(compareInterfaces(onnx([]), onnx([]), { weightsChanged: true })).toStrictEqual([
      { rule: 'weights-changed', bump: 'patch', subject: 'weights', message: 'the weights changed; the interface is the same' },
    ]);
    expect(compareInterfaces(onnx([]), onnx([]), { weightsChanged: false })).toStrictEqual([]);
    expect(compareInterfaces(onnx([]), onnx([]))).toStrictEqual([]);
  });

  it('tensors removed, renamed and added, with what they were and became', () => {
    const prev = onnx([t('a', 'f', [1]), t('gone', 'f', [2])], [t('o', 'f', [1])]);
    const next = onnx([t('a', 'f', [1]), { ...t('k', 'i', [3]), optional: true }, t('r', 'i', [4])], [t('o2', 'f', [1]), t('p', 'i', ['n'])]);
    expect(compareInterfaces(prev, next)).toStrictEqual([
      { rule: 'input-removed', bump: 'major', subject: 'gone', message: "input 'gone' was removed", before: t('gone', 'f', [2]) },
      { rule: 'input-added-optional', bump: 'minor', subject: 'k', message: "optional input 'k' was added (i [3])", after: { ...t('k', 'i', [3]), optional: true } },
      { rule: 'input-added-required', bump: 'major', subject: 'r', message: "required input 'r' was added (i [4]); callers must now pass it", after: t('r', 'i', [4]) },
      { rule: 'output-renamed', bump: 'major', subject: 'o', message: "output 'o' was renamed to 'o2'", before: 'o', after: 'o2' },
      { rule: 'output-added', bump: 'minor', subject: 'p', message: "output 'p' was added (i [n])", after: t('p', 'i', ['n']) },
    ]);
  });

  it('an input becoming optional or required, a dtype, a rank, each dimension', () => {
    const prev = onnx([{ ...t('x', 'f', [1, 'b', 'c', '?', 5, 'e']), optional: true }, t('y', 'f', [1])]);
    const next = onnx([t('x', 'g', ['a', 2, '?', 'd', 6, 'e']), { ...t('y', 'f', [1, 1]), optional: true }]);
    const before = [1, 'b', 'c', '?', 5, 'e'];
    const after = ['a', 2, '?', 'd', 6, 'e'];
    const shapes = '[1, b, c, ?, 5, e] to [a, 2, ?, d, 6, e]';
    expect(compareInterfaces(prev, next)).toStrictEqual([
      { rule: 'input-became-required', bump: 'major', subject: 'x', message: "input 'x' no longer has a default; callers must pass it" },
      { rule: 'input-dtype-changed', bump: 'major', subject: 'x', message: "input 'x' changed type from f to g", before: 'f', after: 'g' },
      { rule: 'input-dim-now-variable', bump: 'minor', subject: 'x', message: `input 'x' dimension 0 changed from fixed 1 to dynamic 'a' (${shapes})`, before, after },
      { rule: 'input-dim-now-fixed', bump: 'major', subject: 'x', message: `input 'x' dimension 1 changed from dynamic 'b' to fixed 2 (${shapes})`, before, after },
      { rule: 'input-dim-renamed', bump: 'patch', subject: 'x', message: "input 'x' dimension 2 lost its name 'c' (now dynamic)", before, after },
      { rule: 'input-dim-renamed', bump: 'patch', subject: 'x', message: "input 'x' dimension 3 got the name 'd' (was dynamic, unnamed)", before, after },
      { rule: 'input-dim-changed', bump: 'major', subject: 'x', message: `input 'x' dimension 4 changed from 5 to 6 (${shapes})`, before, after },
      { rule: 'input-became-optional', bump: 'minor', subject: 'y', message: "input 'y' now has a default and may be left out" },
      { rule: 'input-rank-changed', bump: 'major', subject: 'y', message: "input 'y' changed rank from 1 to 2 ([1] to [1, 1])", before: [1], after: [1, 1] },
    ]);
  });

  it('a rank that becomes known or unknown, and one unknown on both sides', () => {
    const unknown = ['...'];
    expect(compareInterfaces(onnx([t('x', 'f', unknown)], [t('o', 'f', [2])]), onnx([t('x', 'f', [3])], [t('o', 'f', unknown)]))).toStrictEqual([
      { rule: 'input-dim-now-fixed', bump: 'major', subject: 'x', message: "input 'x' now has a known rank: shape changed from [...] to [3]", before: unknown, after: [3] },
      { rule: 'output-dim-now-variable', bump: 'major', subject: 'o', message: "output 'o' no longer declares its rank: shape changed from [2] to [...]", before: [2], after: unknown },
    ]);
    expect(compareInterfaces(onnx([t('x', 'f', unknown)], [t('o', 'f', unknown)]), onnx([t('x', 'f', [...unknown])], [t('o', 'f', [...unknown])]))).toStrictEqual([]);
    // a one-dimensional shape is a known rank: [n] to [n, 2] is a rank change, not a rank becoming known
    expect(compareInterfaces(onnx([], [t('o', 'f', ['n'])]), onnx([], [t('o', 'f', ['n', 2])])).map((f) => f.rule)).toStrictEqual(['output-rank-changed']);
    expect(compareInterfaces(onnx([], [t('o', 'f', ['n', 2])]), onnx([], [t('o', 'f', ['n'])])).map((f) => f.rule)).toStrictEqual(['output-rank-changed']);
  });

  it("'...' means an unknown rank only alone", () => {
    expect(compareInterfaces(onnx([t('x', 'f', ['...', 2])]), onnx([t('x', 'f', ['...', 3])])).map((f) => f.rule)).toStrictEqual(['input-dim-changed']);
  });

  it('an output has no default: its optional flag is not compared', () => {
    const flagged = { ...t('o', 'f', [1]), optional: true as const };
    expect(compareInterfaces({ format: 'onnx', inputs: [], outputs: [flagged] }, onnx([], [t('o', 'f', [1])]))).toStrictEqual([]);
  });
});

describe('compareInterfaces: what counts as a rename', () => {
  it('the same dtype and the same shape, never the same dtype with another shape or rank', () => {
    expect(compareInterfaces(onnx([t('a', 'f', [1, 2])]), onnx([t('b', 'f', [1, 3])])).map((f) => f.rule)).toStrictEqual(['input-removed', 'input-added-required']);
    expect(compareInterfaces(onnx([t('a', 'f', [1])]), onnx([t('b', 'f', [1, 1])])).map((f) => f.rule)).toStrictEqual(['input-removed', 'input-added-required']);
    expect(compareInterfaces(onnx([t('a', 'f', [1, 1])]), onnx([t('b', 'f', [1])])).map((f) => f.rule)).toStrictEqual(['input-removed', 'input-added-required']);
  });

  it('each added tensor is the new name of one removed tensor at most', () => {
    const prev = onnx([t('a', 'f', [1]), t('b', 'f', [1])]);
    const next = onnx([t('c', 'f', [1])]);
    expect(compareInterfaces(prev, next).map((f) => [f.rule, f.subject])).toStrictEqual([
      ['input-renamed', 'a'],
      ['input-removed', 'b'],
    ]);
  });
});

describe('compareInterfaces: architecture and weights', () => {
  it('compares the architecture only when both sides name one', () => {
    const w = [t('w', 'F16', [2])];
    expect(compareInterfaces(gguf(w, { 'general.architecture': 'llama' }), gguf(w, {}))).toStrictEqual([]);
    expect(compareInterfaces(gguf(w, {}), gguf(w, { 'general.architecture': 'llama' }))).toStrictEqual([]);
    expect(compareInterfaces(gguf(w), gguf(w, { 'general.architecture': 'llama' }))).toStrictEqual([]);
    expect(compareInterfaces(gguf(w, { 'general.architecture': 'llama' }), gguf(w))).toStrictEqual([]);
    expect(compareInterfaces(gguf(w, { 'general.architecture': 'llama' }), gguf(w, { 'general.architecture': 'llama' }))).toStrictEqual([]);
  });

  it('reports weight tensors removed, changed and added, in that order, with the tensors', () => {
    const prev = gguf([t('a', 'F16', [2]), t('b', 'F16', [2]), t('c', 'F16', [2]), t('d', 'F16', [2])]);
    const next = gguf([t('z', 'F16', [9]), t('b', 'F16', [2, 1]), t('c', 'F32', [2]), t('d', 'F16', [2])]);
    expect(compareInterfaces(prev, next)).toStrictEqual([
      { rule: 'architecture-changed', bump: 'major', subject: 'a', message: "weight tensor 'a' was removed", before: t('a', 'F16', [2]) },
      { rule: 'architecture-changed', bump: 'major', subject: 'b', message: "weight tensor 'b' changed from F16 [2] to F16 [2, 1]", before: t('b', 'F16', [2]), after: t('b', 'F16', [2, 1]) },
      { rule: 'architecture-changed', bump: 'major', subject: 'c', message: "weight tensor 'c' changed from F16 [2] to F32 [2]", before: t('c', 'F16', [2]), after: t('c', 'F32', [2]) },
      { rule: 'architecture-changed', bump: 'major', subject: 'z', message: "weight tensor 'z' was added (F16 [9])", after: t('z', 'F16', [9]) },
    ]);
    // a shape that only grows a dimension is another shape
    expect(compareInterfaces(gguf([t('b', 'F16', [2, 1])]), gguf([t('b', 'F16', [2])])).map((f) => f.subject)).toStrictEqual(['b']);
  });

  it('skips the weights when the previous side could not list them', () => {
    expect(compareInterfaces(gguf(undefined), gguf([t('a', 'F16', [1])]))).toStrictEqual([]);
    expect(compareInterfaces(gguf([t('a', 'F16', [1])]), gguf(undefined))).toStrictEqual([]);
  });

  const many = (n: number, dtype: string): Tensor[] => Array.from({ length: n }, (_, i) => t(`w${String(i).padStart(2, '0')}`, dtype, [1]));

  it(`lists exactly ${MAX_ARCHITECTURE_FINDINGS} differences without a summary, and sums up from one more`, () => {
    expect(MAX_ARCHITECTURE_FINDINGS).toBe(20);
    const twenty = compareInterfaces(gguf(many(20, 'F16')), gguf(many(20, 'F32')));
    expect(twenty.map((f) => f.subject)).toStrictEqual(many(20, 'F16').map((w) => w.name));
    const one = compareInterfaces(gguf(many(21, 'F16')), gguf(many(21, 'F32')));
    expect(one).toHaveLength(21);
    expect(one[19]!.subject).toBe('w19');
    expect(one[20]).toStrictEqual({
      rule: 'architecture-changed', bump: 'major', subject: 'weights', message: '1 more weight tensors differ (21 in all)', after: { count: 21 },
    });
  });
});

describe('compareInterfaces: context length', () => {
  const ctx = (metadata: Record<string, string> | undefined) => gguf([], metadata);

  it('compares every <arch>.context_length key, in key order, as whole numbers', () => {
    const prev = ctx({ 'b.context_length': '100', 'a.context_length': '10', 'general.architecture': 'a' });
    const next = ctx({ 'a.context_length': '20', 'b.context_length': '50', 'general.architecture': 'a' });
    expect(compareInterfaces(prev, next)).toStrictEqual([
      { rule: 'context-length-increased', bump: 'minor', subject: 'a.context_length', message: 'the context length (a.context_length) grew from 10 to 20 tokens', before: 10, after: 20 },
      { rule: 'context-length-decreased', bump: 'major', subject: 'b.context_length', message: 'the context length (b.context_length) shrank from 100 to 50 tokens', before: 100, after: 50 },
    ]);
  });

  it('ignores keys that only look like it, a key on one side only, equal and non-integer values', () => {
    const none = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => expect(compareInterfaces(ctx(a), ctx(b))).toStrictEqual([]);
    none({ 'a.context_length_max': '10' }, { 'a.context_length_max': '20' });
    none({ 'acontext_length': '10' }, { 'acontext_length': '20' });
    none({ 'a.context_length.x': '10' }, { 'a.context_length.x': '20' });
    none({ 'a.context_length': '10' }, {});
    none({ 'a.context_length': '10' }, undefined);
    none(undefined, { 'a.context_length': '10' });
    none({ 'a.context_length': '10' }, { 'a.context_length': '10' });
    none({ 'a.context_length': '10' }, { 'a.context_length': '10.5' });
    none({ 'a.context_length': 'many' }, { 'a.context_length': '10' });
    // the key itself, at the start of the string
    expect(compareInterfaces(ctx({ '.context_length': '10' }), ctx({ '.context_length': '5' })).map((f) => f.rule)).toStrictEqual(['context-length-decreased']);
  });
});

describe('requiredBump', () => {
  const f = (bump: Finding['bump']): Finding => ({ rule: 'weights-changed', bump, subject: 's', message: 'm' });
  it('never lowers the bump it found', () => {
    expect(requiredBump([f('minor'), f('patch')])).toBe('minor');
    expect(requiredBump([f('major'), f('patch'), f('minor')])).toBe('major');
    expect(requiredBump([f('patch'), f('patch')])).toBe('patch');
  });
});

describe('formatShape', () => {
  it('joins dimensions with a comma and a space', () => {
    expect(formatShape([])).toBe('[]');
    expect(formatShape([1, 'n', '?'])).toBe('[1, n, ?]');
    expect(formatShape(['...'])).toBe('[...]');
  });
});

describe('migrationGuide: every sentence', () => {
  const guide = (prev: ModelInterface | undefined, next: ModelInterface | undefined) => migrationGuide(compareInterfaces(prev, next));

  it('for tensors', () => {
    expect(guide(onnx([t('x', 'f', [1])]), onnx([t('x', 'f', [1, 1])]))).toStrictEqual(["Reshape input 'x' from [1] to [1, 1]."]);
    expect(guide(onnx([t('x', 'f', ['n'])]), onnx([t('x', 'f', [3])]))).toStrictEqual(["Reshape input 'x' from [n] to [3]."]);
    expect(guide(onnx([t('x', 'f', ['...'])]), onnx([t('x', 'f', [3])]))).toStrictEqual(["Reshape input 'x' from [...] to [3]."]);
    expect(guide(onnx([t('x', 'f', [2])]), onnx([t('x', 'f', [3])]))).toStrictEqual(["Reshape input 'x' from [2] to [3]."]);
    expect(guide(onnx([], [t('o', 'f', [1])]), onnx([], [t('o', 'f', [1, 1])]))).toStrictEqual(["Expect output 'o' with shape [1, 1] instead of [1]."]);
    expect(guide(onnx([], [t('o', 'f', [2])]), onnx([], [t('o', 'f', [3])]))).toStrictEqual(["Expect output 'o' with shape [3] instead of [2]."]);
    expect(guide(onnx([], [t('o', 'f', [2])]), onnx([], [t('o', 'f', ['n'])]))).toStrictEqual(["Expect output 'o' with shape [n] instead of [2]."]);
    expect(guide(onnx([], [t('o', 'f', [2])]), onnx([], [t('o', 'g', [2])]))).toStrictEqual(["Expect output 'o' as g instead of f."]);
    expect(guide(onnx([t('x', 'f', [2])]), onnx([t('y', 'f', [2])]))).toStrictEqual(["Pass input 'x' under its new name 'y'."]);
    expect(guide(onnx([], [t('o', 'f', [2])]), onnx([], []))).toStrictEqual(["Stop reading output 'o': the model no longer produces it."]);
  });

  it('for a format mreg cannot read and a removed model file', () => {
    expect(guide(onnx([]), undefined)).toStrictEqual(['Load the model with a runtime for its new format: it is no longer onnx.']);
    expect(migrationGuide([finding('model-removed', 'enc.onnx', 'm')])).toStrictEqual(["Stop loading model file 'enc.onnx': the version no longer has it."]);
  });

  it('names the model file of each finding, except of a removed model file, and skips the ones below major', () => {
    const inFile = (f: Finding, file: string): Finding => ({ ...f, file });
    const findings = [
      inFile(finding('output-removed', 'o', 'm'), 'a.onnx'),
      inFile(finding('output-removed', 'o', 'm'), 'b.onnx'),
      inFile(finding('output-added', 'p', 'm'), 'b.onnx'),
      { ...finding('model-removed', 'c.onnx', 'm'), file: 'c.onnx' },
      finding('input-removed', 'i', 'm'),
      inFile(finding('output-removed', 'o', 'm'), 'a.onnx'),
    ];
    expect(migrationGuide(findings)).toStrictEqual([
      "a.onnx: Stop reading output 'o': the model no longer produces it.",
      "b.onnx: Stop reading output 'o': the model no longer produces it.",
      "Stop loading model file 'c.onnx': the version no longer has it.",
      "Stop passing input 'i': the model no longer accepts it.",
    ]);
  });
});
