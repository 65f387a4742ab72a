// Signed versions and protected stages, and scanning artifacts for code that loading them would run.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, ROOT, runMreg, tempDir } from '../helpers/cli.js';
import { flipByte, newProject, type Project } from '../helpers/store.js';

const FIXTURES = join(ROOT, 'test/fixtures/pickles');

async function protectedStore(): Promise<Project & { alice: string; bob: string }> {
  const p = await newProject();
  const alice = (await cliPasses(p.dir, ['key', 'generate', 'alice', '--out', 'keys', '--json'])).json;
  const bob = (await cliPasses(p.dir, ['key', 'generate', 'bob', '--out', 'keys', '--json'])).json;
  const config = readFileSync(join(p.store, 'config.yaml'), 'utf8')
    .replace('    replaced_to: archived\n', '    replaced_to: archived\n    signatures: 1\n');
  writeFileSync(join(p.store, 'config.yaml'), `${config}keys:\n  alice: ${alice.key}\n`);
  for (const v of ['1.0.0', '1.1.0']) {
    p.file('m.bin', `weights ${v}`);
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', v]);
    await cliPasses(p.dir, ['promote', `fraud@${v}`, 'staging']);
  }
  return { ...p, alice: alice.private_key, bob: bob.private_key };
}

describe('keys and signatures', () => {
  it('key generate writes a private key only its owner can read, under the per-user key directory, and never overwrites one', async () => {
    const p = await newProject();
    const home = tempDir('mreg-home-');
    // Default: ~/.config/mreg/keys (made 0700), never the work tree.
    const r = await cliPasses(p.dir, ['key', 'generate', 'alice', '--json'], { HOME: home, MREG_KEYS_DIR: undefined });
    const keys = join(home, '.config', 'mreg', 'keys');
    expect(r.json.private_key).toBe(join(keys, 'alice.key'));
    expect(r.json.key).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);
    expect(r.json.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    expect(statSync(join(keys, 'alice.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(keys, 'alice.pub'), 'utf8')).toBe(`${r.json.key}\n`);
    expect(readFileSync(join(keys, 'alice.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(existsSync(join(p.dir, 'alice.key'))).toBe(false);
    await cliFails(p.dir, ['key', 'generate', 'alice'], 1, /alice\.key already exists; refusing to overwrite a key/, { HOME: home, MREG_KEYS_DIR: undefined });
    // $MREG_KEYS_DIR instead; the text output says where the key went.
    const dir = join(tempDir('mreg-keys-'), 'nested');
    const text = await cliPasses(p.dir, ['key', 'generate', 'ci'], { MREG_KEYS_DIR: dir });
    expect(text.stdout).toContain(join(dir, 'ci.key'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // sign takes the key's text from MREG_SIGNING_KEY (CI secrets), never echoing it in an error.
    p.file('m.bin', 'weights');
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0']);
    const signed = await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--json'], { MREG_SIGNING_KEY: readFileSync(join(dir, 'ci.key'), 'utf8') });
    const pub = readFileSync(join(dir, 'ci.pub'), 'utf8').trim();
    expect(signed.json.fingerprint).toBe(createHash('sha256').update(pub).digest('hex').slice(0, 16));
    const bad = await cliFails(p.dir, ['sign', 'fraud@1.0.0'], 2, /MREG_SIGNING_KEY: cannot use it as a signing key/, { MREG_SIGNING_KEY: 'not-a-secret-but-still-never-echoed' });
    expect(bad.stderr).not.toContain('never-echoed');
    await cliFails(p.dir, ['sign', 'fraud@1.0.0'], 2, /signing needs a private key: --key <file> \(make one with mreg key generate <name>\), or the key's text in MREG_SIGNING_KEY/, { MREG_SIGNING_KEY: undefined });
  });

  it('a protected stage refuses unsigned versions, untrusted keys, and --force does not help', async () => {
    const p = await protectedStore();
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'production'], 1, /production requires signatures from 1 trusted key, and fraud@1\.0\.0 has no valid signature from a trusted key/);
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'production', '--force'], 1, /requires signatures/);
    const bobSigned = await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', p.bob, '--json']);
    expect(bobSigned.json.trusted_as).toBeNull();
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'production'], 1, new RegExp(`signed by key ${bobSigned.json.fingerprint}, which is not among the trusted keys`));
    const aliceSigned = await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', p.alice, '--actor', 'alice@example.com', '--json']);
    expect(aliceSigned.json).toMatchObject({ model: 'fraud', version: '1.0.0', trusted_as: 'alice' });
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);
    const events = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json;
    expect(events.filter((e: { event: string }) => e.event === 'sign').map((e: { actor: string }) => e.actor)).toStrictEqual(['tester@example.com', 'alice@example.com']);
    // The manifest itself is untouched by signing.
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);
  });

  it('refuses a signed version whose manifest was rewritten or whose blob was changed afterwards', async () => {
    const p = await protectedStore();
    await cliPasses(p.dir, ['sign', 'fraud@1.1.0', '--key', p.alice]);
    // An attacker who can write the store rewrites the manifest and recomputes its unkeyed checksum.
    const path = join(p.store, 'models/fraud/1.1.0.yaml');
    const { manifestChecksum } = await import('../../src/core/manifest/hash.js');
    const doc = parseDocument(readFileSync(path, 'utf8'));
    const m = doc.toJS();
    m.actor = 'mallory';
    m.checksum = manifestChecksum(m);
    writeFileSync(path, `${JSON.stringify(m, null, 1)}\n`, { mode: 0o644 });
    expect((await cliPasses(p.dir, ['show', 'fraud@1.1.0', '--json'])).json.actor).toBe('mallory'); // a valid manifest again
    await cliFails(p.dir, ['promote', 'fraud@1.1.0', 'production'], 1, /the manifest changed after alice signed it/);
    const verify = await runMreg(['verify', '--signatures', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout).problems).toStrictEqual([expect.objectContaining({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/the manifest changed after alice signed it/) })]);

    await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', p.alice]);
    const sha = (await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json'])).json.artifacts[0].sha256;
    flipByte(join(p.store, 'objects', sha.slice(0, 2), sha));
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'production'], 1, /m\.bin: the blob no longer matches what was signed/);
  });

  it('refuses a signature file with a trusted key and the current digest whose signature bytes are forged', async () => {
    const p = await protectedStore();
    // Alice's real signature over 1.0.0 is the template: the same file with only the signature bytes
    // changed (and then with alice's signature of another version) must not count.
    const signed = await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', p.alice, '--json']);
    const genuine = JSON.parse(readFileSync(signed.json.path, 'utf8'));
    const digest = (v: string) => `sha256:${createHash('sha256').update(readFileSync(join(p.store, `models/fraud/${v}.yaml`))).digest('hex')}`;
    expect(genuine.digest).toBe(digest('1.0.0'));
    const dir = join(p.store, 'signatures/fraud/1.1.0');
    mkdirSync(dir, { recursive: true });
    const forgeries: [string, string][] = [
      ['random bytes', randomBytes(64).toString('base64')],
      ['one bit flipped', (() => {
        const b = Buffer.from(genuine.signature, 'base64');
        b[10] = b[10]! ^ 1;
        return b.toString('base64');
      })()],
      ['alice signing 1.0.0', genuine.signature],
    ];
    for (const [what, signature] of forgeries) {
      writeFileSync(join(dir, `${signed.json.fingerprint}.json`), `${JSON.stringify({ ...genuine, version: '1.1.0', digest: digest('1.1.0'), signature }, null, 2)}\n`);
      await cliFails(p.dir, ['promote', 'fraud@1.1.0', 'production'], 1, /production requires signatures from 1 trusted key, and fraud@1\.1\.0 has no valid signature from a trusted key: signatures\/fraud\/1\.1\.0\/[0-9a-f]{16}\.json: alice's signature does not verify/);
      const verify = await runMreg(['verify', '--signatures', '--json'], { cwd: p.dir });
      expect(verify.code, what).toBe(1);
      expect(JSON.parse(verify.stdout).problems, what).toStrictEqual([{ code: 'SIGNATURE_INVALID', message: `signatures/fraud/1.1.0/${signed.json.fingerprint}.json: alice's signature does not verify` }]);
    }
    // The genuine article, for contrast: alice signs 1.1.0 and the promotion goes through.
    await cliPasses(p.dir, ['sign', 'fraud@1.1.0', '--key', p.alice]);
    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'production']);
  });

  it('deploy into a protected stage refuses an unsigned version before touching anything', async () => {
    const p = await protectedStore();
    appendFileSync(join(p.store, 'config.yaml'), 'targets:\n  prod:\n    adapter: local\n    options: {dir: ./deploy}\n    playbook: p.yaml\n    stage: production\n');
    p.file('.modelreg/playbooks/p.yaml', 'deploy: [deploy: {}]\n');
    await cliFails(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'prod'], 1, /production requires signatures/);
    await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', p.alice]);
    expect((await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'prod', '--json'])).json).toMatchObject({ ok: true, promoted: { stage: 'production' } });
  });

  it('refuses a config whose stage needs more signatures than there are trusted keys', async () => {
    const p = await newProject();
    writeFileSync(join(p.store, 'config.yaml'), 'format: 1\nstages:\n  production: {signatures: 2}\nkeys: {}\n');
    await cliFails(p.dir, ['ls'], 2, /stages\.production\.signatures: needs 2 trusted keys, but keys: lists 0/);
    writeFileSync(join(p.store, 'config.yaml'), 'format: 1\nkeys:\n  alice: ssh-rsa AAAA\n');
    await cliFails(p.dir, ['ls'], 2, /keys\.alice: expected 'ed25519:'/);
  });
});

describe('register scans what it stores', () => {
  it.each([
    ['os_system_p0.pkl', 'posix.system'],
    ['os_system_p2.pkl', 'posix.system'],
    ['os_system_p4.pkl', 'posix.system'],
    ['builtins_eval_p4.pkl', 'builtins.eval'],
    ['subprocess_popen_p4.pkl', 'subprocess.Popen'],
    ['getattr_chain_p2.pkl', '__builtin__.getattr'],
    ['torch_malicious.pt', 'posix.system'],
    ['object_malicious.npy', 'posix.system'],
    ['malicious.npz', 'posix.system'],
    ['malicious_after_array.joblib', 'posix.system'],
  ])('refuses %s (exit 1, nothing stored) unless --allow-unsafe, which the manifest records', async (file, global) => {
    const p = await newProject();
    copyFileSync(join(FIXTURES, file), join(p.dir, file));
    p.file('config.json', '{}');
    await cliFails(p.dir, ['register', 'clf', file, 'config.json', '--version', '1.0.0'], 1, new RegExp(`refusing to register artifacts that would run code when loaded: ${file.replace('.', '\\.')} \\(imports [^)]*${global.replace('.', '\\.')}`));
    expect(readdirSync(join(p.store, 'objects'))).toStrictEqual([]);
    expect(readdirSync(join(p.store, 'models'))).toStrictEqual([]);
    const r = await cliPasses(p.dir, ['register', 'clf', file, 'config.json', '--version', '1.0.0', '--allow-unsafe']);
    expect(r.stdout).toMatch(/^registered clf@1\.0\.0/);
    const m = (await cliPasses(p.dir, ['show', 'clf', '--json'])).json;
    expect(m.unsafe_allowed).toStrictEqual([{ path: file, globals: expect.arrayContaining([global]) }]);
    expect(m.scan).toStrictEqual({ [file]: 'unsafe' });
  });

  it('stores a file whose scan status is warning, and says so on stderr, in --json, in the manifest and in show', async () => {
    const p = await newProject();
    // A pickle of a class the training script defined: loading needs (and runs) that script's __main__.Sk.
    p.file('sk.pkl', Buffer.from('\x80\x02c__main__\nSk\n)\x81}b.', 'latin1'));
    p.file('config.json', '{}');
    const text = await cliPasses(p.dir, ['register', 'clf', 'sk.pkl', 'config.json', '--version', '1.0.0']);
    expect(text.stderr).toBe('warning: sk.pkl: scan status warning, stored anyway: imports __main__.Sk: defined by the script that saved the file, which loading needs and runs; see mreg scan\n');
    p.file('config.json', '{"v": 2}');
    const json = await cliPasses(p.dir, ['register', 'clf', 'sk.pkl', 'config.json', '--version', '1.0.1', '--json']);
    expect(json.json.warnings).toStrictEqual([{ path: 'sk.pkl', globals: ['__main__.Sk'], message: 'imports __main__.Sk: defined by the script that saved the file, which loading needs and runs' }]);
    expect(json.stderr).toMatch(/^warning: sk\.pkl: scan status warning/);
    expect(readFileSync(join(p.store, 'models', 'clf', '1.0.1.yaml'), 'utf8')).toMatch(/\nscan:\n {2}sk\.pkl: warning\n/);
    expect((await cliPasses(p.dir, ['show', 'clf@1.0.0', '--json'])).json.scan).toStrictEqual({ 'sk.pkl': 'warning' });
    expect((await cliPasses(p.dir, ['show', 'clf@1.0.0'])).stdout).toMatch(/^scan:\n {2}sk\.pkl: warning$/m);
    expect((await cliPasses(p.dir, ['verify'])).code).toBe(0);
    const site = join(p.dir, 'site');
    await cliPasses(p.dir, ['report', '--out', site, '--model', 'clf']);
    expect(readFileSync(join(site, 'm/clf/1.0.0.html'), 'utf8')).toContain('Stored with a scan warning (review their imports with mreg scan): <code>sk.pkl</code>');
  });

  it('registers safe pickles, PyTorch state dicts and NumPy arrays without a flag', async () => {
    const p = await newProject();
    for (const f of ['benign_dict_p5.pkl', 'torch_state_dict.pt', 'numbers.npy', 'model.joblib']) copyFileSync(join(FIXTURES, f), join(p.dir, f));
    await cliPasses(p.dir, ['register', 'clf', 'benign_dict_p5.pkl', 'torch_state_dict.pt', 'numbers.npy', 'model.joblib', '--version', '1.0.0']);
    expect((await cliPasses(p.dir, ['show', 'clf', '--json'])).json.unsafe_allowed).toBeUndefined();
  });
});

describe('mreg scan', () => {
  it('reports each class of unsafe pickle with the globals it imports, and exits 1', async () => {
    const p = await newProject();
    const files = ['benign_dict_p2.pkl', 'os_system_p0.pkl', 'os_system_p4.pkl', 'builtins_eval_p4.pkl', 'subprocess_popen_p4.pkl', 'getattr_chain_p2.pkl'];
    for (const f of files) copyFileSync(join(FIXTURES, f), join(p.dir, f));
    const r = await runMreg(['scan', ...files, '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    const byPath = Object.fromEntries(JSON.parse(r.stdout).files.map((f: { path: string; status: string; globals: string[] }) => [f.path, f]));
    expect(byPath['benign_dict_p2.pkl'].status).toBe('safe');
    expect(byPath['os_system_p0.pkl']).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
    expect(byPath['os_system_p4.pkl']).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
    expect(byPath['builtins_eval_p4.pkl'].globals).toContain('builtins.eval');
    expect(byPath['subprocess_popen_p4.pkl'].globals).toContain('subprocess.Popen');
    expect(byPath['getattr_chain_p2.pkl'].status).toBe('unsafe');
    const ok = await cliPasses(p.dir, ['scan', 'benign_dict_p2.pkl']);
    expect(ok.stdout).toMatch(/^safe {4}benign_dict_p2\.pkl$/m);
    await cliFails(p.dir, ['scan', 'nope.pkl'], 2, /"nope\.pkl": no such file or directory, nor a registered version/);
  });

  it('scans the artifacts of a registered version by reference', async () => {
    const p = await newProject();
    copyFileSync(join(FIXTURES, 'benign_dict_p4.pkl'), join(p.dir, 'model.pkl'));
    await cliPasses(p.dir, ['register', 'clf', 'model.pkl', '--version', '1.0.0']);
    const r = await cliPasses(p.dir, ['scan', 'clf@1.0.0', '--json']);
    expect(r.json.files).toStrictEqual([expect.objectContaining({ path: 'clf@1.0.0:model.pkl', status: 'safe' })]);
  });
});
