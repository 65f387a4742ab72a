// "Did you mean": which known name a typo is closest to, and when none is close enough to offer.
import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from '../../src/core/closest-name.js';

describe('closestName', () => {
  it.each([
    ['vda', ['vad', 'intent'], 'vad'], // two neighbours swapped: one edit
    ['intnet', ['vad', 'intent'], 'intent'],
    ['stagign', ['staging', 'production', 'archived'], 'staging'],
    ['prodution', ['staging', 'production'], 'production'],
    ['fraud', ['vad', 'intent'], undefined], // nothing close
    ['ab', ['xy', 'ac'], undefined], // short names: no edit allowed, so no guess
    ['vad', ['vad', 'vat'], undefined], // known: nothing to suggest
    ['vaa', ['vab', 'vac'], 'vab'], // a tie goes to the first in sort order
    ['modelx', ['model-a', 'modelxyz'], 'model-a'], // 2 edits each: sort order again
  ])('%s among %j -> %s', (name, known, expected) => {
    expect(closestName(name, known)).toBe(expected);
  });

  it('didYouMean is the end of a message, or nothing', () => {
    expect(didYouMean('vda', ['vad'])).toBe('; did you mean vad?');
    expect(didYouMean('fraud', ['vad'])).toBe('');
  });
});
