// Remotes (config.yaml's `remotes:`): add one, list them, remove one. Nothing on a remote is touched.
import { absoluteRemoteUrl, defaultRemote, type RemoteConfig } from '../core/config/remotes.js';
import { addRemote, listRemotes, removeRemote } from '../core/remote/remotes.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

/** A remote as --json prints it. */
export interface RemoteInfo {
  name: string;
  url: string;
  endpoint?: string;
  region?: string;
  /** push, pull and export use it when they name no remote */
  default: boolean;
}

function info(remote: RemoteConfig, isDefault: boolean): RemoteInfo {
  return { name: remote.name, url: remote.url, ...(remote.endpoint ? { endpoint: remote.endpoint } : {}), ...(remote.region ? { region: remote.region } : {}), default: isDefault };
}

export interface RemoteAddOptions extends Where {
  name: string;
  /** s3://bucket/prefix, file:///dir or a directory (a relative one is taken from cwd) */
  url: string;
  /** an S3-compatible server (MinIO, Ceph, R2, ...), addressed path-style; s3:// remotes only */
  endpoint?: string | undefined;
  /** the bucket region; s3:// remotes only */
  region?: string | undefined;
  /** make it the default remote */
  default?: boolean | undefined;
}

export async function remoteAdd(options: RemoteAddOptions): Promise<RemoteInfo> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const { remote, remotes } = await addRemote(store, {
    name: options.name,
    url: absoluteRemoteUrl(options.url, options.cwd),
    endpoint: options.endpoint,
    region: options.region,
    default: options.default,
  });
  return info(remote, defaultRemote(remotes)?.name === remote.name);
}

export type RemoteListOptions = Where;

/** Every remote, sorted by name. */
export async function remoteList(options: RemoteListOptions): Promise<RemoteInfo[]> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const chosen = defaultRemote(store.config.remotes)?.name;
  return listRemotes(store.config).map((r) => info(r, r.name === chosen));
}

export interface RemoteRemoveOptions extends Where {
  name: string;
}

export interface RemoteRemoved {
  name: string;
  url: string;
  removed: true;
}

export async function remoteRemove(options: RemoteRemoveOptions): Promise<RemoteRemoved> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const removed = await removeRemote(store, options.name);
  return { name: removed.name, url: removed.url, removed: true };
}
