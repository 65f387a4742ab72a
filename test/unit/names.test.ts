import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { checkName, nameProblem } from '../../src/core/names.js';

describe('model names', () => {
  it.each([
    'fraud',
    'fraud-detector',
    'fraud_detector.v2',
    '0model',
    'a',
    'a'.repeat(100),
    'resnet50',
    'con1', // only con itself (and con.*) is reserved
    'console',
  ])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['.', /start with/],
    ['..', /'\.\.'/],
    ['a..b', /'\.\.'/],
    ['../etc', /slash|'\.\.'/],
    ['a/b', /slash/],
    ['/abs', /slash/],
    ['a\\b', /slash/],
    ['C:', /lowercase/],
    ['a:b', /lowercase/],
    ['nul\0x', /NUL/],
    ['.modelreg', /start with/],
    ['_x', /start with/],
    ['-x', /start with/],
    ['Fraud', /lowercase/],
    ['FRAUD', /lowercase/],
    ['fraud.', /ends with a dot/],
    ['fraud ', /lowercase/],
    [' fraud', /lowercase/],
    ['con', /reserved/],
    ['nul', /reserved/],
    ['aux.tar', /reserved/],
    ['com1', /reserved/],
    ['lpt9.x', /reserved/],
    ['prn', /reserved/],
    ['a'.repeat(101), /longer than 100/],
    ['x'.repeat(10_000), /longer than 100/],
    ['caf\u00e9', /lowercase/], // non-ASCII, precomposed
    ['cafe\u0301', /lowercase/], // non-ASCII, decomposed (non-normalized Unicode)
    ['a::$DATA', /lowercase/], // NTFS stream
    ['a b', /lowercase/],
  ])('refuses %j', (name, why) => {
    expect(nameProblem(name)).toMatch(why);
    expect(() => checkName(name)).toThrow(MregError);
  });

  it('names the problem and the name in the error, shortened when long', () => {
    try {
      checkName('x'.repeat(10_000));
      expect.unreachable();
    } catch (err) {
      expect((err as MregError).code).toBe('INVALID_NAME');
      expect((err as MregError).message.length).toBeLessThan(200);
    }
  });
});
