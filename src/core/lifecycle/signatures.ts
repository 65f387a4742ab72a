// Signed versions: Ed25519 signatures over a version's manifest digest (the sha256 of the manifest
// file's bytes), stored beside it in .modelreg/signatures/<model>/<version>/<key>.json so the
// manifest itself is never touched. Checking a signature also re-hashes the version's blobs.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MregError } from '../../errors.js';
import { appendEvents } from './history.js';
import { resolveRef } from './refs.js';
import { writeReplace } from '../../store/atomic.js';
import { hashFile } from '../../store/blobs.js';
import { blobPath, manifestPath, type Layout } from '../../store/layout.js';
import { withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { manifestFile, readManifest } from '../manifest/versions.js';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex'); // DER header of an Ed25519 public key
const MAX_KEY_FILE = 64 * 1024;
const MAX_SIGNATURE_FILE = 64 * 1024;

export interface KeyPair {
  privatePem: string;
  /** 'ed25519:<base64>', the form config.yaml's keys: takes */
  publicKey: string;
  fingerprint: string;
}

export function fingerprintOf(publicKey: string): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

function publicSpec(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return `ed25519:${der.subarray(SPKI_PREFIX.length).toString('base64')}`;
}

export function publicKeyObject(spec: string): KeyObject {
  const raw = Buffer.from(spec.slice('ed25519:'.length), 'base64');
  if (!spec.startsWith('ed25519:') || raw.length !== 32) throw new MregError('INVALID_INPUT', `not an Ed25519 public key: ${spec.slice(0, 60)}`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function generateKey(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spec = publicSpec(publicKey);
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicKey: spec, fingerprint: fingerprintOf(spec) };
}

export async function loadPrivateKey(path: string): Promise<{ key: KeyObject; publicKey: string }> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_KEY_FILE) throw new Error('not a key file');
    const key = createPrivateKey(await readFile(path, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key, not Ed25519`);
    return { key, publicKey: publicSpec(createPublicKey(key)) };
  } catch (err) {
    throw new MregError('INVALID_INPUT', `${path}: cannot use it as a signing key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export async function manifestDigest(layout: Layout, model: string, version: string): Promise<string> {
  const path = (await manifestFile(layout, model, version)) ?? manifestPath(layout, model, version);
  return `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
}

function message(model: string, version: string, digest: string): Buffer {
  return Buffer.from(`mreg-signature-1\n${model}@${version}\n${digest}\n`, 'utf8');
}

export interface SignatureFile {
  format: 1;
  model: string;
  version: string;
  digest: string;
  key: string;
  signature: string;
  signed_at: string;
  actor: string;
}

function signatureDir(layout: Layout, model: string, version: string): string {
  return join(layout.root, 'signatures', model, version);
}

export async function signVersion(store: Store, ref: string, keyFile: string, actor: string): Promise<{ model: string; version: string; fingerprint: string; trusted_as: string | null; path: string }> {
  const { model, version } = await resolveRef(store, ref);
  await readManifest(store.layout, model, version); // sound before anyone vouches for it
  const { key, publicKey } = await loadPrivateKey(keyFile);
  const digest = await manifestDigest(store.layout, model, version);
  const file: SignatureFile = {
    format: 1,
    model,
    version,
    digest,
    key: publicKey,
    signature: sign(null, message(model, version, digest), key).toString('base64'),
    signed_at: new Date().toISOString(),
    actor,
  };
  const fingerprint = fingerprintOf(publicKey);
  const path = join(signatureDir(store.layout, model, version), `${fingerprint}.json`);
  await writeReplace(store.layout, path, `${JSON.stringify(file, null, 2)}\n`);
  await withLock(store.layout, `model-${model}`, () => appendEvents(store.layout, model, [{ event: 'sign', model, version, actor, key: fingerprint }]));
  const trustedAs = Object.entries(store.config.keys).find(([, spec]) => spec === publicKey)?.[0] ?? null;
  return { model, version, fingerprint, trusted_as: trustedAs, path };
}

export interface SignatureCheck {
  /** trusted key names with a valid signature over the current manifest */
  valid: string[];
  problems: string[];
}

async function readSignatureFile(path: string): Promise<SignatureFile | string> {
  try {
    const st = await stat(path);
    if (st.size > MAX_SIGNATURE_FILE) return 'larger than a signature can be';
    const f = JSON.parse(await readFile(path, 'utf8')) as Partial<SignatureFile>;
    for (const k of ['model', 'version', 'digest', 'key', 'signature'] as const) if (typeof f[k] !== 'string') return `no ${k}`;
    return f as SignatureFile;
  } catch (err) {
    return `unreadable (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Every signature of a version, judged against the trusted keys, the manifest and the blobs. */
export async function checkSignatures(store: Store, model: string, version: string): Promise<SignatureCheck> {
  const dir = signatureDir(store.layout, model, version);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const check: SignatureCheck = { valid: [], problems: [] };
  if (files.length === 0) return check;
  const digest = await manifestDigest(store.layout, model, version);
  const trusted = new Map(Object.entries(store.config.keys).map(([name, spec]) => [spec, name]));
  for (const name of files) {
    const label = `signatures/${model}/${version}/${name}`;
    const sig = await readSignatureFile(join(dir, name));
    if (typeof sig === 'string') {
      check.problems.push(`${label}: ${sig}`);
      continue;
    }
    const who = trusted.get(sig.key);
    if (!who) {
      check.problems.push(`${label}: signed by key ${fingerprintOf(sig.key)}, which is not among the trusted keys in config.yaml`);
      continue;
    }
    if (sig.model !== model || sig.version !== version) {
      check.problems.push(`${label}: the signature is for ${sig.model}@${sig.version}`);
      continue;
    }
    let ok = false;
    try {
      ok = verify(null, message(model, version, sig.digest), publicKeyObject(sig.key), Buffer.from(sig.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) check.problems.push(`${label}: ${who}'s signature does not verify`);
    else if (sig.digest !== digest) check.problems.push(`${label}: the manifest changed after ${who} signed it (signed ${sig.digest}, now ${digest})`);
    else if (!check.valid.includes(who)) check.valid.push(who);
  }
  if (check.valid.length > 0) {
    const manifest = await readManifest(store.layout, model, version);
    for (const a of manifest.artifacts) {
      const actual = await hashFile(blobPath(store.layout, a.sha256)).catch(() => undefined);
      if (actual?.sha256 !== a.sha256) {
        check.problems.push(`${model}@${version}: ${a.path}: the blob ${actual ? 'no longer matches' : 'is missing, so it cannot match'} what was signed`);
        check.valid = [];
      }
    }
  }
  return check;
}

/** Refuses (REFUSED) unless the version carries the signatures the stage asks for. */
export async function requireSignatures(store: Store, model: string, version: string, stage: string): Promise<void> {
  const needed = store.config.stages[stage]?.signatures ?? 0;
  if (needed === 0) return;
  const { valid, problems } = await checkSignatures(store, model, version);
  if (valid.length >= needed) return;
  const have = valid.length === 0 ? 'no valid signature from a trusted key' : `valid signatures only from ${valid.join(', ')}`;
  throw new MregError('REFUSED', `${stage} requires signatures from ${needed} trusted key${needed === 1 ? '' : 's'}, and ${model}@${version} has ${have}${problems.length ? `: ${problems.join('; ')}` : ''}`, {
    hint: `sign it with mreg sign ${model}@${version} --key <file>; --force does not override signatures`,
  });
}

/** For verify --signatures: every signature file in the store. */
export async function verifyAllSignatures(store: Store): Promise<{ code: string; message: string }[]> {
  const root = join(store.layout.root, 'signatures');
  const problems: { code: string; message: string }[] = [];
  for (const model of await readdir(root).catch(() => [] as string[])) {
    for (const version of await readdir(join(root, model)).catch(() => [] as string[])) {
      const exists = (await manifestFile(store.layout, model, version)) !== undefined;
      if (!exists) {
        problems.push({ code: 'SIGNATURE_DANGLING', message: `signatures/${model}/${version}: no such version` });
        continue;
      }
      for (const p of (await checkSignatures(store, model, version)).problems) problems.push({ code: 'SIGNATURE_INVALID', message: p });
    }
  }
  return problems;
}
