// Signing a version: an Ed25519 signature over its manifest digest, stored beside the manifest (which
// is never touched) and recorded in the model's history (core/lifecycle/signatures.ts).
import { resolve } from 'node:path';
import { MregError } from '../errors.js';
import { resolveActor } from '../core/provenance.js';
import { signVersion, type KeySource } from '../core/lifecycle/signatures.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export interface SignOptions extends Where {
  /** the version: model@version, model@<stage>, model@<range> */
  ref: string;
  /**
   * the private key file from key generation (<name>.key); a relative path is taken from cwd.
   * Absent: the key's text from env.MREG_SIGNING_KEY (for CI, where the key is a secret variable).
   */
  keyFile?: string | undefined;
  /** who signs, recorded in the history (default from env: MREG_ACTOR, git user.email, $USER) */
  actor?: string | undefined;
}

export interface SignResult {
  model: string;
  version: string;
  fingerprint: string;
  /** the name the key is trusted as in config.yaml, or null when it is not trusted (yet) */
  trusted_as: string | null;
  /** the signature file */
  path: string;
}

export async function sign(options: SignOptions): Promise<SignResult> {
  const text = options.env?.MREG_SIGNING_KEY;
  const source: KeySource | undefined = options.keyFile ? { file: resolve(options.cwd, options.keyFile) } : text ? { text, label: 'MREG_SIGNING_KEY' } : undefined;
  if (!source) throw new MregError('USAGE', "signing needs a private key: keyFile <file> (make one with mreg key generate <name>), or the key's text in MREG_SIGNING_KEY", { data: { option: 'keyFile' } });
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const actor = await resolveActor(options.cwd, options.env ?? {}, options.actor);
  return signVersion(store, options.ref, source, actor);
}
