// The one error type of the core. Every failure a user can cause or meet carries a stable code;
// the CLI maps codes to exit codes (src/cli/exit.ts) and prints errors as data under --json.

/** Stable error codes. Never rename one: scripts match on them. */
export type ErrorCode =
  | 'USAGE' // bad flags or arguments
  | 'INVALID_NAME' // model (or other) name breaks the naming rules
  | 'INVALID_VERSION' // not a valid semver, or not allowed here
  | 'INVALID_INPUT' // a value, file or document the user gave is malformed
  | 'INVALID_HEADER' // a model file's header cannot be read safely
  | 'NO_STORE' // no .modelreg store found
  | 'STORE_UNREADABLE' // the store exists but its config cannot be read
  | 'NOT_FOUND' // the model, version or file asked for does not exist
  | 'VERSION_EXISTS' // the version is already registered (with other content)
  | 'CORRUPT_BLOB' // stored bytes no longer match their hash
  | 'CORRUPT_MANIFEST' // a stored manifest fails to parse or validate
  | 'VERIFY_FAILED' // verify found problems
  | 'CONFLICT' // the target already holds something else
  | 'STAGE_CONFLICT' // an exclusive stage holds two versions (promoted in parallel on two machines)
  | 'PRUNED' // the version was pruned by gc: its manifest remains, its files are gone
  | 'UNSAFE_ARTIFACT' // an artifact would run code when loaded (mreg scan)
  | 'REFUSED' // a rule forbids the operation (stage order, missing checks, immutability)
  | 'BUMP_TOO_LOW' // the declared change type is lower than the model's interface changes require
  | 'LOCKED' // could not take a store lock in time
  | 'CHANGED_WHILE_READING' // an input file changed while being stored
  | 'REMOTE' // a remote could not be reached or refused a request (after retries): network, server error, access denied
  | 'IO' // the operating system refused a read or write
  | 'INTERNAL'; // a bug in mreg

export interface ErrorOptions {
  hint?: string;
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class MregError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MregError';
    this.code = code;
    this.hint = options.hint;
    this.data = options.data;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; data?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.data === undefined ? {} : { data: this.data }),
    };
  }
}

/** Wraps an unexpected exception so it still reaches the user as data, marked as a bug. */
export function toMregError(err: unknown): MregError {
  if (err instanceof MregError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const full = e.code === 'ENOSPC' || e.code === 'EDQUOT' ? ' (no space left on the device)' : '';
    return new MregError('IO', `${e.syscall} ${e.path ?? ''}: ${e.code}${full}`.replace(/\s+:/, ':'), { cause: err });
  }
  return new MregError('INTERNAL', `internal error: ${e?.message ?? String(err)}`, { cause: err });
}

/**
 * User input as a message quotes it: JSON-quoted (control characters escaped) and cut to `max` characters, so a
 * 40 KB argument is named, not echoed whole.
 */
export function quoteInput(text: string, max = 80): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}... (${text.length} characters)`;
}
