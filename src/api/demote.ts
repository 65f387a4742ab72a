// Taking a version out of a stage (recorded in the history).
import { demote as demoteVersion, type StageChangeResult } from '../core/lifecycle/promote.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { StageChangeResult } from '../core/lifecycle/promote.js';

export interface DemoteOptions extends Where {
  /** the version: model, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
  stage: string;
  /** why (recorded in the history) */
  reason?: string | undefined;
  /** who demotes (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
  now?: () => Date;
}

export async function demote(opts: DemoteOptions): Promise<StageChangeResult> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return demoteVersion(store, {
    ref: opts.ref,
    stage: opts.stage,
    reason: opts.reason,
    actor: opts.actor,
    cwd: opts.cwd,
    env: opts.env ?? {},
    ...(opts.now ? { now: opts.now } : {}),
  });
}
