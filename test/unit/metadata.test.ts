import { describe, expect, it } from 'vitest';
import { mergeMetadata, parseAssignments, typedValue } from '../../src/core/manifest/metadata.js';

describe('k=v values keep their type', () => {
  it.each([
    ['0.01', 0.01],
    ['42', 42],
    ['-3', -3],
    ['1e-4', 0.0001],
    ['true', true],
    ['false', false],
    ['abc', 'abc'],
    ['007', '007'], // not a canonical number: keep what was written
    ['1.', '1.'],
    ['0x10', '0x10'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['1e999', '1e999'],
    ['9007199254740993', '9007199254740993'], // beyond exact integers
    ['', ''],
    ['True', 'True'],
    ['a=b', 'a=b'],
  ])('%j -> %j', (text, value) => {
    expect(typedValue(text)).toStrictEqual(value);
  });

  it('splits on the first = and refuses missing keys and repeats', () => {
    expect(parseAssignments(['a=b=c', 'lr=0.1'], '--param')).toStrictEqual({ a: 'b=c', lr: 0.1 });
    expect(() => parseAssignments(['novalue'], '--param')).toThrow(/expected key=value/);
    expect(() => parseAssignments(['=1'], '--param')).toThrow(/expected key=value/);
    expect(() => parseAssignments(['a=1', 'a=2'], '--tag')).toThrow(/--tag a is given twice/);
  });

  it('stores __proto__ as a plain key without touching prototypes', () => {
    const out = parseAssignments(['__proto__=1'], '--param');
    expect(Object.keys(out)).toStrictEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('lets flags win over the meta file', () => {
    const merged = mergeMetadata(
      { params: { lr: 0.1, epochs: 3 }, metrics: {}, tags: { team: 'a' }, message: 'file' },
      { params: { lr: 0.2 }, tags: {}, message: 'flag' },
    );
    expect(merged.params).toStrictEqual({ lr: 0.2, epochs: 3 });
    expect(merged.tags).toStrictEqual({ team: 'a' });
    expect(merged.message).toBe('flag');
  });
});
