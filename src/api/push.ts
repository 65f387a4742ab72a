// Uploading versions (all, or the named ones), their blobs and their history to a remote; a version
// already there with other content is a conflict, never overwritten (core/remote/push.ts).
import { openStore } from '../core/store.js';
import type { TransferListener } from '../core/remote/backend.js';
import type { PushResult } from '../core/remote/push.js';
import type { Where } from './where.js';

export type { PushResult } from '../core/remote/push.js';

export interface PushOptions extends Where {
  /** a configured remote (default: the default remote) */
  remote?: string | undefined;
  /** versions to push, any reference; every version of every model when empty */
  refs?: string[] | undefined;
  /**
   * When no remote is given: the first of `refs` names the remote if a remote of that name is
   * configured (the command line's [remote] [refs...]), else it is a reference like the rest.
   */
  remoteMayLead?: boolean | undefined;
  onTransfer?: TransferListener;
}

/** The remote and references meant by a list whose first item may name a configured remote. */
export function remoteAndRefs(remotes: Record<string, unknown>, remote: string | undefined, refs: string[], remoteMayLead: boolean | undefined): { remote?: string; refs: string[] } {
  if (remote !== undefined || !remoteMayLead || refs.length === 0) return { ...(remote === undefined ? {} : { remote }), refs };
  if (Object.hasOwn(remotes, refs[0]!)) return { remote: refs[0]!, refs: refs.slice(1) };
  return { refs };
}

export async function push(options: PushOptions): Promise<PushResult> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const { remote, refs } = remoteAndRefs(store.config.remotes, options.remote, options.refs ?? [], options.remoteMayLead);
  const core = await import('../core/remote/push.js');
  return core.push(store, { remote, refs, env: options.env, ...(options.onTransfer ? { onTransfer: options.onTransfer } : {}) });
}
