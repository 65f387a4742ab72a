// The command line's shape, run in-process through main(): every group is a set of real subcommands
// with its own help, the global options show in every help, the bump level is --change everywhere
// (--type still works, unlisted), and export keeps its two forms. Also key trust and untrust.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir, testEnv } from '../helpers/cli.js';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

async function mreg(cwd: string, argv: string[]): Promise<Ran> {
  const stdout = sink();
  const stderr = sink();
  const code = await main({ argv, env: testEnv(), cwd, stdinIsTTY: false, stdout, stderr, version: '0.0.0-test' });
  return { code, stdout: stdout.text, stderr: stderr.text, json: argv.includes('--json') && stdout.text ? JSON.parse(stdout.text) : undefined };
}

async function ok(cwd: string, argv: string[]): Promise<Ran> {
  const r = await mreg(cwd, argv);
  expect(r.code, `mreg ${argv.join(' ')}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}

async function project(): Promise<string> {
  const dir = tempDir();
  await ok(dir, ['init']);
  writeFileSync(join(dir, 'm.bin'), 'weights');
  return dir;
}

/** The names a help text lists under Commands:. */
function listed(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((line) => /^ {2}(\S+)/.exec(line)?.[1]).filter((n): n is string => n !== undefined && n !== 'help');
}

const GROUPS: Record<string, string[]> = {
  change: ['add', 'rm', 'edit', 'ls', 'status'],
  remote: ['add', 'ls', 'rm'],
  route: ['set', 'get', 'show'],
  key: ['generate', 'trust', 'untrust'],
  hook: ['install', 'uninstall'],
  export: ['k8s'],
};

describe('command groups', () => {
  it.each(Object.entries(GROUPS))("'mreg %s --help' lists its subcommands, and mreg --help lists the group", async (group, subs) => {
    const dir = tempDir();
    expect(listed((await ok(dir, [group, '--help'])).stdout)).toStrictEqual(subs);
    expect(listed((await ok(dir, ['--help'])).stdout)).toContain(group);
    for (const sub of subs) expect((await ok(dir, [group, sub, '--help'])).stdout).toMatch(new RegExp(`^Usage: mreg ${group} ${sub} `));
  });

  it('a group without its subcommand shows its help on stderr and exits 2; an unknown one is named', async () => {
    const dir = tempDir();
    for (const group of ['remote', 'route', 'key', 'hook', 'change']) {
      const r = await mreg(dir, [group]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(listed(r.stderr)).toStrictEqual(GROUPS[group]);
    }
    const json = await mreg(dir, ['remote', '--json']);
    expect(json.code).toBe(2);
    expect(json.json.error.code).toBe('USAGE');
    const unknown = await mreg(dir, ['remote', 'list']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^mreg: unknown remote action "list" \(expected add, ls or rm\)/);
  });

  it('a subcommand refuses the options of its siblings', async () => {
    const r = await mreg(await project(), ['remote', 'ls', '--default']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--default'/);
  });

  it.each(['change add', 'remote add', 'export k8s', 'register', 'key trust', 'hook install'])('the global options are in the help of mreg %s', async (command) => {
    const help = (await ok(tempDir(), [...command.split(' '), '--help'])).stdout;
    const globals = help.split('\nGlobal Options:\n')[1] ?? '';
    for (const flag of ['--json', '--store <dir>', '--no-color']) expect(globals).toContain(flag);
  });
});

describe('the bump level is --change', () => {
  it.each(['register', 'change add', 'change edit', 'bump'])('mreg %s --help shows --change and hides --type', async (command) => {
    const help = (await ok(tempDir(), [...command.split(' '), '--help'])).stdout;
    expect(help).toContain('--change <type>');
    expect(help).not.toContain('--type');
  });

  it('--type still works on change add, bump and register, as --change does', async () => {
    const dir = await project();
    expect((await ok(dir, ['bump', 'fraud', '--type', 'minor'])).stdout).toBe('0.1.0\n');
    expect((await ok(dir, ['bump', 'fraud', '--change', 'major'])).stdout).toBe('1.0.0\n');
    const added = await ok(dir, ['change', 'add', 'fraud', '--type', 'patch', '-m', 'Old spelling', '--json']);
    expect(added.json.models).toStrictEqual({ fraud: 'patch' });
    expect((await ok(dir, ['change', 'add', 'churn', '--change', 'minor', '-m', 'New spelling', '--json'])).json.models).toStrictEqual({ churn: 'minor' });
    expect((await ok(dir, ['register', 'other', 'm.bin', '--type', 'minor', '--json'])).json.version).toBe('0.1.0');
    expect((await ok(dir, ['register', 'fraud', 'm.bin', '--json'])).json.version).toBe('0.0.1');
  });

  it('refuses --change and --type with different levels, and a level that is none', async () => {
    const dir = await project();
    const both = await mreg(dir, ['bump', 'fraud', '--change', 'minor', '--type', 'major']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^mreg: --change and --type are the same option/);
    expect((await ok(dir, ['bump', 'fraud', '--change', 'minor', '--type', 'minor'])).stdout).toBe('0.1.0\n');
    const bad = await mreg(dir, ['change', 'add', 'fraud', '--change', 'huge', '-m', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--change.*huge/);
    const missing = await mreg(dir, ['change', 'add', 'fraud', '-m', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^mreg: --change is required/);
  });
});

describe('export', () => {
  it("writes files with 'export <ref> <dir>' and Kubernetes manifests with 'export k8s <ref>'", async () => {
    const dir = await project();
    await ok(dir, ['register', 'fraud', 'm.bin', '--version', '1.2.3']);
    const files = await ok(dir, ['export', 'fraud@1.2.3', 'out', '--json']);
    expect(files.json).toMatchObject({ model: 'fraud', version: '1.2.3' });
    expect(readFileSync(join(dir, 'out/m.bin'), 'utf8')).toBe('weights');

    const yaml = await ok(dir, ['export', 'k8s', 'fraud@1.2.3', '--replicas', '2']);
    expect(yaml.stdout).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n/);
    expect(yaml.stdout).toContain('replicas: 2');
    const json = await ok(dir, ['export', 'k8s', 'fraud', '--json']);
    expect(json.json.map((d: { kind: string }) => d.kind)).toStrictEqual(['Deployment', 'Service']);

    // A model called k8s is still exported to a directory when named with a version.
    await ok(dir, ['register', 'k8s', 'm.bin', '--version', '1.0.0']);
    await ok(dir, ['export', 'k8s@latest', 'out-k8s']);
    expect(existsSync(join(dir, 'out-k8s/m.bin'))).toBe(true);
  });

  it('says what is missing: the directory, the version, a whole number of replicas', async () => {
    const dir = await project();
    await ok(dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0']);
    const noDir = await mreg(dir, ['export', 'fraud']);
    expect([noDir.code, noDir.stderr]).toMatchObject([2, expect.stringMatching(/^mreg: export needs a directory/)]);
    const noRef = await mreg(dir, ['export', 'k8s']);
    expect([noRef.code, noRef.stderr]).toMatchObject([2, expect.stringMatching(/missing required argument 'ref'/)]);
    const replicas = await mreg(dir, ['export', 'k8s', 'fraud', '--replicas', '1.5']);
    expect([replicas.code, replicas.stderr]).toMatchObject([2, expect.stringMatching(/^mreg: --replicas 1\.5: expected a whole number/)]);
    const k8sOption = await mreg(dir, ['export', 'fraud', 'out', '--replicas', '2']);
    expect(k8sOption.code).toBe(2);
  });
});

describe('key trust and key untrust', () => {
  it('edit the trusted keys in config.yaml in place, keeping its comments; signatures count once trusted', async () => {
    const dir = await project();
    await ok(dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0']);
    const alice = (await ok(dir, ['key', 'generate', 'alice', '--out', 'keys', '--json'])).json;
    const bob = (await ok(dir, ['key', 'generate', 'bob', '--out', 'keys', '--json'])).json;
    const config = join(dir, '.modelreg/config.yaml');
    const before = readFileSync(config, 'utf8');

    const trusted = await ok(dir, ['key', 'trust', 'alice', 'keys/alice.pub', '--json']);
    expect(trusted.json).toStrictEqual({ name: 'alice', key: alice.key, fingerprint: alice.fingerprint, unchanged: false });
    const after = readFileSync(config, 'utf8');
    expect(after.startsWith(before)).toBe(true); // comments and everything else as they were
    expect(after.slice(before.length)).toBe(`keys:\n  alice: ${alice.key}\n`);
    expect((await ok(dir, ['key', 'trust', 'alice', 'keys/alice.pub', '--json'])).json.unchanged).toBe(true);
    expect(readFileSync(config, 'utf8')).toBe(after);

    expect((await ok(dir, ['sign', 'fraud@1.0.0', '--key', 'keys/alice.key', '--json'])).json.trusted_as).toBe('alice');
    await ok(dir, ['key', 'trust', 'bob', 'keys/bob.pub']);
    expect(readFileSync(config, 'utf8')).toContain(`keys:\n  alice: ${alice.key}\n  bob: ${bob.key}\n`);

    const removed = await ok(dir, ['key', 'untrust', 'alice', '--json']);
    expect(removed.json).toStrictEqual({ name: 'alice', key: alice.key, fingerprint: alice.fingerprint, removed: true });
    await ok(dir, ['key', 'untrust', 'bob']);
    expect(readFileSync(config, 'utf8')).toBe(before); // the last one gone: as before the first
  });

  it('refuse a conflicting name, a key trusted twice, a private key, an unknown name, and leaving a stage short of keys', async () => {
    const dir = await project();
    await ok(dir, ['key', 'generate', 'alice', '--out', 'keys']);
    await ok(dir, ['key', 'generate', 'bob', '--out', 'keys']);
    await ok(dir, ['key', 'trust', 'alice', 'keys/alice.pub']);
    const config = join(dir, '.modelreg/config.yaml');
    const trusted = readFileSync(config, 'utf8');

    const fail = async (argv: string[], code: number, message: RegExp) => {
      const r = await mreg(dir, argv);
      expect([r.code, r.stderr.split('\n')[0]], argv.join(' ')).toMatchObject([code, expect.stringMatching(message)]);
      expect(readFileSync(config, 'utf8')).toBe(trusted);
    };
    await fail(['key', 'trust', 'alice', 'keys/bob.pub'], 1, /^mreg: a different key is already trusted as alice/);
    await fail(['key', 'trust', 'alice2', 'keys/alice.pub'], 1, /^mreg: this key is already trusted as alice/);
    await fail(['key', 'trust', 'bob', 'keys/bob.key'], 2, /is a private key; trust its public half/);
    await fail(['key', 'trust', 'bob', 'keys/missing.pub'], 2, /cannot read the public key \(ENOENT\)/);
    writeFileSync(join(dir, 'junk.pub'), 'ssh-rsa AAAA\n');
    await fail(['key', 'trust', 'bob', 'junk.pub'], 2, /expected 'ed25519:'/);
    await fail(['key', 'trust', 'Bad/Name', 'keys/bob.pub'], 2, /invalid key name "Bad\/Name"/);
    await fail(['key', 'untrust', 'carol'], 1, /^mreg: no trusted key named "carol"/);

    writeFileSync(config, trusted.replace('    replaced_to: archived\n', '    replaced_to: archived\n    signatures: 1\n'));
    const protectedConfig = readFileSync(config, 'utf8');
    const refused = await mreg(dir, ['key', 'untrust', 'alice', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/^production requires signatures from 1 trusted key; without alice only 0 would be left/) });
    expect(readFileSync(config, 'utf8')).toBe(protectedConfig);
  });
});
