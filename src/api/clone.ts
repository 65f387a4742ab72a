// A new store from a remote, with that remote as its default: manifests and history now, blobs on
// demand (or all now). The remote is checked before anything is created (core/remote/clone.ts).
import { access, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { absoluteRemoteUrl } from '../core/config/remotes.js';
import { STORE_DIRNAME } from '../store/layout.js';
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
  /**
   * public key files (<name>.pub; relative ones from cwd) trusted in the new store, each under its
   * file name without .pub, before anything is pulled. A remote's keys are never trusted.
   */
  trustKeys?: string[] | undefined;
  onTransfer?: TransferListener;
}

export async function clone(options: CloneOptions): Promise<CloneResult> {
  const core = await import('../core/remote/clone.js');
  // A clone that fails part way (a bad manifest on the remote, a lost connection) leaves nothing behind: not the
  // new store, whose hint would then fail, nor the project directory if the clone made it.
  const project = resolve(options.cwd, options.dir ?? '.');
  const existed = { project: await exists(project), store: await exists(join(project, STORE_DIRNAME)) };
  try {
    return await cloneWith(core, options);
  } catch (err) {
    if (!existed.store) await rm(join(project, STORE_DIRNAME), { recursive: true, force: true }).catch(() => undefined);
    if (!existed.project) await rmdir(project).catch(() => undefined); // only if empty
    throw err;
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

function cloneWith(core: typeof import('../core/remote/clone.js'), options: CloneOptions): Promise<CloneResult> {
  return core.clone({
    url: absoluteRemoteUrl(options.url, options.cwd),
    dir: options.dir,
    cwd: options.cwd,
    name: options.name,
    endpoint: options.endpoint,
    region: options.region,
    all: options.all,
    trustKeys: (options.trustKeys ?? []).map((f) => resolve(options.cwd, f)),
    env: options.env,
    ...(options.onTransfer ? { onTransfer: options.onTransfer } : {}),
  });
}
