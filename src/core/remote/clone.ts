// mreg clone: a new store from a remote, with that remote as its default (origin): manifests and
// history come now, blobs on demand (export, pull). The remote is checked before anything is created.
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MregError } from '../../errors.js';
import { initStore, openStore } from '../store.js';
import { STORE_DIRNAME } from '../../store/layout.js';
import type { TransferListener } from './backend.js';
import { checkMarker } from './catalog.js';
import { openRemote } from './open.js';
import { pullFrom, type PullResult } from './pull.js';
import { addRemote, checkRemoteInput } from './remotes.js';

export interface CloneRequest {
  url: string;
  /** the project directory that gets the .modelreg store (default: the current directory) */
  dir?: string | undefined;
  cwd: string;
  name?: string | undefined;
  endpoint?: string | undefined;
  region?: string | undefined;
  /** also the blobs of every version */
  all?: boolean | undefined;
  onTransfer?: TransferListener;
  /** the environment mreg runs with: an S3 remote's region and credentials (absent: empty) */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface CloneResult extends PullResult {
  store: string;
}

export async function clone(req: CloneRequest): Promise<CloneResult> {
  const remote = checkRemoteInput({ name: req.name ?? 'origin', url: req.url, endpoint: req.endpoint, region: req.region, default: true });
  const root = join(resolve(req.cwd, req.dir ?? '.'), STORE_DIRNAME);
  if (await access(root).then(() => true, () => false)) {
    throw new MregError('CONFLICT', `${root} already exists; clone makes a new store`, { hint: 'pull into an existing store with: mreg remote add NAME URL && mreg pull' });
  }
  const backend = await openRemote(remote, req.env);
  try {
    if (!(await checkMarker(backend, false))) throw new MregError('NOT_FOUND', `no mreg registry at ${remote.url} (nothing has been pushed there)`);
    await initStore({ store: root, cwd: req.cwd });
    const store = await openStore({ store: root, cwd: req.cwd });
    await addRemote(store, remote);
    const configured = await openStore({ store: root, cwd: req.cwd });
    const pulled = await pullFrom(configured, backend, { refs: [], all: req.all, onTransfer: req.onTransfer, into: 'tracked' }, { remote: remote.name, url: remote.url });
    return { store: root, ...pulled };
  } finally {
    backend.close();
  }
}
