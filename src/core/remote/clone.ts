// mreg clone: a new store from a remote, with that remote as its default (origin): manifests and
// history come now, blobs on demand (export, pull). The remote is checked before anything is created.
import { access } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MregError } from '../../errors.js';
import { checkName } from '../names.js';
import { initStore, openStore } from '../store.js';
import { readPublicKeyFile, trustKey, type TrustedKey } from '../lifecycle/keys.js';
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
  /** absolute paths of public key files to trust before anything is pulled */
  trustKeys?: string[] | undefined;
  onTransfer?: TransferListener;
  /** the environment mreg runs with: an S3 remote's region and credentials (absent: empty) */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface CloneResult extends PullResult {
  store: string;
  /** the keys trusted in the new store (from --trust-key files, never from the remote) */
  trusted: TrustedKey[];
}

export async function clone(req: CloneRequest): Promise<CloneResult> {
  const remote = checkRemoteInput({ name: req.name ?? 'origin', url: req.url, endpoint: req.endpoint, region: req.region, default: true });
  const root = join(resolve(req.cwd, req.dir ?? '.'), STORE_DIRNAME);
  if (await access(root).then(() => true, () => false)) {
    throw new MregError('CONFLICT', `${root} already exists; clone makes a new store`, { hint: 'pull into an existing store with: mreg remote add NAME URL && mreg pull' });
  }
  // The key files are read before anything is made: a bad one leaves nothing behind.
  const keys: { name: string; key: string }[] = [];
  for (const file of req.trustKeys ?? []) {
    const name = basename(file).replace(/\.pub$/, '');
    checkName(name, `key name (from ${file})`);
    keys.push({ name, key: await readPublicKeyFile(file) });
  }
  const backend = await openRemote(remote, req.env);
  try {
    if (!(await checkMarker(backend, false))) throw new MregError('NOT_FOUND', `no mreg registry at ${remote.url} (nothing has been pushed there)`);
    await initStore({ store: root, cwd: req.cwd });
    const store = await openStore({ store: root, cwd: req.cwd });
    await addRemote(store, remote);
    const trusted: TrustedKey[] = [];
    for (const { name, key } of keys) trusted.push(await trustKey(store.layout, name, key));
    // Trusted first: the history the pull merges is judged against this store's keys and rules.
    const configured = await openStore({ store: root, cwd: req.cwd });
    const pulled = await pullFrom(configured, backend, { refs: [], all: req.all, onTransfer: req.onTransfer, into: 'tracked' }, { remote: remote.name, url: remote.url });
    return { store: root, ...pulled, trusted: trusted.map(({ name, key, fingerprint }) => ({ name, key, fingerprint })) };
  } finally {
    backend.close();
  }
}
