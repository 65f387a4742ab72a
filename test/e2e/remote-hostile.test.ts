// What another store or a hostile remote cannot do to this store: prune what it protects, or bloat
// its history past what its own readers accept. Two stores share a directory remote.
import { appendFileSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, tempDir } from '../helpers/cli.js';
import { newProject, type Project } from '../helpers/store.js';

const env = { CI: '1' };

async function twoStores(): Promise<{ a: Project; b: Project; remote: string }> {
  const remote = tempDir('mreg-remote-hostile-');
  const a = await newProject();
  const b = await newProject();
  for (const p of [a, b]) await cliPasses(p.dir, ['remote', 'add', 'origin', remote, '--default'], env);
  return { a, b, remote };
}

function blobOf(p: Project, ref: string): Promise<string> {
  return cliPasses(p.dir, ['show', ref, '--json'], env).then((r) => join(p.store, 'objects', r.json.artifacts[0].sha256.slice(0, 2), r.json.artifacts[0].sha256));
}

describe("a remote's prune never takes a protected version", () => {
  it('the repro: A prunes 0.1.0 (it never saw B promote it to production) and pushes; B ignores the prune, keeps and exports the blob', async () => {
    const { a, b } = await twoStores();
    a.file('model.bin', 'weights one');
    await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '0.1.0']);
    a.file('model.bin', 'weights two');
    await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '0.2.0']);
    await cliPasses(a.dir, ['push'], env);
    await cliPasses(b.dir, ['pull', '--all'], env);
    await cliPasses(b.dir, ['promote', 'm@0.1.0', 'staging'], env);
    await cliPasses(b.dir, ['promote', 'm@0.1.0', 'production'], env);

    const gc = await cliPasses(a.dir, ['gc', '--keep-last', '1', '--json'], env);
    expect(gc.json.pruned).toMatchObject([{ model: 'm', version: '0.1.0' }]);
    await cliPasses(a.dir, ['push'], env);

    const pulled = await cliPasses(b.dir, ['pull', '--json'], env);
    expect(pulled.json.warnings).toMatchObject([{ code: 'PRUNE_IGNORED', message: expect.stringMatching(/^m@0\.1\.0: remote .* says it was pruned .*; ignored: it is in protected stage production here$/) }]);
    expect(pulled.stderr).toMatch(/PRUNE_IGNORED/);
    expect((await cliPasses(b.dir, ['history', 'm', '--json'], env)).json.map((e: { event: string }) => e.event)).not.toContain('prune');
    await cliPasses(b.dir, ['gc', '--keep-last', '1', '--json'], env);
    await cliPasses(b.dir, ['export', 'm@production', 'out'], env);
    expect(readFileSync(join(b.dir, 'out', 'model.bin'), 'utf8')).toBe('weights one');
    expect((await cliPasses(b.dir, ['show', 'm@production', '--json'], env)).json.pruned).toBeUndefined();
    await cliPasses(b.dir, ['verify'], env);
  });

  it('a prune that got in anyway (merged by git, or before this fix): gc keeps the blob, verify reports a missing one, pull fetches it, export works', async () => {
    const { a, b } = await twoStores();
    a.file('model.bin', 'weights one');
    await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '0.1.0']);
    a.file('model.bin', 'weights two');
    await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '0.2.0']);
    await cliPasses(a.dir, ['push'], env);
    await cliPasses(b.dir, ['pull', '--all'], env);
    await cliPasses(b.dir, ['promote', 'm@0.1.0', 'staging'], env);
    await cliPasses(b.dir, ['promote', 'm@0.1.0', 'production'], env);
    await cliPasses(a.dir, ['gc', '--keep-last', '1'], env);
    // A's prune event arrives as git would bring it: a line of the tracked history.
    const pruneLine = readFileSync(join(a.store, 'history', 'm.jsonl'), 'utf8').split('\n').find((l) => l.includes('"event":"prune"'))!;
    appendFileSync(join(b.store, 'history', 'm.jsonl'), `${pruneLine}\n`);

    const blob = await blobOf(b, 'm@0.1.0');
    await cliPasses(b.dir, ['gc', '--keep-last', '1'], env);
    expect(readFileSync(blob, 'utf8')).toBe('weights one');
    await cliPasses(b.dir, ['export', 'm@production', 'kept'], env);

    // The old gc took the blob: verify says so, and pull fetches it back from the remote that has it.
    unlinkSync(blob);
    const report = await runMreg(['verify', '--json'], { cwd: b.dir, env });
    expect(report.code).toBe(1);
    expect(JSON.parse(report.stdout).problems).toMatchObject([
      { code: 'PROTECTED_BLOB_MISSING', message: expect.stringMatching(/^m@0\.1\.0: model\.bin: blob \w+ is missing, but the version is in protected stage production \(pruned by .*\); mreg pull m@0\.1\.0 fetches it/) },
    ]);
    expect((await cliPasses(b.dir, ['pull', 'm@production', '--json'], env)).json.blobs).toMatchObject({ downloaded: 1 });
    await cliPasses(b.dir, ['verify'], env);
    await cliPasses(b.dir, ['export', 'm@production', 'out'], env);
    expect(readFileSync(join(b.dir, 'out', 'model.bin'), 'utf8')).toBe('weights one');
  });

  it('a version upstream of a version kept here (lineage, across models) is protected too; an unprotected prune is merged', async () => {
    const { a, b } = await twoStores();
    for (const [i, model] of ['base', 'other'].entries()) {
      for (const version of ['1.0.0', '1.1.0']) {
        a.file('model.bin', `${model} ${version} ${i}`);
        await cliPasses(a.dir, ['register', model, 'model.bin', '--version', version]);
      }
    }
    await cliPasses(a.dir, ['push'], env);
    await cliPasses(b.dir, ['pull', '--all'], env);
    b.file('ft.bin', 'fine-tuned');
    await cliPasses(b.dir, ['register', 'ft', 'ft.bin', '--version', '1.0.0', '--parent', 'base@1.0.0']);
    await cliPasses(a.dir, ['gc', '--keep-last', '1'], env);
    await cliPasses(a.dir, ['push'], env);
    const pulled = await cliPasses(b.dir, ['pull', '--json'], env);
    expect(pulled.json.warnings).toMatchObject([{ code: 'PRUNE_IGNORED', message: expect.stringMatching(/^base@1\.0\.0: .*ignored: it is in the lineage of ft@1\.0\.0 here$/) }]);
    expect(pulled.json.events).toBe(1); // other@1.0.0's prune: nothing protects it here
    const show = await cliPasses(b.dir, ['show', 'other@1.0.0', '--json'], env);
    expect(show.json.pruned).toBeDefined();
    await cliFails(b.dir, ['export', 'other@1.0.0', 'gone'], 1, /PRUNED|was pruned/);
    await cliPasses(b.dir, ['export', 'base@1.0.0', 'kept'], env);
  });
});
