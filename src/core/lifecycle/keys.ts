// Signing keys: a new key pair written to files (never over an existing one), and the trusted keys
// (config.yaml's `keys:`) added and removed in place like any other config change (config/edit.ts).
// Which signatures count is decided in signatures.ts against that list.
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MregError } from '../../errors.js';
import type { Layout } from '../../store/layout.js';
import { editConfig, ensureSection } from '../config/edit.js';
import { checkName } from '../names.js';
import { fingerprintOf, generateKey, publicKeyObject } from './signatures.js';

const MAX_PUBLIC_KEY_FILE = 64 * 1024;
const PUBLIC_KEY = /^ed25519:[A-Za-z0-9+/]{43}=$/;

export interface TrustedKey {
  name: string;
  /** 'ed25519:<base64>', as config.yaml holds it */
  key: string;
  fingerprint: string;
}

export interface KeyFiles {
  name: string;
  private_key: string;
  public_key: string;
  /** 'ed25519:<base64>', the form config.yaml's keys: takes */
  key: string;
  fingerprint: string;
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new MregError('CONFLICT', `${path} already exists; refusing to overwrite a key`);
    throw err;
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * A new Ed25519 key pair in `dir`: <name>.key (private, mode 0600) and <name>.pub. With `private`,
 * `dir` is the user's own key directory: made 0700, and made so again if it is open to others.
 */
export async function writeKeyPair(dir: string, name: string, options: { private?: boolean } = {}): Promise<KeyFiles> {
  checkName(name, 'key name');
  await mkdir(dir, { recursive: true, mode: options.private ? 0o700 : 0o777 });
  if (options.private && ((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  const pair = generateKey();
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  await writeNew(privatePath, pair.privatePem, 0o600);
  await writeNew(publicPath, `${pair.publicKey}\n`, 0o644);
  return { name, private_key: privatePath, public_key: publicPath, key: pair.publicKey, fingerprint: pair.fingerprint };
}

/** The public key in a file written by key generate (<name>.pub): 'ed25519:<base64>'. */
export async function readPublicKeyFile(path: string): Promise<string> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_PUBLIC_KEY_FILE) throw new Error('not a public key file');
    text = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new MregError('INVALID_INPUT', `${path}: cannot read the public key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // The private half must never be pasted into config.yaml, which is committed.
  if (text.includes('PRIVATE KEY')) throw new MregError('INVALID_INPUT', `${path} is a private key; trust its public half (the .pub file)`);
  if (!PUBLIC_KEY.test(text)) throw new MregError('INVALID_INPUT', `${path}: expected 'ed25519:' and the base64 public key that key generation writes to <name>.pub`);
  publicKeyObject(text); // a well-formed key, not just the right length
  return text;
}

/** Adds a trusted key; the same key under the same name again changes nothing. */
export async function trustKey(layout: Layout, name: string, key: string): Promise<TrustedKey & { unchanged: boolean }> {
  checkName(name, 'key name');
  let unchanged = false;
  await editConfig(layout, 'keys', (doc, current) => {
    const existing = current.keys[name];
    if (existing === key) {
      unchanged = true;
      return;
    }
    if (existing !== undefined) {
      throw new MregError('CONFLICT', `a different key is already trusted as ${name} (${fingerprintOf(existing)})`, { hint: `untrust it first: mreg key untrust ${name}` });
    }
    const other = Object.entries(current.keys).find(([, spec]) => spec === key)?.[0];
    if (other !== undefined) throw new MregError('CONFLICT', `this key is already trusted as ${other}`);
    ensureSection(doc, 'keys');
    doc.setIn(['keys', name], key);
  });
  return { name, key, fingerprint: fingerprintOf(key), unchanged };
}

/** Removes a trusted key, unless a stage would then ask for more signatures than there are trusted keys. */
export async function untrustKey(layout: Layout, name: string): Promise<TrustedKey> {
  checkName(name, 'key name');
  let removed: string | undefined;
  await editConfig(layout, 'keys', (doc, current) => {
    removed = current.keys[name];
    if (removed === undefined) throw new MregError('NOT_FOUND', `no trusted key named ${JSON.stringify(name)}`);
    const left = Object.keys(current.keys).length - 1;
    const needy = Object.entries(current.stages).find(([, stage]) => stage.signatures > left);
    if (needy) {
      const [stage, { signatures }] = needy;
      throw new MregError('REFUSED', `${stage} requires signatures from ${signatures} trusted key${signatures === 1 ? '' : 's'}; without ${name} only ${left} would be left`, {
        hint: `lower stages.${stage}.signatures in config.yaml first, or trust another key`,
      });
    }
    doc.deleteIn(['keys', name]);
  });
  return { name, key: removed!, fingerprint: fingerprintOf(removed!) };
}
