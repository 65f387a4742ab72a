// Signing keys: generate a key pair into files, and trust or untrust a public key (config.yaml's
// `keys:`, the keys whose signatures count for the stages' signature rules).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readPublicKeyFile, trustKey, untrustKey, writeKeyPair, type KeyFiles, type TrustedKey } from '../core/lifecycle/keys.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { KeyFiles, TrustedKey } from '../core/lifecycle/keys.js';

/** `store` from Where is not used: key files are not part of a store. */
export interface KeyGenerateOptions extends Where {
  /** names the files: <name>.key and <name>.pub */
  name: string;
  /**
   * where to write them (a relative one is taken from cwd). Default: env.MREG_KEYS_DIR, else
   * ~/.config/mreg/keys (from env.HOME): a per-user directory, so a private key never lands in a work tree.
   */
  dir?: string | undefined;
}

/** The per-user key directory: $MREG_KEYS_DIR, else ~/.config/mreg/keys. */
function keysDir(env: NodeJS.ProcessEnv, cwd: string): string {
  if (env.MREG_KEYS_DIR) return resolve(cwd, env.MREG_KEYS_DIR);
  return join(env.HOME || homedir(), '.config', 'mreg', 'keys');
}

export async function keyGenerate(options: KeyGenerateOptions): Promise<KeyFiles> {
  const dir = options.dir === undefined ? keysDir(options.env ?? {}, options.cwd) : resolve(options.cwd, options.dir);
  return writeKeyPair(dir, options.name, { private: options.dir === undefined });
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
