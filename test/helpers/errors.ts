// The MregError a promise rejects with, for tests that check a refusal's code, message and data.
import { expect } from 'vitest';
import { MregError } from '../../src/errors.js';

export async function failure(promise: Promise<unknown>): Promise<MregError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MregError);
  return err as MregError;
}

/** The MregError `fn` throws; the test fails when it throws something else or nothing. */
export function thrown(fn: () => unknown): MregError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MregError);
    return err as MregError;
  }
  throw new Error('expected an MregError, nothing was thrown');
}
