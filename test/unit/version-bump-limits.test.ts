// The limits and refusals of the version arithmetic (src/core/versioning/bump.ts): the longest version, the
// pre-release tag's exact grammar, and each refusal's code, message and data.
import { describe, expect, it } from 'vitest';
import { MAX_VERSION_LENGTH, checkPreTag, checkVersionLength, compareTypes, highestType, impliedType, nextVersion, preReleaseLevel } from '../../src/core/versioning/bump.js';
import { thrown } from '../helpers/errors.js';


describe('checkVersionLength', () => {
  it(`accepts ${MAX_VERSION_LENGTH} characters and refuses one more, naming the option given`, () => {
    expect(MAX_VERSION_LENGTH).toBe(128);
    const longest = `1.0.0-${'a'.repeat(122)}`;
    expect(longest).toHaveLength(128);
    expect(checkVersionLength(longest)).toBe(longest);
    const err = thrown(() => checkVersionLength(`${longest}b`, 'version'));
    expect(err.code).toBe('INVALID_VERSION');
    expect(err.message).toBe(`invalid version "1.0.0-${'a'.repeat(34)}...": longer than 128 characters (it names the version's files)`);
    expect(err.data).toStrictEqual({ option: 'version' });
    expect(thrown(() => checkVersionLength(`${longest}b`)).data).toBeUndefined();
  });
});

describe('checkPreTag', () => {
  it('takes a lowercase word of 1 to 32 letters, digits and dashes, starting with a letter', () => {
    for (const tag of ['a', 'rc', 'rc-2', 'b9', 'a-', `a${'b'.repeat(31)}`, 'zz']) expect(checkPreTag(tag), tag).toBe(tag);
    for (const tag of [`a${'b'.repeat(32)}`, '-rc', '9rc', 'rc_1', 'rC', 'rc.1', 'rc 1', ' rc', 'rc\n', 'é', '']) {
      const err = thrown(() => checkPreTag(tag));
      expect(err.code, tag).toBe('USAGE');
    }
  });

  it('quotes at most 40 characters of a refused tag', () => {
    expect(thrown(() => checkPreTag('R'.repeat(50))).message).toBe(
      `invalid pre-release tag "${'R'.repeat(40)}": expected a lowercase word such as rc, beta or alpha (letters, digits, '-'; no dots)`,
    );
  });
});

describe('preReleaseLevel', () => {
  it('is undefined for what is not a version', () => {
    expect(preReleaseLevel('not a version')).toBeUndefined();
    expect(preReleaseLevel('0.0.1-rc.0')).toBe('patch');
    expect(preReleaseLevel('0.1.0-rc.0')).toBe('minor');
    expect(preReleaseLevel('1.1.1-rc.0')).toBe('patch');
  });
});

describe('compareTypes and highestType', () => {
  it('give -1, 0 or 1 however far apart the types are', () => {
    expect(compareTypes('major', 'patch')).toBe(1);
    expect(compareTypes('patch', 'major')).toBe(-1);
    expect(compareTypes('minor', 'major')).toBe(-1);
    expect(compareTypes('major', undefined)).toBe(1);
    expect(compareTypes(undefined, 'major')).toBe(-1);
    expect(compareTypes(undefined, undefined)).toBe(0);
    expect(highestType(['patch', 'major', 'minor'])).toBe('major');
    expect(highestType(['patch'])).toBe('patch');
  });
});

describe('nextVersion refusals', () => {
  it('refuses a current version that is not one', () => {
    const err = thrown(() => nextVersion('1.x', 'minor'));
    expect(err.code).toBe('INVALID_VERSION');
    expect(err.message).toBe('invalid version "1.x"');
  });

  it('refuses a tag that sorts before the current one, naming it and the option', () => {
    const err = thrown(() => nextVersion('1.3.0-rc.2', 'patch', 'beta'));
    expect(err.code).toBe('INVALID_VERSION');
    expect(err.message).toBe('pre beta: 1.3.0-beta.0 would sort before 1.3.0-rc.2; use a tag that sorts after rc');
    expect(err.data).toStrictEqual({ option: 'pre' });
    // the same tag continues, a later one restarts
    expect(nextVersion('1.3.0-rc.2', 'patch', 'rc')).toBe('1.3.0-rc.3');
    expect(nextVersion('1.3.0-rc.2', 'patch', 'rd')).toBe('1.3.0-rd.0');
  });

  it('refuses a next version too long to name its files, as the pre option', () => {
    const current = `1.3.0-rc.0.${'a'.repeat(120)}`;
    const err = thrown(() => nextVersion(current, 'minor', 'rc'));
    expect(err.code).toBe('INVALID_VERSION');
    expect(err.message).toMatch(/^invalid version "1\.3\.0-rc\.1\.a+\.\.\.": longer than 128 characters/);
    expect(err.data).toStrictEqual({ option: 'pre' });
  });

  it('at a level above the sequence starts a new one, at the level or below continues it', () => {
    expect(nextVersion('1.3.0-rc.0', 'major', 'rc')).toBe('2.0.0-rc.0');
    expect(nextVersion('1.3.0-rc.0', 'minor', 'rc')).toBe('1.3.0-rc.1');
    expect(nextVersion('1.2.4-rc.0', 'patch', 'rc')).toBe('1.2.4-rc.1');
    expect(nextVersion('1.2.4', 'patch', 'rc')).toBe('1.2.5-rc.0');
  });
});

describe('impliedType', () => {
  it('refuses a version that is not one', () => {
    const err = thrown(() => impliedType('1.0.0', 'v1'));
    expect(err.code).toBe('INVALID_VERSION');
    expect(err.message).toBe('invalid version "v1"');
  });

  it('reads each step at its exact boundary', () => {
    expect(impliedType('1.2.3', '2.0.0')).toBe('major');
    expect(impliedType('1.2.3', '1.99.99')).toBe('minor');
    expect(impliedType('1.2.3', '1.3.0')).toBe('minor');
    expect(impliedType('1.2.3', '1.2.4')).toBe('patch');
    expect(impliedType('1.2.3', '1.2.4-rc.0')).toBe('patch');
    expect(impliedType('1.2.3', '1.2.3-rc.0')).toBeUndefined();
    expect(impliedType('1.2.4-rc.0', '1.2.4-rc.1')).toBe('patch');
    expect(impliedType('2.0.0-rc.0', '2.0.0-rc.1')).toBe('major');
  });
});
