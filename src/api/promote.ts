// Moving a version into a stage, under the stage rules from config.yaml (or past them, when forced: recorded).
import { promote as promoteVersion, type StageChangeResult } from '../core/lifecycle/promote.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { StageChangeResult } from '../core/lifecycle/promote.js';

export interface PromoteOptions extends Where {
  /** the version: model, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
  stage: string;
  /** why (recorded in the history) */
  reason?: string | undefined;
  /** override the stage rules (recorded as forced) */
  force?: boolean | undefined;
  /** who promotes (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
  now?: () => Date;
}

export async function promote(opts: PromoteOptions): Promise<StageChangeResult> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return promoteVersion(store, {
    ref: opts.ref,
    stage: opts.stage,
    reason: opts.reason,
    force: opts.force,
    actor: opts.actor,
    cwd: opts.cwd,
    env: opts.env ?? {},
    ...(opts.now ? { now: opts.now } : {}),
  });
}
