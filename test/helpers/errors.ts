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
