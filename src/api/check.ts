// Running the configured checks on a version's files and recording each result in its history.
import { runChecks, type ChecksResult } from '../core/lifecycle/checks.js';
import { openStore } from '../core/store.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import type { Where } from './where.js';

export type { CheckRun, ChecksResult } from '../core/lifecycle/checks.js';
export { formatDuration } from '../core/duration.js';

export interface CheckOptions extends Where {
  /** the version: model, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
  /** run only these checks (default: every configured one) */
  only?: readonly string[] | undefined;
  /** who ran the checks (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
}

export async function check(opts: CheckOptions): Promise<ChecksResult> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return runChecks(store, { ref: opts.ref, only: opts.only === undefined ? undefined : [...opts.only], cwd: opts.cwd, env: opts.env ?? {}, actor: opts.actor }, { blobs: blobSourceFor(store, { env: opts.env }) });
}
