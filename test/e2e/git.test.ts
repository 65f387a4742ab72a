// mreg inside real git repositories: the pre-commit hook, and histories merged from two branches.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, testEnv } from '../helpers/cli.js';
import { blobFiles, newProject, type Project } from '../helpers/store.js';

function gitIn(dir: string) {
  const env = { ...testEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_DATE: '', GIT_COMMITTER_DATE: '' };
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  /** git commit, returning exit code and output instead of throwing */
  const commit = (message: string) => spawnSync('git', ['commit', '-qm', message], { cwd: dir, env, encoding: 'utf8' });
  return { run, commit };
}

async function repo(): Promise<Project & { git: ReturnType<typeof gitIn> }> {
  const p = await newProject();
  const git = gitIn(p.dir);
  git.run('init', '-q', '-b', 'main');
  git.run('config', 'user.email', 'dev@example.com');
  git.run('config', 'user.name', 'Dev');
  git.run('config', 'commit.gpgsign', 'false');
  return { ...p, git };
}

describe('pre-commit hook', () => {
  it('chains an existing hook, refuses changes to committed manifests, and uninstalls cleanly', async () => {
    const p = await repo();
    const hooks = join(p.dir, '.git/hooks');
    mkdirSync(hooks, { recursive: true });
    const original = '#!/bin/sh\necho ran >> "$(git rev-parse --show-toplevel)/original-hook-ran"\n';
    writeFileSync(join(hooks, 'pre-commit'), original);
    chmodSync(join(hooks, 'pre-commit'), 0o755);

    const installed = await cliPasses(p.dir, ['hook', 'install', '--json']);
    expect(installed.json).toMatchObject({ installed: true, unchanged: false, chained: join(hooks, 'pre-commit.mreg-chained') });
    expect((await cliPasses(p.dir, ['hook', 'install', '--json'])).json.unchanged).toBe(true);

    p.file('model.bin', 'v1');
    await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    p.git.run('add', '-A');
    const first = p.git.commit('first version');
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(join(p.dir, 'original-hook-ran'), 'utf8')).toBe('ran\n');

    // Replacing a committed manifest is refused, with the file and the reason, even when the
    // replacement is a valid manifest in its own right (re-sealed: its checksum recomputed).
    const manifest = join(p.store, 'models/fraud/1.0.0.yaml');
    const { manifestChecksum } = await import('../../src/core/manifest/hash.js');
    const replacement = parse(readFileSync(manifest, 'utf8'));
    replacement.actor = 'someone-else@example.com';
    replacement.checksum = manifestChecksum(replacement);
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, stringify(replacement));
    expect((await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json'])).json.actor).toBe('someone-else@example.com');
    expect((await cliPasses(p.dir, ['verify', '--json'])).json).toMatchObject({ ok: true, problems: [] }); // sound on its own
    p.git.run('add', '-A');
    const edit = p.git.commit('sneaky edit');
    expect(edit.status).not.toBe(0);
    expect(edit.stdout + edit.stderr).toMatch(/\.modelreg\/models\/fraud\/1\.0\.0\.yaml: modifies a committed version manifest; versions are immutable/);
    p.git.run('checkout', 'HEAD', '--', '.modelreg');
    p.git.run('reset', '-q');

    // Deleting one is refused too.
    p.git.run('rm', '-q', '.modelreg/models/fraud/1.0.0.yaml');
    const del = p.git.commit('delete');
    expect(del.status).not.toBe(0);
    expect(del.stdout + del.stderr).toMatch(/deletes a committed version manifest/);
    p.git.run('reset', '-q', '--hard');

    // A new version whose blob is missing from the store is refused.
    p.file('model.bin', 'v2');
    await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.1.0']);
    const v2 = (await cliPasses(p.dir, ['show', 'fraud@1.1.0', '--json'])).json.artifacts[0].sha256;
    rmSync(join(p.store, 'objects', v2.slice(0, 2), v2), { force: true });
    p.git.run('add', '-A');
    const missing = p.git.commit('v2 without blob');
    expect(missing.status).not.toBe(0);
    expect(missing.stdout + missing.stderr).toMatch(new RegExp(`1\\.1\\.0\\.yaml: model\\.bin: blob ${v2} is missing in the store`));
    // Put the blob back (register again re-stores the bytes); now the commit goes through.
    rmSync(join(p.store, 'models/fraud/1.1.0.yaml'), { force: true });
    await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.1.0']);
    p.git.run('add', '-A');
    expect(p.git.commit('v2').status).toBe(0);

    // History may grow, never be rewritten.
    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
    p.git.run('add', '-A');
    expect(p.git.commit('promote').status).toBe(0);
    const history = join(p.store, 'history/fraud.jsonl');
    writeFileSync(history, readFileSync(history, 'utf8').split('\n').slice(1).join('\n'));
    p.git.run('add', '-A');
    const rewrite = p.git.commit('rewrite history');
    expect(rewrite.status).not.toBe(0);
    expect(rewrite.stdout + rewrite.stderr).toMatch(/history\/fraud\.jsonl: changes or removes recorded events; history is append-only/);
    p.git.run('reset', '-q', '--hard');

    const removed = await cliPasses(p.dir, ['hook', 'uninstall', '--json']);
    expect(removed.json).toMatchObject({ installed: false, unchanged: false });
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe(original);
    expect(existsSync(join(hooks, 'pre-commit.mreg-chained'))).toBe(false);
  });

  it('respects core.hooksPath, refuses to uninstall a hook it did not write, and needs a repository', async () => {
    const p = await repo();
    p.git.run('config', 'core.hooksPath', 'githooks');
    const r = await cliPasses(p.dir, ['hook', 'install', '--json']);
    expect(r.json.hook).toBe(join(p.dir, 'githooks/pre-commit'));
    expect(readFileSync(join(p.dir, 'githooks/pre-commit'), 'utf8')).toMatch(/verify --staged/);
    writeFileSync(join(p.dir, 'githooks/pre-commit'), '#!/bin/sh\nexit 0\n');
    await cliFails(p.dir, ['hook', 'uninstall'], 1, /was not installed by mreg; leaving it alone/);
    const outside = await newProject();
    await cliFails(outside.dir, ['hook', 'install'], 2, /not inside a git work tree/);
    await cliFails(outside.dir, ['verify', '--staged'], 2, /not inside a git work tree/);
    expect((await cliFails(outside.dir, ['verify', '--staged', '--json'], 2, /not inside a git work tree/)).json.error.code).toBe('INVALID_INPUT');
  });

  it('verify --staged passes a clean commit and reports with --json', async () => {
    const p = await repo();
    p.file('model.bin', 'v1');
    await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    p.git.run('add', '-A');
    const staged = await cliPasses(p.dir, ['verify', '--staged', '--json']);
    expect(staged.json).toMatchObject({ ok: true, problems: [], checked: { manifests: 1 } });
    expect(blobFiles(p.store)).toHaveLength(1);
  });
});

describe('pre-commit hook with a remote', () => {
  it('lets a pulled manifest whose blob is still only on the remote through, with a warning', async () => {
    const p = await repo();
    await cliPasses(p.dir, ['remote', 'add', 'origin', join(p.dir, 'shared-remote'), '--default']);
    p.file('model.bin', 'v1');
    const sha = (await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0', '--json'])).json.artifacts[0].sha256;
    rmSync(join(p.store, 'objects', sha.slice(0, 2), sha));
    p.git.run('add', '-A');
    const staged = await cliPasses(p.dir, ['verify', '--staged', '--json']);
    expect(staged.json.ok).toBe(true);
    expect(staged.json.warnings).toStrictEqual([expect.objectContaining({ code: 'BLOB_NOT_LOCAL' })]);
  });
});

describe('histories merged from two branches', () => {
  it('merge cleanly, and verify reports two versions in an exclusive stage with both events', async () => {
    const p = await repo();
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      p.file('model.bin', v);
      await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', v]);
      await cliPasses(p.dir, ['promote', `fraud@${v}`, 'staging']);
    }
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);
    p.git.run('add', '-A');
    p.git.commit('base');
    p.git.run('checkout', '-q', '-b', 'alice');
    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'production', '--actor', 'alice']);
    p.git.run('commit', '-qam', 'alice promotes 1.1.0');
    p.git.run('checkout', '-q', 'main');
    await cliPasses(p.dir, ['promote', 'fraud@1.2.0', 'production', '--actor', 'bob']);
    p.git.run('commit', '-qam', 'bob promotes 1.2.0');
    p.git.run('merge', '-q', '--no-edit', 'alice'); // union merge: no conflict markers

    const history = readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8');
    expect(history).not.toMatch(/<<<<<<<|>>>>>>>/);
    const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    const conflict = JSON.parse(verify.stdout).problems.find((x: { code: string }) => x.code === 'STAGE_CONFLICT');
    expect(conflict.message).toMatch(/exclusive stage production holds 2 versions: 1\.(1|2)\.0 \(promoted at .* by (alice|bob), event [0-9a-f]{16}\) and 1\.(1|2)\.0 \(promoted at .* by (alice|bob)/);

    // Promoting the right one again settles it, and the other is archived.
    await cliPasses(p.dir, ['promote', 'fraud@1.2.0', 'production', '--reason', 'settle merge']);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);
    expect((await cliPasses(p.dir, ['show', 'fraud@1.1.0', '--json'])).json.stages).toStrictEqual(['archived']);
  });
});
