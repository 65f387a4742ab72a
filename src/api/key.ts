// Signing keys: generate a key pair into files, and trust or untrust a public key (config.yaml's
// `keys:`, the keys whose signatures count for the stages' signature rules).
import { resolve } from 'node:path';
import { readPublicKeyFile, trustKey, untrustKey, writeKeyPair, type KeyFiles, type TrustedKey } from '../core/lifecycle/keys.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { KeyFiles, TrustedKey } from '../core/lifecycle/keys.js';

/** `store` from Where is not used: key files are not part of a store. */
export interface KeyGenerateOptions extends Where {
  /** names the files: <name>.key and <name>.pub */
  name: string;
  /** where to write them (default: cwd; a relative one is taken from cwd) */
  dir?: string | undefined;
}

export async function keyGenerate(options: KeyGenerateOptions): Promise<KeyFiles> {
  return writeKeyPair(resolve(options.cwd, options.dir ?? '.'), options.name);
}

export interface KeyTrustOptions extends Where {
  /** the name the key is trusted as (it names the signer in messages and in config.yaml) */
  name: string;
  /** a public key file as key generation writes it (<name>.pub); a relative path is taken from cwd */
  publicKeyFile: string;
}

export async function keyTrust(options: KeyTrustOptions): Promise<TrustedKey & { unchanged: boolean }> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const key = await readPublicKeyFile(resolve(options.cwd, options.publicKeyFile));
  return trustKey(store.layout, options.name, key);
}

export interface KeyUntrustOptions extends Where {
  name: string;
}

export async function keyUntrust(options: KeyUntrustOptions): Promise<TrustedKey & { removed: true }> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  return { ...(await untrustKey(store.layout, options.name)), removed: true };
}
