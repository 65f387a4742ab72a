// Downloading manifests and history from a remote, and the blobs of the named versions (or of every
// version), each verified before it enters the store (core/remote/pull.ts).
import { openStore } from '../core/store.js';
import type { TransferListener } from '../core/remote/backend.js';
import type { PullResult } from '../core/remote/pull.js';
import { remoteAndRefs } from './push.js';
import type { Where } from './where.js';

export type { PullResult } from '../core/remote/pull.js';

export interface PullOptions extends Where {
  /** a configured remote (default: the default remote) */
  remote?: string | undefined;
  /** versions whose blobs to fetch; manifests and history of every model come in any case */
  refs?: string[] | undefined;
  /** as for push: the first of `refs` may name a configured remote */
  remoteMayLead?: boolean | undefined;
  /** the blobs of every version too */
  all?: boolean | undefined;
  onTransfer?: TransferListener;
}

export interface PullOutcome extends PullResult {
  /** the references whose blobs were asked for, once a leading remote name is taken off (not part of --json) */
  asked: string[];
}

export async function pull(options: PullOptions): Promise<PullOutcome> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const { remote, refs } = remoteAndRefs(store.config.remotes, options.remote, options.refs ?? [], options.remoteMayLead);
  const core = await import('../core/remote/pull.js');
  const result = await core.pull(store, { remote, refs, all: Boolean(options.all), env: options.env, ...(options.onTransfer ? { onTransfer: options.onTransfer } : {}) });
  return { ...result, asked: refs };
}
