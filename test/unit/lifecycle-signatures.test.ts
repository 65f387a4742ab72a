// Signatures and trusted keys (src/core/lifecycle/signatures.ts, keys.ts) on a real store: a signature
// counts only from a trusted key, over the current manifest, for this version, verifying over the bytes
// it claims, with every blob still matching; key files are never overwritten, private keys never trusted.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { readHistory } from '../../src/core/lifecycle/history.js';
import { readPublicKeyFile, trustKey, untrustKey, writeKeyPair } from '../../src/core/lifecycle/keys.js';
import {
  checkSignatures,
  fingerprintOf,
  generateKey,
  loadPrivateKey,
  manifestDigest,
  publicKeyObject,
  requireSignatures,
  signVersion,
  verifyAllSignatures,
  type SignatureFile,
} from '../../src/core/lifecycle/signatures.js';
import { readConfig } from '../../src/core/config/config.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';
import { MregError } from '../../src/errors.js';
import { blobPath, manifestPath } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';



const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('keys and fingerprints', () => {
  it('a generated key is ed25519:<32 bytes base64>, fingerprinted by the sha256 of that text', () => {
    const pair = generateKey();
    expect(pair.publicKey).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);
    expect(pair.fingerprint).toBe(sha256(pair.publicKey).slice(0, 16));
    expect(fingerprintOf(pair.publicKey)).toBe(pair.fingerprint);
    expect(pair.privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeyObject(pair.publicKey).asymmetricKeyType).toBe('ed25519');
  });

  it('refuses a public key without the prefix or of the wrong length, showing at most 60 characters', () => {
    const { publicKey } = generateKey();
    const raw = publicKey.slice('ed25519:'.length);
    for (const bad of [`rsa:${raw}`, `x${publicKey.slice(1)}`, `ed25519:${Buffer.alloc(31).toString('base64')}`, `ed25519:${Buffer.alloc(33).toString('base64')}`]) {
      expect(() => publicKeyObject(bad)).toThrow(MregError);
      expect(() => publicKeyObject(bad)).toThrow(`not an Ed25519 public key: ${bad.slice(0, 60)}`);
    }
    const long = `ed25519:${'A'.repeat(100)}`;
    expect(() => publicKeyObject(long)).toThrow(new MregError('INVALID_INPUT', `not an Ed25519 public key: ${long.slice(0, 60)}`));
  });

  it('loads an Ed25519 private key, and refuses anything else naming the file and why', async () => {
    const dir = tempDir('mreg-signatures-');
    const files = await writeKeyPair(dir, 'alice');
    const loaded = await loadPrivateKey({ file: files.private_key });
    expect(loaded.publicKey).toBe(files.key);
    expect(loaded.key.asymmetricKeyType).toBe('ed25519');

    const rsa = join(dir, 'rsa.key');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect((await failure(loadPrivateKey({ file: rsa }))).message).toBe(`${rsa}: cannot use it as a signing key (a rsa key, not Ed25519)`);
    expect((await failure(loadPrivateKey({ file: join(dir, 'none.key') }))).message).toBe(`${join(dir, 'none.key')}: cannot use it as a signing key (ENOENT)`);
    expect((await failure(loadPrivateKey({ file: dir }))).message).toBe(`${dir}: cannot use it as a signing key (not a key file)`);
    const big = join(dir, 'big.key');
    writeFileSync(big, Buffer.alloc(64 * 1024 + 1, 0x41));
    expect(await failure(loadPrivateKey({ file: big }))).toMatchObject({ code: 'INVALID_INPUT', message: `${big}: cannot use it as a signing key (not a key file)` });
    const exact = join(dir, 'exact.key');
    writeFileSync(exact, Buffer.alloc(64 * 1024, 0x41));
    expect((await failure(loadPrivateKey({ file: exact }))).message).not.toMatch(/not a key file/);
  });

  it('writes a key pair once: the private half 0600, the public half as config.yaml takes it; never over a file', async () => {
    const dir = join(tempDir('mreg-signatures-'), 'keys', 'nested');
    const files = await writeKeyPair(dir, 'alice');
    expect(files).toStrictEqual({ name: 'alice', private_key: join(dir, 'alice.key'), public_key: join(dir, 'alice.pub'), key: files.key, fingerprint: fingerprintOf(files.key) });
    expect(statSync(files.private_key).mode & 0o777).toBe(0o600);
    expect(statSync(files.public_key).mode & 0o077).toBe(0o044 & ~process.umask() & 0o077);
    expect(readFileSync(files.public_key, 'utf8')).toBe(`${files.key}\n`);
    const before = readFileSync(files.private_key, 'utf8');
    const err = await failure(writeKeyPair(dir, 'alice'));
    expect(err).toMatchObject({ code: 'CONFLICT', message: `${files.private_key} already exists; refusing to overwrite a key` });
    expect(readFileSync(files.private_key, 'utf8')).toBe(before);
    expect((await failure(writeKeyPair(dir, '../evil'))).code).toBe('INVALID_NAME');
    // A private key that exists without its public half is not overwritten either.
    rmSync(files.public_key);
    rmSync(files.private_key);
    writeFileSync(join(dir, 'bob.pub'), 'old');
    expect((await failure(writeKeyPair(dir, 'bob'))).message).toBe(`${join(dir, 'bob.pub')} already exists; refusing to overwrite a key`);
    chmodSync(dir, 0o500);
    try {
      const denied = await writeKeyPair(dir, 'carol').then(
        () => undefined,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
      if (process.getuid?.() !== 0) expect(denied).toMatchObject({ code: 'EACCES' });
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('reads a public key file, refusing private keys, other text, big files and directories', async () => {
    const dir = tempDir('mreg-signatures-');
    const files = await writeKeyPair(dir, 'alice');
    expect(await readPublicKeyFile(files.public_key)).toBe(files.key);
    writeFileSync(join(dir, 'padded.pub'), `\n  ${files.key}  \n`);
    expect(await readPublicKeyFile(join(dir, 'padded.pub'))).toBe(files.key);
    expect(await failure(readPublicKeyFile(files.private_key))).toMatchObject({ code: 'INVALID_INPUT', message: `${files.private_key} is a private key; trust its public half (the .pub file)` });
    writeFileSync(join(dir, 'other.pub'), `${files.key}x`);
    expect((await failure(readPublicKeyFile(join(dir, 'other.pub')))).message).toBe(
      `${join(dir, 'other.pub')}: expected 'ed25519:' and the base64 public key that key generation writes to <name>.pub`,
    );
    writeFileSync(join(dir, 'prefix.pub'), `x${files.key}`);
    expect((await failure(readPublicKeyFile(join(dir, 'prefix.pub')))).message).toMatch(/expected 'ed25519:'/);
    expect((await failure(readPublicKeyFile(dir))).message).toBe(`${dir}: cannot read the public key (not a public key file)`);
    expect((await failure(readPublicKeyFile(join(dir, 'none.pub')))).message).toBe(`${join(dir, 'none.pub')}: cannot read the public key (ENOENT)`);
    writeFileSync(join(dir, 'big.pub'), `${files.key}${' '.repeat(64 * 1024)}`);
    expect((await failure(readPublicKeyFile(join(dir, 'big.pub')))).message).toMatch(/not a public key file/);
    writeFileSync(join(dir, 'exact.pub'), `${files.key}${' '.repeat(64 * 1024 - files.key.length)}`);
    expect(await readPublicKeyFile(join(dir, 'exact.pub'))).toBe(files.key);
  });
});

describe('trusting keys in config.yaml', () => {
  it('trusts a key once, refuses another key under the name or the key under another name, and untrusts', async () => {
    const dir = tempDir('mreg-signatures-');
    const { root } = await initStore({ cwd: dir });
    const layout = (await openStore({ cwd: dir })).layout;
    const [a, b] = [generateKey().publicKey, generateKey().publicKey];
    expect(await trustKey(layout, 'alice', a)).toStrictEqual({ name: 'alice', key: a, fingerprint: fingerprintOf(a), unchanged: false });
    expect(await trustKey(layout, 'alice', a)).toStrictEqual({ name: 'alice', key: a, fingerprint: fingerprintOf(a), unchanged: true });
    expect(await failure(trustKey(layout, 'alice', b))).toMatchObject({
      code: 'CONFLICT',
      message: `a different key is already trusted as alice (${fingerprintOf(a)})`,
      hint: 'untrust it first: mreg key untrust alice',
    });
    expect(await failure(trustKey(layout, 'bob', a))).toMatchObject({ code: 'CONFLICT', message: 'this key is already trusted as alice' });
    expect((await failure(trustKey(layout, 'Bad Name', b))).code).toBe('INVALID_NAME');
    await trustKey(layout, 'bob', b);
    expect({ ...(await readConfig(join(root, 'config.yaml'))).keys }).toStrictEqual({ alice: a, bob: b });

    expect(await untrustKey(layout, 'alice')).toStrictEqual({ name: 'alice', key: a, fingerprint: fingerprintOf(a) });
    expect({ ...(await readConfig(join(root, 'config.yaml'))).keys }).toStrictEqual({ bob: b });
    expect(await failure(untrustKey(layout, 'alice'))).toMatchObject({ code: 'NOT_FOUND', message: 'no trusted key named "alice"' });
    expect((await failure(untrustKey(layout, '../x'))).code).toBe('INVALID_NAME');
  });

  it('refuses to untrust a key a stage still needs, naming the stage and the count', async () => {
    const dir = tempDir('mreg-signatures-');
    const { root } = await initStore({ cwd: dir });
    const layout = (await openStore({ cwd: dir })).layout;
    const config = join(root, 'config.yaml');
    const [a, b] = [generateKey().publicKey, generateKey().publicKey];
    await trustKey(layout, 'alice', a);
    writeFileSync(config, readFileSync(config, 'utf8').replace('    replaced_to: archived\n', '    replaced_to: archived\n    signatures: 1\n'));
    const err = await failure(untrustKey(layout, 'alice'));
    expect(err).toMatchObject({
      code: 'REFUSED',
      message: 'production requires signatures from 1 trusted key; without alice only 0 would be left',
      hint: 'lower stages.production.signatures in config.yaml first, or trust another key',
    });
    await trustKey(layout, 'bob', b);
    writeFileSync(config, readFileSync(config, 'utf8').replace('signatures: 1', 'signatures: 2'));
    expect((await failure(untrustKey(layout, 'bob'))).message).toBe('production requires signatures from 2 trusted keys; without bob only 1 would be left');
    expect({ ...(await readConfig(config)).keys }).toStrictEqual({ alice: a, bob: b });
  });
});

describe('signing a version and checking its signatures', () => {
  let dir: string;
  let store: Store;
  let alice: { key: string; file: string };
  let bob: { key: string; file: string };

  beforeEach(async () => {
    dir = tempDir('mreg-signatures-');
    await initStore({ cwd: dir });
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w', 'a.bin'), 'weights a');
    writeFileSync(join(dir, 'w', 'b.bin'), 'weights b');
    await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model: 'fraud', inputs: ['w/a.bin', 'w/b.bin'], version: '1.0.0' });
    store = await openStore({ cwd: dir });
    const a = await writeKeyPair(join(dir, 'keys'), 'alice');
    const b = await writeKeyPair(join(dir, 'keys'), 'bob');
    alice = { key: a.key, file: a.private_key };
    bob = { key: b.key, file: b.private_key };
    store.config.keys = { alice: alice.key, bob: bob.key };
  });

  const sigDir = () => join(store.layout.root, 'signatures', 'fraud', '1.0.0');
  const sigFile = (key: string) => join(sigDir(), `${fingerprintOf(key)}.json`);
  const readSig = (key: string) => JSON.parse(readFileSync(sigFile(key), 'utf8')) as SignatureFile;
  const writeSig = (key: string, sig: unknown) => writeFileSync(sigFile(key), JSON.stringify(sig));
  // Files are read in name (fingerprint) order, and the keys are random.
  const bothValid = () => ({ valid: [alice, bob].sort((x, y) => (fingerprintOf(x.key) < fingerprintOf(y.key) ? -1 : 1)).map((k) => (k === alice ? 'alice' : 'bob')), problems: [] });
  const label = (key: string) => `signatures/fraud/1.0.0/${fingerprintOf(key)}.json`;

  it('signs the manifest digest, records a sign event, and counts the signature for its trusted key', async () => {
    const digest = await manifestDigest(store.layout, 'fraud', '1.0.0');
    expect(digest).toBe(`sha256:${sha256(readFileSync(manifestPath(store.layout, 'fraud', '1.0.0')))}`);
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: [], problems: [] });
    const result = await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    expect(result).toStrictEqual({ model: 'fraud', version: '1.0.0', fingerprint: fingerprintOf(alice.key), trusted_as: 'alice', path: sigFile(alice.key) });
    const sig = readSig(alice.key);
    expect(sig).toStrictEqual({ format: 1, model: 'fraud', version: '1.0.0', digest, key: alice.key, signature: sig.signature, signed_at: sig.signed_at, actor: 'signer' });
    expect(Math.abs(Date.parse(sig.signed_at) - Date.now())).toBeLessThan(60 * 60_000);
    const events = (await readHistory(store.layout, 'fraud')).events.filter((e) => e.event === 'sign');
    expect(events.map((e) => [e.version, e.actor, e.key])).toStrictEqual([['1.0.0', 'signer', fingerprintOf(alice.key)]]);
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: ['alice'], problems: [] });
    await signVersion(store, 'fraud@1.0.0', { file: bob.file }, 'signer');
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual(bothValid());
    // The same key's signature twice (another file name) counts once.
    // Named to sort after every (hex) fingerprint, so the first valid file of each key keeps bothValid's order.
    writeFileSync(join(sigDir(), 'z-copy.json'), readFileSync(sigFile(alice.key)));
    writeFileSync(join(sigDir(), 'notes.txt'), 'not a signature');
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual(bothValid());
    // An untrusted signer is reported, with trusted_as null.
    store.config.keys = { bob: bob.key };
    expect((await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer')).trusted_as).toBeNull();
  });

  it('refuses forged bytes with a trusted key and the current digest (the signature result is what counts)', async () => {
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    const sig = readSig(alice.key);
    const forged = Buffer.from(sig.signature, 'base64');
    forged[0] = forged[0]! ^ 0x01;
    writeSig(alice.key, { ...sig, signature: forged.toString('base64') });
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: [], problems: [`${label(alice.key)}: alice's signature does not verify`] });
    writeSig(alice.key, { ...sig, signature: 'not base64 at all!' });
    expect((await checkSignatures(store, 'fraud', '1.0.0')).problems).toStrictEqual([`${label(alice.key)}: alice's signature does not verify`]);
    // A valid signature by bob over alice's message is not alice's.
    const bobKey = (await loadPrivateKey({ file: bob.file })).key;
    const message = Buffer.from(`mreg-signature-1\nfraud@1.0.0\n${sig.digest}\n`, 'utf8');
    writeSig(alice.key, { ...sig, signature: sign(null, message, bobKey).toString('base64') });
    expect((await checkSignatures(store, 'fraud', '1.0.0')).valid).toStrictEqual([]);
    // ...and bob's signature over exactly that message is bob's.
    writeSig(alice.key, { ...sig, key: bob.key, signature: sign(null, message, bobKey).toString('base64') });
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: ['bob'], problems: [] });
  });

  it('reports a signature by an untrusted key, for another version, over an old manifest, or unreadable', async () => {
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    const sig = readSig(alice.key);
    store.config.keys = { bob: bob.key };
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({
      valid: [],
      problems: [`${label(alice.key)}: signed by key ${fingerprintOf(alice.key)}, which is not among the trusted keys in config.yaml`],
    });
    store.config.keys = { alice: alice.key };
    for (const other of [{ model: 'churn' }, { version: '1.0.1' }]) {
      writeSig(alice.key, { ...sig, ...other });
      const { model, version } = { ...sig, ...other };
      expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: [], problems: [`${label(alice.key)}: the signature is for ${model}@${version}`] });
    }
    // Signed over another digest: it verifies, but not for the manifest here now.
    const old = `sha256:${'0'.repeat(64)}`;
    const key = (await loadPrivateKey({ file: alice.file })).key;
    const signature = sign(null, Buffer.from(`mreg-signature-1\nfraud@1.0.0\n${old}\n`, 'utf8'), key).toString('base64');
    writeSig(alice.key, { ...sig, digest: old, signature });
    const now = await manifestDigest(store.layout, 'fraud', '1.0.0');
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({
      valid: [],
      problems: [`${label(alice.key)}: the manifest changed after alice signed it (signed ${old}, now ${now})`],
    });
    for (const field of ['model', 'version', 'digest', 'key', 'signature'] as const) {
      writeSig(alice.key, { ...sig, [field]: 7 });
      expect((await checkSignatures(store, 'fraud', '1.0.0')).problems).toStrictEqual([`${label(alice.key)}: no ${field}`]);
    }
    writeFileSync(sigFile(alice.key), '{"model": ');
    expect((await checkSignatures(store, 'fraud', '1.0.0')).problems[0]).toMatch(new RegExp(`^${label(alice.key)}: unreadable \\([^\\n]+\\)$`));
    writeFileSync(sigFile(alice.key), `${JSON.stringify(sig)}${' '.repeat(64 * 1024)}`);
    expect((await checkSignatures(store, 'fraud', '1.0.0')).problems).toStrictEqual([`${label(alice.key)}: not a signature file, or larger than a signature can be`]);
    writeFileSync(sigFile(alice.key), `${JSON.stringify(sig)}`.padEnd(64 * 1024, ' '));
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: ['alice'], problems: [] });
  });

  it('a valid signature stops counting when any blob of the version is damaged; a blob not fetched yet does not void it', async () => {
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    await signVersion(store, 'fraud@1.0.0', { file: bob.file }, 'signer');
    const second = blobPath(store.layout, sha256('weights b'));
    chmodSync(second, 0o644);
    writeFileSync(second, 'weights B');
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: [], problems: ['fraud@1.0.0: b.bin: the blob no longer matches what was signed'] });
    // A serving host holds only the blobs it fetched; each is checked against its sha256 when it arrives.
    rmSync(second);
    const kept = await checkSignatures(store, 'fraud', '1.0.0');
    expect({ ...kept, valid: kept.valid.sort() }).toStrictEqual({ valid: ['alice', 'bob'], problems: [] }); // in directory order
  });

  it('requireSignatures: nothing asked, enough, or a refusal naming what is missing (force does not help)', async () => {
    await requireSignatures(store, 'fraud', '1.0.0', 'production');
    await requireSignatures(store, 'fraud', '1.0.0', 'no-such-stage');
    store.config.stages.production!.signatures = 1;
    const none = await failure(requireSignatures(store, 'fraud', '1.0.0', 'production'));
    expect(none).toMatchObject({
      code: 'REFUSED',
      message: 'production requires signatures from 1 trusted key, and fraud@1.0.0 has no valid signature from a trusted key',
      hint: 'sign it with mreg sign fraud@1.0.0 --key <file>; --force does not override signatures',
    });
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    await requireSignatures(store, 'fraud', '1.0.0', 'production');
    store.config.stages.production!.signatures = 2;
    const forged = readSig(alice.key);
    writeFileSync(join(sigDir(), 'forged.json'), JSON.stringify({ ...forged, key: bob.key }));
    const one = await failure(requireSignatures(store, 'fraud', '1.0.0', 'production'));
    expect(one.message).toBe(
      `production requires signatures from 2 trusted keys, and fraud@1.0.0 has valid signatures only from alice: signatures/fraud/1.0.0/forged.json: bob's signature does not verify`,
    );
    await signVersion(store, 'fraud@1.0.0', { file: bob.file }, 'signer');
    rmSync(join(sigDir(), 'forged.json'));
    await requireSignatures(store, 'fraud', '1.0.0', 'production');
  });

  it('verifyAllSignatures reports signatures of missing versions and every invalid one', async () => {
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
    mkdirSync(join(store.layout.root, 'signatures', 'fraud', '9.9.9'), { recursive: true });
    store.config.keys = {};
    // In directory order, which the file system decides.
    expect((await verifyAllSignatures(store)).sort((x, y) => (x.code < y.code ? -1 : 1))).toStrictEqual([
      { code: 'NO_TRUSTED_KEY', message: "no key is trusted (config.yaml keys: is empty), so no signature can be checked; trust the signers' public keys with mreg key trust <name> <file.pub>" },
      { code: 'SIGNATURE_DANGLING', message: 'signatures/fraud/9.9.9: no such version' },
      { code: 'SIGNATURE_INVALID', message: `${label(alice.key)}: signed by key ${fingerprintOf(alice.key)}, which is not among the trusted keys in config.yaml` },
    ]);
    expect(readdirSync(join(store.layout.root, 'signatures', 'fraud')).sort()).toStrictEqual(['1.0.0', '9.9.9']);
  });
});
