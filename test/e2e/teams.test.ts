// A team across machines: two git clones of one bare repository sharing a remote (a directory, and
// s3rver), and a serving host cloned straight from the remote with --trust-key. Trust travels
// (signatures), policy does not (trusted keys, stage rules); merged events obey the host's rules;
// drift and unpushed work are visible; a refused rollback touches nothing.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliPasses, ROOT, runMreg, tempDir } from '../helpers/cli.js';
import type { RemoteKind } from '../helpers/remote-scenarios.js';
import { s3Env, s3Keys, s3ObjectPath, startS3, type S3Server } from '../helpers/s3.js';
import { newProject, type Project } from '../helpers/store.js';
import { configure, gitRunner, team, type Clone } from '../helpers/team-scenarios.js';

const PLAYBOOK = 'deploy:\n  - deploy: {}\nrollback:\n  - deploy: {}\n';

/** The host's own policy: production needs one trusted signature, and one target serving it. */
function protectProduction(store: string, deployDir: string): void {
  const path = join(store, 'config.yaml');
  const config = readFileSync(path, 'utf8').replace('    replaced_to: archived\n', '    replaced_to: archived\n    signatures: 1\n');
  writeFileSync(path, `${config}targets:\n  prod:\n    adapter: local\n    options: {dir: ${JSON.stringify(deployDir)}}\n    playbook: prod.yaml\n    stage: production\n`);
  mkdirSync(join(store, 'playbooks'), { recursive: true });
  writeFileSync(join(store, 'playbooks', 'prod.yaml'), PLAYBOOK);
}

async function register(p: Project, env: Record<string, string>, model: string, version: string, stage?: string): Promise<void> {
  p.file('model.bin', `weights ${model} ${version}`);
  await cliPasses(p.dir, ['register', model, 'model.bin', '--version', version], env);
  if (stage) await cliPasses(p.dir, ['promote', `${model}@${version}`, stage], env);
}

function trustScenarios(kind: RemoteKind): void {
  const env = kind.env;

  it('a serving host cloned with --trust-key deploys only signed versions; a remote that adds a key, drops a rule, forges a signature or events changes nothing there', async () => {
    const remote = kind.fresh();
    const [a] = await team(kind, remote);
    // The release key lives in the per-user key directory, never in the work tree.
    const keys = tempDir('mreg-keys-');
    const release = (await cliPasses(a.dir, ['key', 'generate', 'release', '--json'], { ...env, MREG_KEYS_DIR: keys })).json;
    expect(release.private_key).toBe(join(keys, 'release.key'));
    await cliPasses(a.dir, ['key', 'trust', 'release', release.public_key], env);
    await register(a, env, 'fraud', '1.0.0', 'staging');
    await register(a, env, 'fraud', '2.0.0', 'staging');
    await cliPasses(a.dir, ['sign', 'fraud@2.0.0'], { ...env, MREG_SIGNING_KEY: readFileSync(release.private_key, 'utf8') });
    expect((await cliPasses(a.dir, ['push', '--json'], env)).json.signatures).toBe(1);

    // A store cloned with no trusted key: verify --signatures checks nothing, so it is not ok.
    const blind = tempDir('mreg-blind-');
    await cliPasses(blind, ['clone', remote.url, '.', ...remote.args], env);
    const vacuous = await runMreg(['verify', '--signatures', '--json'], { cwd: blind, env });
    expect(vacuous.code).toBe(1);
    expect(JSON.parse(vacuous.stdout).problems).toContainEqual(expect.objectContaining({ code: 'NO_TRUSTED_KEY' }));

    // The serving host: the key comes from the team, out of band; the rules are its own.
    const host = tempDir('mreg-host-');
    const cloned = await cliPasses(host, ['clone', remote.url, '.', ...remote.args, '--trust-key', release.public_key, '--json'], env);
    expect(cloned.json.trusted).toMatchObject([{ name: 'release', fingerprint: release.fingerprint }]);
    expect(cloned.json.signatures).toBe(1);
    const hostStore = join(host, '.modelreg');
    protectProduction(hostStore, join(host, 'deploy'));
    const refused = await cliFails(host, ['deploy', 'fraud@1.0.0', '--json'], 1, /production requires signatures from 1 trusted key, and fraud@1\.0\.0 has no valid signature/, env);
    expect(refused.json.error.code).toBe('REFUSED');
    expect(existsSync(join(host, 'deploy', 'current'))).toBe(false);
    const deployed = await cliPasses(host, ['deploy', 'fraud@2.0.0', '--json'], env);
    expect(deployed.json).toMatchObject({ ok: true, target: 'prod', live: '2.0.0', promoted: { stage: 'production' } });
    expect(readlinkSync(join(host, 'deploy', 'current'))).toBe('releases/fraud@2.0.0');
    expect((await cliPasses(host, ['verify', '--signatures', '--json'], env)).json.ok).toBe(true);
    const policy = readFileSync(join(hostStore, 'config.yaml'), 'utf8');

    // A remote writer (here the team's store, with the bucket's credentials) trusts a key of its own
    // and signs 1.0.0 with it, plants a forged release signature over 1.0.0, drops the signature rule
    // from its config, and deploys 1.0.0 to a target named like the host's (which promotes it to production).
    const mallory = (await cliPasses(a.dir, ['key', 'generate', 'mallory', '--json'], { ...env, MREG_KEYS_DIR: keys })).json;
    await cliPasses(a.dir, ['key', 'trust', 'mallory', mallory.public_key], env);
    await cliPasses(a.dir, ['sign', 'fraud@1.0.0', '--key', mallory.private_key], env);
    const genuine = JSON.parse(readFileSync(join(a.store, 'signatures', 'fraud', '2.0.0', `${release.fingerprint}.json`), 'utf8'));
    const digest = `sha256:${createHash('sha256').update(readFileSync(join(a.store, 'models', 'fraud', '1.0.0.yaml'))).digest('hex')}`;
    writeFileSync(join(a.store, 'signatures', 'fraud', '1.0.0', `${release.fingerprint}.json`), JSON.stringify({ ...genuine, version: '1.0.0', digest }));
    protectProduction(a.store, join(a.dir, 'deploy'));
    writeFileSync(join(a.store, 'config.yaml'), readFileSync(join(a.store, 'config.yaml'), 'utf8').replace('    signatures: 1\n', ''));
    await cliPasses(a.dir, ['deploy', 'fraud@1.0.0'], env); // promotes 1.0.0 to production there
    await cliPasses(a.dir, ['push'], env);

    const pulled = await cliPasses(host, ['pull', '--json'], env);
    const warnings = pulled.json.warnings as { code: string; message: string }[];
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/1\.0\.0@[0-9a-f]{16}\.json: key [0-9a-f]{16}'s signature does not verify; not kept/) }));
    const rejected = warnings.filter((w) => w.code === 'EVENT_REJECTED').map((w) => w.message);
    expect(rejected).toContainEqual(expect.stringMatching(/^fraud: promote of 1\.0\.0 to production by .* is refused by this store's rules and changes nothing: production requires signatures from 1 trusted key here, and fraud@1\.0\.0 has no valid one/));
    expect(rejected).toContainEqual(expect.stringMatching(/^fraud: deploy of 1\.0\.0 on prod .*target prod serves production/));
    // Policy untouched, the stage and the target as the host's rules leave them.
    expect(readFileSync(join(hostStore, 'config.yaml'), 'utf8')).toBe(policy);
    expect((await cliPasses(host, ['show', 'fraud@production', '--json'], env)).json.version).toBe('2.0.0');
    const status = (await cliPasses(host, ['status', 'fraud', '--json'], env)).json;
    expect(status).toMatchObject({ target: 'prod', live: '2.0.0', drift: null });
    await cliFails(host, ['deploy', 'fraud@1.0.0'], 1, /has no valid signature from a trusted key: .*mallory|has no valid signature from a trusted key/, env);
    // verify: the refused events are reported; the untrusted signature is reported by --signatures.
    const verify = (await cliPasses(host, ['verify', '--json'], env)).json;
    expect(verify.warnings.filter((w: { code: string }) => w.code === 'EVENT_REJECTED').length).toBeGreaterThanOrEqual(2);
    const sigs = await runMreg(['verify', '--signatures', '--json'], { cwd: host, env });
    expect(sigs.code).toBe(1);
    expect(JSON.parse(sigs.stdout).problems).toStrictEqual([
      { code: 'SIGNATURE_INVALID', message: expect.stringMatching(/^pulled\/signatures\/fraud\/1\.0\.0\/[0-9a-f]{16}\.json: signed by key [0-9a-f]{16}, which is not among the trusted keys/) },
    ]);
    expect((await cliPasses(host, ['history', 'fraud', '--json'], env)).json.filter((e: { rejected?: string }) => e.rejected).length).toBeGreaterThanOrEqual(2);
  });
}

const dirKind: RemoteKind = {
  fresh: () => ({ url: tempDir('mreg-remote-team-'), args: [] }),
  env: { CI: '1' },
  blobFile: (url, sha) => join(url, 'objects', sha.slice(0, 2), sha),
  blobs: (root) => (existsSync(join(root, 'objects')) ? readdirSync(join(root, 'objects')).flatMap((f) => readdirSync(join(root, 'objects', f))) : []),
};

describe('teams over a directory remote', () => {
  trustScenarios(dirKind);

  it("README's team workflow runs as written: set-up, the CI recipe in one clone, either order of pulls in the other", async () => {
    const env = dirKind.env;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## Team workflow[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const remote = dirKind.fresh().url;
    const bare = tempDir('mreg-bare-');
    gitRunner(bare)('init', '-q', '--bare', '-b', 'main');
    const a = tempDir('mreg-readme-a-');
    const gitA = gitRunner(a);
    gitA('init', '-q', '-b', 'main');
    configure(gitA);
    gitA('config', 'push.autoSetupRemote', 'true'); // the first plain `git push` of a new repository
    gitA('remote', 'add', 'origin', bare);
    const [setUp, rest] = block.split('# A training job');
    const [ci, others] = rest!.split('# Everyone else');
    const lines = (text: string) => text.split('\n').slice(1); // the first is what follows the split
    const run = async (dir: string, git: (...args: string[]) => string, block: string[]) => {
      for (const line of block) {
        const command = line.replace(/\s+#.*$/, '').trim();
        if (!command || command.startsWith('#')) continue;
        for (const step of command.split(' && ')) {
          const words = [...step.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).map((w) => (w.startsWith('s3://') ? remote : w));
          if (words[0] === 'git') git(...words.slice(1));
          else if (words[0] === 'mreg') await cliPasses(dir, words.slice(1), env);
          else throw new Error(`not a git or mreg command: ${step}`);
        }
      }
    };
    await run(a, gitA, ['', ...setUp!.split('\n')].slice(1));
    const b = tempDir('mreg-readme-b-');
    gitRunner(b)('clone', '-q', bare, '.');
    const gitB = gitRunner(b);
    configure(gitB);
    for (const [n, weights] of ['first', 'second'].entries()) {
      mkdirSync(join(b, 'artifacts'), { recursive: true });
      writeFileSync(join(b, 'artifacts', 'weights.bin'), `${weights} weights`);
      await run(b, gitB, lines(ci!));
      // The other clone, once git first and once mreg first: the same version either way.
      await run(a, gitA, n === 0 ? lines(others!) : lines(others!).reverse());
    }
    const versions = (await cliPasses(a, ['ls', 'fraud', '--json'], env)).json as { version: string; unpushed: number }[];
    expect(versions.map((v) => v.unpushed)).toStrictEqual([0, 0]);
    expect(versions).toHaveLength(2);
    await cliPasses(a, ['export', `fraud@${versions[1]!.version}`, 'out'], env);
    expect(readFileSync(join(a, 'out', 'weights.bin'), 'utf8')).toBe('second weights');
    expect(gitA('status', '--porcelain', '.modelreg')).toBe('');
    await cliPasses(a, ['verify'], env);
  });

  it('a pull judges merged promotions by the local rules: forced elsewhere, a stage unknown here and a broken from rule change nothing', async () => {
    const env = dirKind.env;
    const remote = dirKind.fresh();
    const a = await newProject();
    await cliPasses(a.dir, ['remote', 'add', 'origin', remote.url], env);
    await register(a, env, 'fraud', '1.0.0');
    await register(a, env, 'fraud', '2.0.0');
    await cliPasses(a.dir, ['push'], env);
    const b = tempDir('mreg-judge-');
    await cliPasses(b, ['clone', remote.url, '.'], env);
    // A's own rules: production may be entered from anywhere, and a canary stage exists there only.
    const config = join(a.store, 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('    from: [staging]\n', '').replace('  staging: {}\n', '  staging: {}\n  canary: {}\n'));
    await cliPasses(a.dir, ['promote', 'fraud@1.0.0', 'production'], env); // breaks B's from rule
    await cliPasses(a.dir, ['promote', 'fraud@2.0.0', 'canary'], env);
    writeFileSync(config, readFileSync(config, 'utf8').replace('  production:\n', '  production:\n    from: [staging]\n'));
    await cliPasses(a.dir, ['promote', 'fraud@2.0.0', 'production', '--force'], env);
    await cliPasses(a.dir, ['push'], env);
    const pulled = await cliPasses(b, ['pull', '--json'], env);
    const rejected = (pulled.json.warnings as { code: string; message: string }[]).filter((w) => w.code === 'EVENT_REJECTED').map((w) => w.message);
    expect(rejected).toHaveLength(3);
    expect(rejected[0]).toMatch(/promote of 1\.0\.0 to production .*: cannot promote fraud@1\.0\.0 to production: production can only be entered from staging/);
    expect(rejected[1]).toMatch(/promote of 2\.0\.0 to canary .*: stage "canary" is not in this store's config\.yaml/);
    expect(rejected[2]).toMatch(/promote of 2\.0\.0 to production .*: forced elsewhere \(overriding from\); a forced promotion counts only when made here or brought by git/);
    await cliFails(b, ['show', 'fraud@production'], 1, /production/, env);
    expect((await cliPasses(b, ['ls', 'fraud', '--json'], env)).json.map((r: { stages: string[] }) => r.stages)).toStrictEqual([[], []]);
    expect((await runMreg(['history', 'fraud'], { cwd: b, env })).stdout).toMatch(/REJECTED here \(changes nothing\): forced elsewhere/);
    // B promotes by its own rules, which nothing merged stands in the way of.
    await cliPasses(b, ['promote', 'fraud@2.0.0', 'staging'], env);
    await cliPasses(b, ['promote', 'fraud@2.0.0', 'production'], env);
    expect((await cliPasses(b, ['show', 'fraud@production', '--json'], env)).json.version).toBe('2.0.0');
  });

  it('ls and status count what the default remote lacks, from the record of the last push or pull', async () => {
    const env = dirKind.env;
    const [a, b] = await team(dirKind, dirKind.fresh());
    await register(a, env, 'fraud', '1.0.0');
    const row = async (c: Clone) => ((await cliPasses(c.dir, ['ls', '--json'], env)).json as { model: string; unpushed?: number }[]).find((r) => r.model === 'fraud')!;
    expect((await row(a)).unpushed).toBe(2); // the version and its register event
    expect((await cliPasses(a.dir, ['ls'], env)).stdout).toMatch(/2 versions or events not on the default remote yet .*: mreg push/);
    await cliPasses(a.dir, ['push'], env);
    expect((await row(a)).unpushed).toBe(0);
    // A promotion after the last push: push with no refs takes it.
    await cliPasses(a.dir, ['promote', 'fraud@1.0.0', 'staging'], env);
    expect((await cliPasses(a.dir, ['ls', 'fraud', '--json'], env)).json).toMatchObject([{ version: '1.0.0', unpushed: 1 }]);
    expect((await cliPasses(a.dir, ['push', '--json'], env)).json.events).toBe(1);
    expect((await row(a)).unpushed).toBe(0);
    a.git('add', '.modelreg');
    a.git('commit', '-qm', 'fraud 1.0.0');
    a.git('push', '-q', 'origin', 'main');
    // git brought what is on the remote; this store learns it is there at its next pull, with no network before.
    b.git('pull', '-q', 'origin', 'main');
    expect((await row(b)).unpushed).toBe(3);
    await cliPasses(b.dir, ['pull'], env);
    expect((await row(b)).unpushed).toBe(0);
  });

  it('status reports drift between a stage and its target, --check exits 1 on it; a rollback refused by signatures switches nothing and records nothing', async () => {
    const p = await newProject();
    const keys = tempDir('mreg-keys-');
    const alice = (await cliPasses(p.dir, ['key', 'generate', 'alice', '--json'], { MREG_KEYS_DIR: keys })).json;
    const bob = (await cliPasses(p.dir, ['key', 'generate', 'bob', '--json'], { MREG_KEYS_DIR: keys })).json;
    await cliPasses(p.dir, ['key', 'trust', 'alice', alice.public_key]);
    protectProduction(p.store, join(p.dir, 'deploy'));
    await register(p, {}, 'fraud', '1.0.0', 'staging');
    await register(p, {}, 'fraud', '2.0.0', 'staging');
    await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', alice.private_key]);
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0']);
    // The key is rotated: bob signs from now on, alice is no longer trusted.
    await cliPasses(p.dir, ['key', 'trust', 'bob', bob.public_key]);
    await cliPasses(p.dir, ['key', 'untrust', 'alice']);
    await cliPasses(p.dir, ['sign', 'fraud@2.0.0', '--key', bob.private_key]);
    await cliPasses(p.dir, ['deploy', 'fraud@2.0.0']);
    expect((await cliPasses(p.dir, ['status', 'fraud', '--check', '--json'])).json).toMatchObject({ live: '2.0.0', drift: null });

    const history = readFileSync(join(p.store, 'history', 'fraud.jsonl'), 'utf8');
    await cliFails(p.dir, ['rollback', 'fraud', '--dry-run'], 1, /production requires signatures from 1 trusted key, and fraud@1\.0\.0 has no valid signature/);
    const refused = await cliFails(p.dir, ['rollback', 'fraud', '--json'], 1, /production requires signatures/);
    expect(refused.json.error.code).toBe('REFUSED');
    expect(readlinkSync(join(p.dir, 'deploy', 'current'))).toBe('releases/fraud@2.0.0');
    expect(readFileSync(join(p.store, 'history', 'fraud.jsonl'), 'utf8')).toBe(history);
    expect((await cliPasses(p.dir, ['status', 'fraud', '--json'])).json).toMatchObject({ live: '2.0.0', drift: null, last: { event: 'deploy', phase: 'succeeded' } });

    // The registry says one thing, the target runs another: drift, until a deploy settles it.
    await cliPasses(p.dir, ['sign', 'fraud@1.0.0', '--key', bob.private_key]);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production', '--force']);
    const drift = await runMreg(['status', 'fraud', '--check', '--json'], { cwd: p.dir, env: {} });
    expect(drift.code).toBe(1);
    expect(JSON.parse(drift.stdout).drift).toStrictEqual({ stage: 'production', stage_version: '1.0.0', live_version: '2.0.0' });
    expect((await runMreg(['status', 'fraud'], { cwd: p.dir, env: {} })).stdout).toMatch(/drift: production holds 1\.0\.0 but prod runs 2\.0\.0; deploy fraud@production/);
    await cliPasses(p.dir, ['deploy', 'fraud@production']);
    expect((await cliPasses(p.dir, ['status', 'fraud', '--check', '--json'])).json).toMatchObject({ live: '1.0.0', drift: null });
    // Two targets: status and rollback take the one that served the model, deploy needs it named.
    appendFileSync(join(p.store, 'config.yaml'), `  spare:\n    adapter: local\n    options: {dir: ${JSON.stringify(join(p.dir, 'spare'))}}\n    playbook: prod.yaml\n`);
    expect((await cliPasses(p.dir, ['status', 'fraud', '--json'])).json.target).toBe('prod');
    await cliFails(p.dir, ['deploy', 'fraud@1.0.0'], 2, /deploy needs --target <name>: config\.yaml declares prod, spare/);
  });
});

describe('teams over an S3 remote (s3rver)', () => {
  const BUCKET = 'models';
  const data = tempDir('mreg-s3rver-teams-');
  let server: S3Server;
  let counter = 0;
  beforeAll(async () => {
    server = await startS3(data, BUCKET);
  });
  afterAll(async () => {
    await server?.kill();
  });
  const kind: RemoteKind = {
    fresh: () => ({ url: `s3://${BUCKET}/teams-${++counter}`, args: ['--endpoint', server.endpoint] }),
    env: s3Env(),
    blobFile: (url, sha) => s3ObjectPath(data, BUCKET, `${url.slice(`s3://${BUCKET}/`.length)}/objects/${sha.slice(0, 2)}/${sha}`),
    blobs: (url) => s3Keys(data, BUCKET, `${url.slice(`s3://${BUCKET}/`.length)}/objects/`).map((k) => basename(k)),
  };
  trustScenarios(kind);
});
