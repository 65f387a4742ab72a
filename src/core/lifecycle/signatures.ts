// Signed versions: Ed25519 signatures over a version's manifest digest (the sha256 of the manifest
// file's bytes), stored beside it in .modelreg/signatures/<model>/<version>/<key>.json so the
// manifest itself is never touched. Checking a signature also re-hashes the version's blobs.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MregError } from '../../errors.js';
import { appendEvents, readHistory } from './history.js';
import { replay } from './state.js';
import { resolveRef } from './refs.js';
import { writeReplace } from '../../store/atomic.js';
import { hashFile } from '../../store/blobs.js';
import { blobPath, manifestPath, pulledSignatureDir, signatureDir, type Layout } from '../../store/layout.js';
import { withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { listModels, manifestFile, readManifest } from '../manifest/versions.js';

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

/** Where a signing key comes from: a private key file, or the key's text (MREG_SIGNING_KEY in CI). */
export type KeySource = { file: string } | { text: string; label: string };

export async function loadPrivateKey(source: KeySource): Promise<{ key: KeyObject; publicKey: string }> {
  const label = 'file' in source ? source.file : source.label;
  try {
    let text: string;
    if ('file' in source) {
      const st = await stat(source.file);
      if (!st.isFile() || st.size > MAX_KEY_FILE) throw new Error('not a key file');
      text = await readFile(source.file, 'utf8');
    } else {
      if (source.text.length > MAX_KEY_FILE) throw new Error('longer than a key');
      text = source.text;
    }
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key, not Ed25519`);
    return { key, publicKey: publicSpec(createPublicKey(key)) };
  } catch (err) {
    // Never echo the text: it is a secret.
    throw new MregError('INVALID_INPUT', `${label}: cannot use it as a signing key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]})`);
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

export async function signVersion(store: Store, ref: string, keySource: KeySource, actor: string): Promise<{ model: string; version: string; fingerprint: string; trusted_as: string | null; path: string }> {
  const { model, version } = await resolveRef(store, ref);
  await readManifest(store.layout, model, version); // sound before anyone vouches for it
  const { key, publicKey } = await loadPrivateKey(keySource);
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

/** What a signature file's name is: the signing key's fingerprint. */
export const SIGNATURE_FILE = /^[0-9a-f]{16}\.json$/;

/** The shape of a signature file's text, or what is wrong with it. The text is untrusted. */
export function parseSignature(text: string): SignatureFile | string {
  let f: Partial<SignatureFile>;
  try {
    f = JSON.parse(text) as Partial<SignatureFile>;
  } catch (err) {
    return `unreadable (${(err as Error).message.split('\n')[0]})`;
  }
  if (f === null || typeof f !== 'object' || Array.isArray(f)) return 'not a signature object';
  for (const k of ['model', 'version', 'digest', 'key', 'signature'] as const) if (typeof f[k] !== 'string') return `no ${k}`;
  return f as SignatureFile;
}

/**
 * Whether the signature is by its key over model@version at `digest`; `who` names the signer in the
 * message (whether the key is trusted is not asked here).
 */
export function signatureProblem(sig: SignatureFile, model: string, version: string, digest: string, who = `key ${fingerprintOf(sig.key)}`): string | undefined {
  if (sig.model !== model || sig.version !== version) return `the signature is for ${sig.model}@${sig.version}`;
  let ok = false;
  try {
    ok = verify(null, message(model, version, sig.digest), publicKeyObject(sig.key), Buffer.from(sig.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) return `${who}'s signature does not verify`;
  if (sig.digest !== digest) return `the manifest changed after ${who} signed it (signed ${sig.digest}, now ${digest})`;
  return undefined;
}

async function readSignatureFile(path: string): Promise<SignatureFile | string> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_SIGNATURE_FILE) return 'not a signature file, or larger than a signature can be';
    return parseSignature(await readFile(path, 'utf8'));
  } catch (err) {
    return `unreadable (${(err as Error).message.split('\n')[0]})`;
  }
}

export interface SignatureFileEntry {
  name: string;
  path: string;
  /** how messages name it: signatures/<model>/<version>/<name> or pulled/signatures/... */
  label: string;
}

/** A version's signature files: the tracked ones, then those only a pull brought (a name in both: the tracked one). */
export async function signatureFiles(layout: Layout, model: string, version: string): Promise<SignatureFileEntry[]> {
  const out: SignatureFileEntry[] = [];
  const seen = new Set<string>();
  for (const [dir, prefix] of [[signatureDir(layout, model, version), 'signatures'], [pulledSignatureDir(layout, model, version), 'pulled/signatures']] as const) {
    for (const name of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort()) {
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({ name, path: join(dir, name), label: `${prefix}/${model}/${version}/${name}` });
    }
  }
  return out;
}

/** The text of a local signature file, bounded (for push). */
export async function signatureText(path: string): Promise<string | undefined> {
  const sig = await readSignatureFile(path);
  return typeof sig === 'string' ? undefined : readFile(path, 'utf8');
}

/** Every signature of a version, judged against the trusted keys, the manifest and the blobs. */
export async function checkSignatures(store: Store, model: string, version: string): Promise<SignatureCheck> {
  const files = await signatureFiles(store.layout, model, version);
  const check: SignatureCheck = { valid: [], problems: [] };
  if (files.length === 0) return check;
  const digest = await manifestDigest(store.layout, model, version);
  const trusted = new Map(Object.entries(store.config.keys).map(([name, spec]) => [spec, name]));
  for (const { path, label } of files) {
    const sig = await readSignatureFile(path);
    if (typeof sig === 'string') {
      check.problems.push(`${label}: ${sig}`);
      continue;
    }
    const who = trusted.get(sig.key);
    if (!who) {
      check.problems.push(`${label}: signed by key ${fingerprintOf(sig.key)}, which is not among the trusted keys in config.yaml`);
      continue;
    }
    const problem = signatureProblem(sig, model, version, digest, who);
    if (problem) check.problems.push(`${label}: ${problem}`);
    else if (!check.valid.includes(who)) check.valid.push(who);
  }
  if (check.valid.length > 0) {
    const manifest = await readManifest(store.layout, model, version);
    // A blob not here yet (a clone, a teammate's version) is checked against its name when it is
    // fetched; the signed manifest names it, so only a blob here that no longer matches breaks it.
    for (const a of manifest.artifacts) {
      const actual = await hashFile(blobPath(store.layout, a.sha256)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? 'absent' : undefined));
      if (actual === 'absent') continue;
      if (actual?.sha256 !== a.sha256) {
        check.problems.push(`${model}@${version}: ${a.path}: the blob ${actual ? 'no longer matches' : 'cannot be read, so it cannot match'} what was signed`);
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

/**
 * For verify --signatures: every signature file in the store (tracked and pulled), and the local
 * policy: with no trusted key nothing can be checked (never a vacuous ok), and every version in a
 * stage that requires signatures must carry them.
 */
export async function verifyAllSignatures(store: Store): Promise<{ code: string; message: string }[]> {
  const problems: { code: string; message: string }[] = [];
  if (Object.keys(store.config.keys).length === 0) {
    problems.push({ code: 'NO_TRUSTED_KEY', message: 'no key is trusted (config.yaml keys: is empty), so no signature can be checked; trust the signers\' public keys with mreg key trust <name> <file.pub>' });
  }
  const tracked = join(store.layout.root, 'signatures');
  for (const root of [tracked, join(store.layout.pulled, 'signatures')]) {
    for (const model of await readdir(root).catch(() => [] as string[])) {
      for (const version of await readdir(join(root, model)).catch(() => [] as string[])) {
        const label = `${root === tracked ? '' : 'pulled/'}signatures/${model}/${version}`;
        const exists = (await manifestFile(store.layout, model, version)) !== undefined;
        if (!exists) {
          problems.push({ code: 'SIGNATURE_DANGLING', message: `${label}: no such version` });
          continue;
        }
        if (root !== tracked && (await readdir(join(tracked, model, version)).catch(() => undefined))) continue; // judged with the tracked ones
        for (const p of (await checkSignatures(store, model, version)).problems) problems.push({ code: 'SIGNATURE_INVALID', message: p });
      }
    }
  }
  const protectedStages = Object.entries(store.config.stages).filter(([, rules]) => rules.signatures > 0);
  if (protectedStages.length === 0) return problems;
  for (const model of await listModels(store.layout)) {
    const state = replay((await readHistory(store.layout, model)).events);
    for (const [stage, { signatures: needed }] of protectedStages) {
      for (const version of state.stages.get(stage) ?? []) {
        const { valid } = await checkSignatures(store, model, version);
        if (valid.length < needed) {
          problems.push({
            code: 'SIGNATURE_MISSING',
            message: `${model}@${version} is in ${stage}, which requires signatures from ${needed} trusted key${needed === 1 ? '' : 's'}, and has ${valid.length === 0 ? 'no valid one' : `valid ones only from ${valid.join(', ')}`}`,
          });
        }
      }
    }
  }
  return problems;
}
