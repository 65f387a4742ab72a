// Collecting garbage: pruning versions outside the retention policy, deleting unreferenced blobs and old temp files.
import { resolveActor } from '../core/provenance.js';
import { collectGarbage, type GcReport } from '../core/retention/gc.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { GcReport, PrunedVersion } from '../core/retention/gc.js';

export interface GcOptions extends Where {
  /** report exactly what would be pruned and deleted; delete nothing */
  dryRun?: boolean | undefined;
  /** this run only: keep the last N versions of each model (and protected ones) instead of the policy */
  keepLast?: number | undefined;
  /** who prunes, recorded in the history (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
  now?: Date;
}

export async function gc(opts: GcOptions): Promise<GcReport> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const actor = await resolveActor(opts.cwd, opts.env ?? {}, opts.actor);
  return collectGarbage(store, { dryRun: opts.dryRun, keepLast: opts.keepLast, actor, ...(opts.now ? { now: opts.now } : {}) });
}
