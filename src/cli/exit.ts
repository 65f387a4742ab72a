// The one place that maps error codes to exit codes: 0 ok, 1 the operation or check failed,
// 2 invalid usage or input.
import type { ErrorCode } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'USAGE',
  'INVALID_NAME',
  'INVALID_VERSION',
  'INVALID_INPUT',
  'INVALID_HEADER',
  'NO_STORE',
  'STORE_UNREADABLE',
]);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILED;
}
