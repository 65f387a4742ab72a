// The version arithmetic of declared changes (src/core/versioning/bump.ts), as tables.
import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import type { ChangeType } from '../../src/core/change-type.js';
import { checkPreTag, compareTypes, highestType, impliedType, nextVersion, preReleaseLevel } from '../../src/core/versioning/bump.js';

describe('nextVersion', () => {
  const cases: [current: string | undefined, type: ChangeType, pre: string | undefined, next: string][] = [
    // first versions count from 0.0.0
    [undefined, 'major', undefined, '1.0.0'],
    [undefined, 'minor', undefined, '0.1.0'],
    [undefined, 'patch', undefined, '0.0.1'],
    [undefined, 'minor', 'rc', '0.1.0-rc.0'],
    // releases
    ['1.2.3', 'major', undefined, '2.0.0'],
    ['1.2.3', 'minor', undefined, '1.3.0'],
    ['1.2.3', 'patch', undefined, '1.2.4'],
    // starting a pre-release sequence
    ['1.2.0', 'minor', 'rc', '1.3.0-rc.0'],
    ['1.2.0', 'major', 'rc', '2.0.0-rc.0'],
    ['1.2.0', 'patch', 'beta', '1.2.1-beta.0'],
    // continuing one: a change within the sequence's level goes on counting
    ['1.3.0-rc.0', 'minor', 'rc', '1.3.0-rc.1'],
    ['1.3.0-rc.1', 'patch', 'rc', '1.3.0-rc.2'],
    ['2.0.0-rc.4', 'minor', 'rc', '2.0.0-rc.5'],
    ['1.3.0-rc', 'minor', 'rc', '1.3.0-rc.0'],
    // moving to a later tag restarts the counter
    ['1.3.0-beta.2', 'minor', 'rc', '1.3.0-rc.0'],
    // a bigger change than the sequence's level starts a new sequence
    ['1.3.0-rc.1', 'major', 'rc', '2.0.0-rc.0'],
    ['1.2.4-rc.0', 'minor', 'rc', '1.3.0-rc.0'],
    // releasing: within the level gives the release itself
    ['1.3.0-rc.1', 'minor', undefined, '1.3.0'],
    ['1.3.0-rc.1', 'patch', undefined, '1.3.0'],
    ['2.0.0-rc.0', 'major', undefined, '2.0.0'],
    ['2.0.0-rc.0', 'minor', undefined, '2.0.0'],
    // ...and a bigger change bumps past it: never back to 1.3.0
    ['1.3.0-rc.1', 'major', undefined, '2.0.0'],
    ['1.2.4-rc.0', 'minor', undefined, '1.3.0'],
    ['1.2.4-rc.0', 'major', undefined, '2.0.0'],
  ];
  it.each(cases)('%s + %s (pre %s) = %s', (current, type, pre, next) => {
    expect(nextVersion(current, type, pre)).toBe(next);
  });

  it('runs a whole pre-release sequence and its release', () => {
    const seen: string[] = [];
    let v: string | undefined = '1.2.0';
    v = nextVersion(v, 'minor', 'rc');
    seen.push(v);
    for (let i = 0; i < 3; i++) seen.push((v = nextVersion(v, preReleaseLevel(v)!, 'rc')));
    seen.push(nextVersion(v, preReleaseLevel(v)!));
    expect(seen).toStrictEqual(['1.3.0-rc.0', '1.3.0-rc.1', '1.3.0-rc.2', '1.3.0-rc.3', '1.3.0']);
  });

  it('refuses a tag that would sort before the current pre-release, and invalid tags', () => {
    expect(() => nextVersion('1.3.0-rc.0', 'minor', 'beta')).toThrow(/would sort before 1\.3\.0-rc\.0/);
    for (const tag of ['', 'RC', 'rc.1', '1rc', 'a b', 'x'.repeat(33)]) {
      expect(() => checkPreTag(tag), tag).toThrow(MregError);
      expect(() => nextVersion('1.0.0', 'minor', tag), tag).toThrow(/invalid pre-release tag/);
    }
    expect(checkPreTag('rc-2')).toBe('rc-2');
  });
});

describe('impliedType (what an explicit --version declares)', () => {
  const cases: [previous: string | undefined, version: string, type: ChangeType | undefined][] = [
    [undefined, '1.0.0', undefined],
    ['1.2.0', '1.2.1', 'patch'],
    ['1.2.0', '1.2.9', 'patch'],
    ['1.2.0', '1.3.0', 'minor'],
    ['1.2.0', '1.5.0', 'minor'],
    ['1.2.0', '2.0.0', 'major'],
    ['1.2.0', '3.1.4', 'major'],
    ['1.2.0', '2.0.0-rc.0', 'major'],
    ['1.2.0', '1.3.0-rc.0', 'minor'],
    ['1.3.0-rc.0', '1.3.0-rc.1', 'minor'],
    ['1.3.0-rc.1', '1.3.0', 'minor'],
    ['2.0.0-rc.0', '2.0.0', 'major'],
    ['1.2.4-rc.0', '1.2.4', 'patch'],
    ['1.3.0-rc.1', '2.0.0', 'major'],
    ['1.2.0', '1.2.0', undefined],
    ['1.2.0', '1.1.0', undefined],
  ];
  it.each(cases)('%s → %s is %s', (previous, version, type) => {
    expect(impliedType(previous, version)).toBe(type);
  });

  it('agrees with nextVersion: bumping by a type implies that type, or less only where semver cannot tell', () => {
    for (const current of ['0.0.0', '1.2.3', '1.3.0-rc.1', '2.0.0-rc.0', '1.2.4-beta.0']) {
      for (const type of ['major', 'minor', 'patch'] as const) {
        const next = nextVersion(current, type);
        expect(compareTypes(impliedType(current, next), type), `${current} + ${type} = ${next}`).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('types', () => {
  it('orders major > minor > patch > nothing', () => {
    expect(highestType(['patch', undefined, 'minor', 'patch'])).toBe('minor');
    expect(highestType([undefined])).toBeUndefined();
    expect(highestType([])).toBeUndefined();
    expect(compareTypes('major', 'minor')).toBe(1);
    expect(compareTypes('patch', 'patch')).toBe(0);
    expect(compareTypes(undefined, 'patch')).toBe(-1);
  });

  it('reads the level of a pre-release from its release numbers', () => {
    expect(preReleaseLevel('1.3.0-rc.1')).toBe('minor');
    expect(preReleaseLevel('2.0.0-rc.0')).toBe('major');
    expect(preReleaseLevel('1.2.4-beta.0')).toBe('patch');
    expect(preReleaseLevel('1.3.0')).toBeUndefined();
  });
});
