// A new store from a remote, with that remote as its default: manifests and history now, blobs on
// demand (or all now). The remote is checked before anything is created (core/remote/clone.ts).
import { absoluteRemoteUrl } from '../core/config/remotes.js';
import type { TransferListener } from '../core/remote/backend.js';
import type { CloneResult } from '../core/remote/clone.js';
import type { Where } from './where.js';

export type { CloneResult } from '../core/remote/clone.js';

/** `store` from Where is not used: the new store is made in `dir`. */
export interface CloneOptions extends Where {
  /** s3://bucket/prefix, file:///dir or a directory (a relative one is taken from cwd) */
  url: string;
  /** the project directory that gets the .modelreg store (default: cwd) */
  dir?: string | undefined;
  /** the remote's name in the new store (default: origin) */
  name?: string | undefined;
  /** an S3-compatible server, addressed path-style; s3:// remotes only */
  endpoint?: string | undefined;
  /** the bucket region; s3:// remotes only */
  region?: string | undefined;
  /** download every blob now */
  all?: boolean | undefined;
  onTransfer?: TransferListener;
}

export async function clone(options: CloneOptions): Promise<CloneResult> {
  const core = await import('../core/remote/clone.js');
  return core.clone({
    url: absoluteRemoteUrl(options.url, options.cwd),
    dir: options.dir,
    cwd: options.cwd,
    name: options.name,
    endpoint: options.endpoint,
    region: options.region,
    all: options.all,
    env: options.env,
    ...(options.onTransfer ? { onTransfer: options.onTransfer } : {}),
  });
}
