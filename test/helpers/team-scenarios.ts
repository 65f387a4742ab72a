// A team's workflow end to end, for every kind of remote: a bare git repository and two clones of it,
// each with the store tracked in git, sharing one mreg remote. git and mreg pull in either order, a
// version race settled by the command the CONFLICT hint names, and the CI recipe of docs/remotes.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { cliFails, cliPasses, testEnv, tempDir } from './cli.js';
import type { RemoteKind } from './remote-scenarios.js';
import { newProject, type Project } from './store.js';

export interface Clone extends Project {
  git(...args: string[]): string;
}

export function gitRunner(dir: string) {
  const env = { ...testEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  return (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function configure(git: (...args: string[]) => string): void {
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'pull.rebase', 'false');
}

/** A bare repository and two clones of it; the first set up the registry (init, remote add, commit, push). */
export async function team(kind: RemoteKind, remote: { url: string; args: string[] }): Promise<[Clone, Clone]> {
  const bare = tempDir('mreg-bare-');
  gitRunner(bare)('init', '-q', '--bare', '-b', 'main');
  const a = await newProject();
  const gitA = gitRunner(a.dir);
  gitA('init', '-q', '-b', 'main');
  configure(gitA);
  await cliPasses(a.dir, ['remote', 'add', 'origin', remote.url, ...remote.args, '--default'], kind.env);
  gitA('add', '.modelreg');
  gitA('commit', '-qm', 'model registry');
  gitA('remote', 'add', 'origin', bare);
  gitA('push', '-q', 'origin', 'main');
  const bDir = tempDir('mreg-clone-');
  gitRunner(bDir)('clone', '-q', bare, '.');
  const gitB = gitRunner(bDir);
  configure(gitB);
  const b: Project = { ...a, dir: bDir, store: join(bDir, '.modelreg'), file: (rel, content) => (newFile(bDir, rel, content), rel) };
  return [
    { ...a, git: gitA },
    { ...b, git: gitB },
  ];
}

function newFile(dir: string, rel: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), content);
}

/** Every event id once, and every event about a version this store holds. */
async function historyIsSound(c: Clone, env: Record<string, string>, model: string): Promise<string[]> {
  const versions = new Set(((await cliPasses(c.dir, ['ls', model, '--json'], env)).json as { version: string }[]).map((r) => r.version));
  const events = (await cliPasses(c.dir, ['history', model, '--json'], env)).json as { id: string; version: string }[];
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const e of events) expect(versions.has(e.version), `event ${e.id} speaks of ${model}@${e.version}`).toBe(true);
  return ids.sort();
}

async function digestOf(c: Clone, ref: string, env: Record<string, string>): Promise<string> {
  return (await cliPasses(c.dir, ['show', ref, '--json'], env)).json.digest as string;
}

/** What the team does after registering: push the blobs and manifests, commit, share the commit. */
async function share(c: Clone, env: Record<string, string>, message: string): Promise<void> {
  await cliPasses(c.dir, ['push'], env);
  c.git('add', '.modelreg');
  c.git('commit', '-qm', message);
  c.git('pull', '-q', '--no-edit', 'origin', 'main');
  c.git('push', '-q', 'origin', 'main');
}

export function teamScenarios(kind: RemoteKind): void {
  const env = kind.env;

  it('git pull and mreg pull never fight, in either order: new versions, promotions and history from the other clone arrive once', async () => {
    const [a, b] = await team(kind, kind.fresh());
    a.file('model.bin', 'weights 1.0.0');
    await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    await cliPasses(a.dir, ['promote', 'fraud@1.0.0', 'staging']);
    await share(a, env, 'fraud 1.0.0');
    b.git('pull', '-q', 'origin', 'main');

    // Order 1: mreg pull first, then git pull.
    a.file('model.bin', 'weights 1.1.0');
    await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', '1.1.0']);
    await cliPasses(a.dir, ['promote', 'fraud@1.1.0', 'staging']);
    await share(a, env, 'fraud 1.1.0');
    const pulled = await cliPasses(b.dir, ['pull', '--json'], env);
    expect(pulled.json.versions).toMatchObject([{ version: '1.0.0', new: false }, { version: '1.1.0', new: true }]);
    expect(pulled.json.events).toBe(2);
    // What the pull learned is visible to every read at once, and git sees nothing new in the work tree.
    expect((await cliPasses(b.dir, ['show', 'fraud@staging', '--json'], env)).json.version).toBe('1.1.0');
    expect((await cliPasses(b.dir, ['ls', 'fraud', '--json'], env)).json.map((r: { version: string }) => r.version)).toStrictEqual(['1.0.0', '1.1.0']);
    await cliPasses(b.dir, ['export', 'fraud@1.1.0', 'out'], env);
    expect(b.git('status', '--porcelain', '.modelreg')).toBe('');
    b.git('pull', '-q', 'origin', 'main'); // would fail with "untracked working tree files would be overwritten"
    expect(existsSync(join(b.store, 'models', 'fraud', '1.1.0.yaml'))).toBe(true);
    const afterGit = await historyIsSound(b, env, 'fraud');
    expect(afterGit).toHaveLength(4);
    expect((await cliPasses(b.dir, ['verify'], env)).stdout).toMatch(/ok/);
    expect((await cliPasses(b.dir, ['pull', '--json'], env)).json.events).toBe(0);

    // Order 2: git pull first, then mreg pull.
    a.file('model.bin', 'weights 1.2.0');
    await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', '1.2.0']);
    await cliPasses(a.dir, ['promote', 'fraud@1.1.0', 'production']);
    await share(a, env, 'fraud 1.2.0, 1.1.0 in production');
    b.git('pull', '-q', 'origin', 'main');
    const second = await cliPasses(b.dir, ['pull', '--json'], env);
    expect(second.json.events).toBe(0);
    expect(second.json.versions.every((v: { new: boolean }) => !v.new)).toBe(true);
    expect((await cliPasses(b.dir, ['show', 'fraud@production', '--json'], env)).json.version).toBe('1.1.0');
    expect(await historyIsSound(b, env, 'fraud')).toStrictEqual(await historyIsSound(a, env, 'fraud'));
    expect(b.git('status', '--porcelain', '.modelreg')).toBe('');
    await cliPasses(b.dir, ['verify'], env);

    // B's own work goes the same way back to A, which pulls with mreg first.
    b.file('model.bin', 'weights 1.3.0');
    await cliPasses(b.dir, ['register', 'fraud', 'model.bin', '--version', '1.3.0']);
    await cliPasses(b.dir, ['promote', 'fraud@1.3.0', 'staging']);
    await share(b, env, 'fraud 1.3.0');
    await cliPasses(a.dir, ['pull'], env);
    a.git('pull', '-q', 'origin', 'main');
    expect(await historyIsSound(a, env, 'fraud')).toStrictEqual(await historyIsSound(b, env, 'fraud'));
    await cliPasses(a.dir, ['verify'], env);
  });

  it('a version race resolves with the one command the CONFLICT hint names; the CI recipe then shares both versions', async () => {
    const [a, b] = await team(kind, kind.fresh());
    a.file('model.bin', 'weights 1.0.0');
    await cliPasses(a.dir, ['register', 'intent', 'model.bin', '--version', '1.0.0']);
    await share(a, env, 'intent 1.0.0');
    b.git('pull', '-q', 'origin', 'main');

    // Two jobs register the next patch from the same commit, with different content.
    a.file('model.bin', 'weights from a');
    b.file('model.bin', 'weights from b');
    await cliPasses(a.dir, ['register', 'intent', 'model.bin', '--change', 'patch']);
    await cliPasses(b.dir, ['register', 'intent', 'model.bin', '--change', 'patch']);
    await cliPasses(b.dir, ['promote', 'intent@1.0.1', 'staging']);
    const [da, db] = [await digestOf(a, 'intent@1.0.1', env), await digestOf(b, 'intent@1.0.1', env)];
    await share(a, env, 'intent 1.0.1 from a');

    const refused = await cliFails(b.dir, ['push', '--json'], 1, /intent@1\.0\.1 exists on remote origin .* with other content/, env);
    expect(refused.json.error.code).toBe('CONFLICT');
    const command = /(mreg rebase-version [^()]+?) \(/.exec(refused.json.error.hint as string)?.[1];
    expect(command).toBe('mreg rebase-version intent@1.0.1 --remote origin');
    expect(refused.json.error.data.command).toBe(command); // what the CI recipe in docs/remotes.md runs
    const settled = await cliPasses(b.dir, [...command!.split(' ').slice(1), '--json'], env);
    expect(settled.json.versions).toMatchObject([{ model: 'intent', from: '1.0.1', to: '1.0.2', events: 2 }]);

    // The CI recipe: push, commit, git pull --rebase, git push.
    await cliPasses(b.dir, ['push'], env);
    b.git('add', '-A', '.modelreg');
    b.git('commit', '-qm', 'intent 1.0.2 from b');
    b.git('pull', '-q', '--rebase', 'origin', 'main');
    b.git('push', '-q', 'origin', 'main');
    a.git('pull', '-q', 'origin', 'main');
    await cliPasses(a.dir, ['pull'], env);
    for (const c of [a, b]) {
      expect(await digestOf(c, 'intent@1.0.1', env)).toBe(da);
      expect(await digestOf(c, 'intent@1.0.2', env)).toBe(db);
      expect((await cliPasses(c.dir, ['show', 'intent@staging', '--json'], env)).json.version).toBe('1.0.2');
      await historyIsSound(c, env, 'intent');
      await cliPasses(c.dir, ['verify'], env);
      expect(c.git('status', '--porcelain', '.modelreg')).toBe('');
    }
    expect(await historyIsSound(a, env, 'intent')).toStrictEqual(await historyIsSound(b, env, 'intent'));
    await cliPasses(b.dir, ['export', 'intent@1.0.1', 'theirs'], env);
  });
}
