// sortVersions (src/core/manifest/versions.ts) compares release versions by their numbers without
// semver's parser: it must order every mix of releases and pre-releases exactly as semver does.
import compare from 'semver/functions/compare.js';
import { describe, expect, it } from 'vitest';
import { sortVersions } from '../../src/core/manifest/versions.js';
import { prng } from '../helpers/prng.js';

describe('sortVersions', () => {
  it('orders releases numerically, not as text', () => {
    expect(sortVersions(['1.10.0', '1.2.0', '10.0.0', '1.2.10', '1.2.9', '0.0.0', '2.0.0'])).toStrictEqual(['0.0.0', '1.2.0', '1.2.9', '1.2.10', '1.10.0', '2.0.0', '10.0.0']);
  });

  it('agrees with semver on random mixes of releases, pre-releases and big numbers', () => {
    const random = prng(13);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    for (let round = 0; round < 200; round++) {
      const versions = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const n = () => pick([0, 1, 2, 9, 10, 11, 100, 999999999999999]);
        versions.add(`${n()}.${n()}.${n()}${pick(['', '', '', '-rc.1', '-rc.2', '-alpha', '-0'])}`);
      }
      const list = [...versions];
      expect(sortVersions(list)).toStrictEqual([...list].sort(compare));
    }
  });
});
