// Settling a version race after push refused with CONFLICT: the local content moves to the next free
// version, the remote's stays as it is, and both are here afterwards (core/remote/rebase.ts).
import { openStore } from '../core/store.js';
import type { RebaseResult } from '../core/remote/rebase.js';
import type { Where } from './where.js';

export type { RebaseResult, RebasedVersion } from '../core/remote/rebase.js';

export interface RebaseVersionOptions extends Where {
  /** the conflicting versions (model@version), as the CONFLICT error names them */
  refs: string[];
  /** the remote that holds the other content (default: the default remote) */
  remote?: string | undefined;
}

export async function rebaseVersion(options: RebaseVersionOptions): Promise<RebaseResult> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const core = await import('../core/remote/rebase.js');
  return core.rebaseVersions(store, { refs: options.refs, remote: options.remote, env: options.env });
}
