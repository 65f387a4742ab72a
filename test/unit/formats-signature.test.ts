import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MregError } from '../../src/errors.js';
import { parseSignature } from '../../src/core/formats/signature.js';

describe('parseSignature on good signatures', () => {
  it('normalises -1 to "?", dtype spellings to the ONNX names, and marks inputs with defaults optional', () => {
    const doc = parse(`
signature:
  inputs:
    - { name: input_ids, dtype: int64, shape: [-1, seq] }
    - { name: temperature, dtype: FLOAT, shape: [], default: 1.0 }
    - { name: mask, dtype: bool, shape: [batch, 3], optional: true }
    - { name: x, dtype: " float16 ", shape: [1, 0], optional: false }
    - { name: stop, dtype: string, shape: [], default: null }
  outputs:
    - { name: y, dtype: double, shape: [batch, 10] }
`) as { signature: unknown };
    expect(parseSignature(doc.signature)).toEqual({
      format: 'signature',
      inputs: [
        { name: 'input_ids', dtype: 'int64', shape: ['?', 'seq'] },
        { name: 'temperature', dtype: 'float32', shape: [], optional: true },
        { name: 'mask', dtype: 'bool', shape: ['batch', 3], optional: true },
        { name: 'x', dtype: 'float16', shape: [1, 0] },
        { name: 'stop', dtype: 'string', shape: [], optional: true },
      ],
      outputs: [{ name: 'y', dtype: 'float64', shape: ['batch', 10] }],
    });
  });

  it('accepts empty lists', () => {
    expect(parseSignature({ inputs: [], outputs: [] })).toEqual({ format: 'signature', inputs: [], outputs: [] });
  });
});

const input = (fields: Record<string, unknown>): unknown => ({ inputs: [fields], outputs: [] });
const ok = { name: 'x', dtype: 'float32', shape: [1] };

describe('parseSignature on bad signatures', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, 'signature: expected a mapping'],
    ['a list', [], 'signature: expected a mapping'],
    ['a string', 'inputs: []', 'signature: expected a mapping'],
    ['no outputs', { inputs: [] }, 'signature.outputs: required (use [] for none)'],
    ['inputs as a mapping', { inputs: {}, outputs: [] }, 'signature.inputs: expected a list'],
    ['an unknown key', { inputs: [], outputs: [], extra: 1 }, 'signature.extra: unknown key (expected one of inputs, outputs)'],
    ['an input that is a string', { inputs: ['x'], outputs: [] }, 'signature.inputs[0]: expected a mapping'],
    ['a missing name', input({ dtype: 'float32', shape: [1] }), 'signature.inputs[0].name: expected a non-empty name'],
    ['a numeric name', input({ ...ok, name: 5 }), 'signature.inputs[0].name: expected a non-empty name'],
    ['a blank name', input({ ...ok, name: '  ' }), 'signature.inputs[0].name: expected a non-empty name'],
    ['a name with a newline', input({ ...ok, name: 'a\nb' }), 'signature.inputs[0].name: contains control characters'],
    ['a 300-character name', input({ ...ok, name: 'n'.repeat(300) }), 'signature.inputs[0].name: longer than 256 characters'],
    ['a missing dtype', input({ name: 'x', shape: [1] }), 'signature.inputs[0].dtype: expected a type name such as float32'],
    ['a dtype with a space', input({ ...ok, dtype: 'float 32' }), 'signature.inputs[0].dtype: "float 32" is not a type name such as float32'],
    ['a missing shape', input({ name: 'x', dtype: 'float32' }), 'signature.inputs[0].shape: expected a list of integers or names'],
    ['a shape written as text', input({ ...ok, shape: '1x3' }), 'signature.inputs[0].shape: expected a list of integers or names'],
    ['a fractional dimension', input({ ...ok, shape: [1.5] }), 'signature.inputs[0].shape: expected a list of integers or names: item 0 is 1.5 (use a name, or -1 for a variable dimension)'],
    ['a dimension of -2', input({ ...ok, shape: [1, -2] }), 'signature.inputs[0].shape: expected a list of integers or names: item 1 is -2 (use a name, or -1 for a variable dimension)'],
    ['a boolean dimension', input({ ...ok, shape: [true] }), 'signature.inputs[0].shape: expected a list of integers or names: item 0 is true'],
    ['a null dimension', input({ ...ok, shape: [null] }), 'signature.inputs[0].shape: expected a list of integers or names: item 0 is null'],
    ['an empty dimension name', input({ ...ok, shape: [''] }), 'signature.inputs[0].shape: expected a list of integers or names: item 0 is ""'],
    ['65 dimensions', input({ ...ok, shape: Array(65).fill(1) }), 'signature.inputs[0].shape: more than 64 dimensions'],
    ['optional: yes', input({ ...ok, optional: 'yes' }), 'signature.inputs[0].optional: expected true or false'],
    ['a default with optional: false', input({ ...ok, optional: false, default: 0 }), 'signature.inputs[0]: has a default but says optional: false'],
    ['an unknown input key', input({ ...ok, description: 'd' }), 'signature.inputs[0].description: unknown key (expected one of name, dtype, shape, optional, default)'],
    ['a default on an output', { inputs: [], outputs: [{ ...ok, default: 1 }] }, 'signature.outputs[0].default: unknown key (expected one of name, dtype, shape)'],
    ['two inputs with one name', { inputs: [ok, { ...ok }], outputs: [] }, "signature.inputs[1].name: 'x' is already used by signature.inputs[0]"],
    ['two outputs with one name', { inputs: [], outputs: [ok, ok, { ...ok, name: 'y' }, { ...ok, name: 'y' }] }, "signature.outputs[1].name: 'x' is already used by signature.outputs[0]"],
  ];

  it.each(cases)('rejects %s', (_label, value, message) => {
    let caught: unknown;
    try {
      parseSignature(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MregError);
    expect((caught as MregError).code).toBe('INVALID_INPUT');
    expect((caught as MregError).message).toBe(message);
  });

  it('names the path it was given', () => {
    expect(() => parseSignature({ inputs: [ok, { ...ok, name: 'z', shape: 'nope' }], outputs: [] }, 'model.yaml: signature'))
      .toThrow('model.yaml: signature.inputs[1].shape: expected a list of integers or names');
  });

  it('keeps a long bad value out of the message', () => {
    expect(() => parseSignature(input({ ...ok, shape: ['x'.repeat(1000)] })))
      .toThrow(/^signature\.inputs\[0\]\.shape: expected a list of integers or names: item 0 is "x{40}…"$/);
  });
});
