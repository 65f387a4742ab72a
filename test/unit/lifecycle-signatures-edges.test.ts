// Signatures and keys at their edges (src/core/lifecycle/signatures.ts, keys.ts): a key that cannot
// even be read is a signature that does not verify, error texts cut at their first line, problems in
// file-name order whatever the directory order, tracked files before pulled ones, the digest of a
// version only a pull brought, a protected stage short of one signature, what verify reports for
// every signature in the store, and the exact texts and config.yaml edits of the key commands.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { appendEvents } from '../../src/core/lifecycle/history.js';
import { readPublicKeyFile, trustKey, untrustKey, writeKeyPair } from '../../src/core/lifecycle/keys.js';
import {
  checkSignatures,
  fingerprintOf,
  generateKey,
  loadPrivateKey,
  manifestDigest,
  parseSignature,
  requireSignatures,
  signatureFiles,
  signatureProblem,
  signatureText,
  signVersion,
  verifyAllSignatures,
  type SignatureFile,
} from '../../src/core/lifecycle/signatures.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';
import { MregError } from '../../src/errors.js';
import { blobPath, manifestPath, pulledManifestPath, pulledSignatureDir, signatureDir } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function signedStore(): Promise<{ dir: string; store: Store; alice: { key: string; file: string }; bob: { key: string; file: string } }> {
  const dir = tempDir('mreg-sig-edges-');
  await initStore({ cwd: dir });
  writeFileSync(join(dir, 'a.bin'), 'weights a');
  await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model: 'fraud', inputs: ['a.bin'], version: '1.0.0' });
  const store = await openStore({ cwd: dir });
  const a = await writeKeyPair(join(dir, 'keys'), 'alice');
  const b = await writeKeyPair(join(dir, 'keys'), 'bob');
  store.config.keys = { alice: a.key, bob: b.key };
  return { dir, store, alice: { key: a.key, file: a.private_key }, bob: { key: b.key, file: b.private_key } };
}

describe('signature texts', () => {
  it('a key that is not a key at all is a signature that does not verify, named by its fingerprint', () => {
    const sig: SignatureFile = { format: 1, model: 'fraud', version: '1.0.0', digest: 'sha256:x', key: 'ed25519:short', signature: 'AAAA', signed_at: '', actor: 'a' };
    expect(signatureProblem(sig, 'fraud', '1.0.0', 'sha256:x')).toBe(`key ${fingerprintOf('ed25519:short')}'s signature does not verify`);
    expect(signatureProblem({ ...sig, key: 'rsa:AAAA' }, 'fraud', '1.0.0', 'sha256:x', 'carol')).toBe("carol's signature does not verify");
    expect(signatureProblem(sig, 'fraud', '2.0.0', 'sha256:x')).toBe('the signature is for fraud@1.0.0');
    expect(signatureProblem(sig, 'churn', '1.0.0', 'sha256:x')).toBe('the signature is for fraud@1.0.0');
  });

  it('an unreadable signature names only the first line of the parser error', () => {
    expect(parseSignature('x\ny')).toBe(`unreadable (Unexpected token 'x', "x)`);
    expect(parseSignature('null')).toBe('not a signature object');
    expect(parseSignature('[]')).toBe('not a signature object');
    expect(parseSignature('"text"')).toBe('not a signature object');
    const full = { model: 'm', version: 'v', digest: 'd', key: 'k', signature: 's' };
    expect(parseSignature(JSON.stringify(full))).toStrictEqual(full);
    expect(parseSignature(JSON.stringify({ ...full, model: undefined }))).toBe('no model');
    expect(parseSignature(JSON.stringify({ ...full, signature: null }))).toBe('no signature');
  });

  it('a private key given as text: its label in errors, never its text, and bounded in length', async () => {
    const { privatePem, publicKey } = generateKey();
    expect((await loadPrivateKey({ text: privatePem, label: 'MREG_SIGNING_KEY' })).publicKey).toBe(publicKey);
    expect(await failure(loadPrivateKey({ text: 'secret words', label: 'MREG_SIGNING_KEY' }))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^MREG_SIGNING_KEY: cannot use it as a signing key \([^\n]+\)$/) });
    expect((await failure(loadPrivateKey({ text: 'secret words', label: 'L' }))).message).not.toContain('secret words');
    const long = privatePem.padEnd(64 * 1024 + 1, '\n');
    expect((await failure(loadPrivateKey({ text: long, label: 'L' }))).message).toBe('L: cannot use it as a signing key (longer than a key)');
    expect((await loadPrivateKey({ text: privatePem.padEnd(64 * 1024, '\n'), label: 'L' })).publicKey).toBe(publicKey);
  });
});

describe('a version\'s signature files', () => {
  it('problems come in file-name order whatever the directory order; tracked files first, a name in both counted once', async () => {
    const { store } = await signedStore();
    const dir = signatureDir(store.layout, 'fraud', '1.0.0');
    mkdirSync(dir, { recursive: true });
    const names = ['c0', 'a1', 'e2', 'b3', 'd4', 'f5', 'a6', 'c7'].map((n) => `${n}.json`);
    for (const name of names) writeFileSync(join(dir, name), '[]');
    const pulled = pulledSignatureDir(store.layout, 'fraud', '1.0.0');
    mkdirSync(pulled, { recursive: true });
    writeFileSync(join(pulled, 'a1.json'), '{}'); // the tracked a1.json wins
    writeFileSync(join(pulled, '00.json'), 'null');
    writeFileSync(join(pulled, 'notes.txt'), 'x');
    const sorted = [...names].sort();
    expect((await signatureFiles(store.layout, 'fraud', '1.0.0')).map((f) => f.label)).toStrictEqual([
      ...sorted.map((n) => `signatures/fraud/1.0.0/${n}`),
      'pulled/signatures/fraud/1.0.0/00.json',
    ]);
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({
      valid: [],
      problems: [...sorted.map((n) => `signatures/fraud/1.0.0/${n}: not a signature object`), 'pulled/signatures/fraud/1.0.0/00.json: not a signature object'],
    });
    expect(readdirSync(dir)).toHaveLength(names.length);
  });

  it('signatureText: the text of a sound signature file, nothing for another file', async () => {
    const { store, alice } = await signedStore();
    const { path } = await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    expect(await signatureText(path)).toBe(readFileSync(path, 'utf8'));
    writeFileSync(path, '[]');
    expect(await signatureText(path)).toBeUndefined();
    expect(await signatureText(join(path, '..', 'none.json'))).toBeUndefined();
  });

  it('the digest of a version only a pull brought is the pulled manifest\'s', async () => {
    const { store } = await signedStore();
    const tracked = manifestPath(store.layout, 'fraud', '1.0.0');
    const pulled = pulledManifestPath(store.layout, 'fraud', '1.0.0');
    mkdirSync(join(pulled, '..'), { recursive: true });
    const bytes = readFileSync(tracked);
    renameSync(tracked, pulled);
    expect(await manifestDigest(store.layout, 'fraud', '1.0.0')).toBe(`sha256:${sha256(bytes)}`);
    copyFileSync(pulled, tracked);
    expect(await manifestDigest(store.layout, 'fraud', '1.0.0')).toBe(`sha256:${sha256(bytes)}`);
  });
});

describe('what a signature check reads', () => {
  it('a signature file that cannot be read is named with the reason\'s first line', async () => {
    const { store } = await signedStore();
    const dir = signatureDir(store.layout, 'fraud', '1.0.0');
    mkdirSync(dir, { recursive: true });
    const dangling = join(dir, 'gone.json');
    symlinkSync(join(dir, 'nowhere'), dangling);
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({
      valid: [],
      problems: [`signatures/fraud/1.0.0/gone.json: unreadable (ENOENT: no such file or directory, stat '${dangling}')`],
    });
  });

  it('blobs are checked only behind a valid signature; one that cannot be read voids it', async () => {
    const { store, alice } = await signedStore();
    const blob = blobPath(store.layout, sha256('weights a'));
    chmodSync(blob, 0o644);
    rmSync(blob);
    mkdirSync(blob);
    // No signature at all, or none valid: nothing is vouched for, so the blob is not looked at.
    const dir = signatureDir(store.layout, 'fraud', '1.0.0');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.json'), '[]');
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: [], problems: ['signatures/fraud/1.0.0/bad.json: not a signature object'] });
    rmSync(join(dir, 'bad.json'));
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    expect(await checkSignatures(store, 'fraud', '1.0.0')).toStrictEqual({ valid: [], problems: ['fraud@1.0.0: a.bin: the blob cannot be read, so it cannot match what was signed'] });
  });
});

describe('required signatures', () => {
  it('two needed, one valid and nothing else wrong: names the one signer, with no problem list', async () => {
    const { store, alice } = await signedStore();
    store.config.stages.production!.signatures = 2;
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    const err = await failure(requireSignatures(store, 'fraud', '1.0.0', 'production'));
    expect(err).toMatchObject({ code: 'REFUSED', message: 'production requires signatures from 2 trusted keys, and fraud@1.0.0 has valid signatures only from alice' });
  });

  it('verify: versions in a protected stage short of signatures, counted exactly; a file where a model directory should be is passed over', async () => {
    const { store, alice, bob } = await signedStore();
    await appendEvents(store.layout, 'fraud', [{ event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 't' }]);
    store.config.stages.production!.signatures = 1;
    expect(await verifyAllSignatures(store)).toStrictEqual([
      { code: 'SIGNATURE_MISSING', message: 'fraud@1.0.0 is in production, which requires signatures from 1 trusted key, and has no valid one' },
    ]);
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
    store.config.stages.production!.signatures = 2;
    expect(await verifyAllSignatures(store)).toStrictEqual([
      { code: 'SIGNATURE_MISSING', message: 'fraud@1.0.0 is in production, which requires signatures from 2 trusted keys, and has valid ones only from alice' },
    ]);
    await signVersion(store, 'fraud@1.0.0', { file: bob.file }, 'signer');
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
    writeFileSync(join(store.layout.root, 'signatures', 'churn'), 'a file, not a directory');
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
  });

  it('verify: pulled signatures of a version with tracked ones are judged with those; pulled ones alone are judged and labelled pulled/', async () => {
    const { store, alice } = await signedStore();
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    const pulled = pulledSignatureDir(store.layout, 'fraud', '1.0.0');
    mkdirSync(pulled, { recursive: true });
    writeFileSync(join(pulled, `${fingerprintOf(alice.key)}.json`), '[]'); // shadowed by the tracked file of that name
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
    writeFileSync(join(pulled, 'extra.json'), '[]');
    expect(await verifyAllSignatures(store)).toStrictEqual([{ code: 'SIGNATURE_INVALID', message: 'pulled/signatures/fraud/1.0.0/extra.json: not a signature object' }]);
    const ghost = join(store.layout.pulled, 'signatures', 'fraud', '7.0.0');
    mkdirSync(ghost, { recursive: true });
    expect((await verifyAllSignatures(store)).map((p) => p.message)).toContain('pulled/signatures/fraud/7.0.0: no such version');
  });
});

describe('several signers and several problems', () => {
  it('names every valid signer joined by commas and every problem joined by semicolons; an empty protected stage asks nothing', async () => {
    const { dir, store, alice, bob } = await signedStore();
    const carol = await writeKeyPair(join(dir, 'keys'), 'carol');
    store.config.keys = { alice: alice.key, bob: bob.key, carol: carol.key };
    store.config.stages.production!.signatures = 3;
    expect(await verifyAllSignatures(store)).toStrictEqual([]);
    await signVersion(store, 'fraud@1.0.0', { file: alice.file }, 'signer');
    await signVersion(store, 'fraud@1.0.0', { file: bob.file }, 'signer');
    const sigs = signatureDir(store.layout, 'fraud', '1.0.0');
    writeFileSync(join(sigs, 'x1.json'), '[]');
    writeFileSync(join(sigs, 'x2.json'), 'null');
    // Files are read in name order, and the names are the keys' random fingerprints.
    const signers = [['alice', alice.key], ['bob', bob.key]].sort(([, x], [, y]) => (fingerprintOf(x!) < fingerprintOf(y!) ? -1 : 1)).map(([name]) => name).join(', ');
    const err = await failure(requireSignatures(store, 'fraud', '1.0.0', 'production'));
    expect(err.message).toBe(
      `production requires signatures from 3 trusted keys, and fraud@1.0.0 has valid signatures only from ${signers}: signatures/fraud/1.0.0/x1.json: not a signature object; signatures/fraud/1.0.0/x2.json: not a signature object`,
    );
    await appendEvents(store.layout, 'fraud', [{ event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 't' }]);
    expect((await verifyAllSignatures(store)).filter((p) => p.code === 'SIGNATURE_MISSING')).toStrictEqual([
      { code: 'SIGNATURE_MISSING', message: `fraud@1.0.0 is in production, which requires signatures from 3 trusted keys, and has valid ones only from ${signers}` },
    ]);
  });
});

describe('key commands, exact texts', () => {
  it('an invalid key name is named as a key name by generate, trust and untrust', async () => {
    const dir = tempDir('mreg-sig-edges-');
    await initStore({ cwd: dir });
    const { layout } = await openStore({ cwd: dir });
    const key = generateKey().publicKey;
    for (const attempt of [writeKeyPair(join(dir, 'keys'), '../evil'), trustKey(layout, '../evil', key), untrustKey(layout, '../evil')]) {
      const err = await failure(attempt);
      expect(err.code).toBe('INVALID_NAME');
      expect(err.message).toMatch(/^invalid key name "\.\.\/evil": it /);
    }
  });

  it('a key file that cannot be created for another reason than being there fails with that reason', async () => {
    // /proc/self takes no new files: the open fails with ENOENT, which is not "already exists".
    const err = (await writeKeyPair('/proc/self', 'alice').catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err).not.toBeInstanceOf(MregError);
    expect(err.code).toBe('ENOENT');
  });

  it('a private key directory open to others is closed to them; a public one is left as it is', async () => {
    const base = tempDir('mreg-sig-edges-');
    const own = join(base, 'own');
    mkdirSync(own, { mode: 0o755 });
    chmodSync(own, 0o755);
    await writeKeyPair(own, 'alice', { private: true });
    expect(statSync(own).mode & 0o777).toBe(0o700);
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    await writeKeyPair(shared, 'alice');
    expect(statSync(shared).mode & 0o777).toBe(0o755);
    const fresh = join(base, 'fresh', 'keys');
    await writeKeyPair(fresh, 'alice', { private: true });
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const made = join(base, 'made', 'keys');
    await writeKeyPair(made, 'alice');
    expect(statSync(made).mode & 0o777).toBe(0o777 & ~process.umask());
  });

  it('trust writes keys: in block style; untrusting the last key removes the section, leaving config.yaml as before', async () => {
    const dir = tempDir('mreg-sig-edges-');
    await initStore({ cwd: dir });
    const { layout } = await openStore({ cwd: dir });
    const before = readFileSync(layout.config, 'utf8');
    const [a, b] = [generateKey().publicKey, generateKey().publicKey];
    await trustKey(layout, 'alice', a);
    await trustKey(layout, 'bob', b);
    expect(readFileSync(layout.config, 'utf8')).toContain(`keys:\n  alice: ${a}\n  bob: ${b}\n`);
    await untrustKey(layout, 'alice');
    expect(readFileSync(layout.config, 'utf8')).toContain(`keys:\n  bob: ${b}\n`);
    await untrustKey(layout, 'bob');
    expect(readFileSync(layout.config, 'utf8')).toBe(before);
  });

  it('untrusting a key is allowed while as many keys stay as any stage asks for', async () => {
    const dir = tempDir('mreg-sig-edges-');
    await initStore({ cwd: dir });
    const { layout } = await openStore({ cwd: dir });
    await trustKey(layout, 'alice', generateKey().publicKey);
    await trustKey(layout, 'bob', generateKey().publicKey);
    writeFileSync(layout.config, readFileSync(layout.config, 'utf8').replace('    replaced_to: archived\n', '    replaced_to: archived\n    signatures: 1\n'));
    expect((await untrustKey(layout, 'alice')).name).toBe('alice');
    expect((await failure(untrustKey(layout, 'bob'))).code).toBe('REFUSED');
  });

  it('a public key file that cannot be read, or holds other text, is INVALID_INPUT', async () => {
    const dir = tempDir('mreg-sig-edges-');
    expect(await failure(readPublicKeyFile(dir))).toMatchObject({ code: 'INVALID_INPUT', message: `${dir}: cannot read the public key (not a public key file)` });
    writeFileSync(join(dir, 'x.pub'), 'ed25519:short');
    expect(await failure(readPublicKeyFile(join(dir, 'x.pub')))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('a keys: section written in flow style is turned to block style by a trust', async () => {
    const dir = tempDir('mreg-sig-edges-');
    await initStore({ cwd: dir });
    const { layout } = await openStore({ cwd: dir });
    writeFileSync(layout.config, `${readFileSync(layout.config, 'utf8')}keys: {}\n`);
    const key = generateKey().publicKey;
    await trustKey(layout, 'alice', key);
    expect(readFileSync(layout.config, 'utf8')).toContain(`keys:\n  alice: ${key}\n`);
  });
});
