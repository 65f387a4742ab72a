// Retention and garbage collection: what a policy prunes, what it always keeps, the grace period,
// --dry-run being exactly the real run, and gc racing register without breaking it.
import { readdirSync, readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, cliPassesProcess, runMregProcess } from '../helpers/cli.js';
import { blobFiles, newProject, type Project } from '../helpers/store.js';

const LONG_AGO = new Date('2020-01-01T00:00:00Z');

/** Makes every blob and temp file look old, as if registered long ago. */
function age(p: Project): void {
  for (const f of blobFiles(p.store)) utimesSync(f, LONG_AGO, LONG_AGO);
  for (const f of readdirSync(join(p.store, 'tmp'))) utimesSync(join(p.store, 'tmp', f), LONG_AGO, LONG_AGO);
}

async function store(retention: string, versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0']): Promise<Project> {
  const p = await newProject();
  writeFileSync(join(p.store, 'config.yaml'), `${readFileSync(join(p.store, 'config.yaml'), 'utf8')}retention:\n${retention}`);
  for (const v of versions) {
    p.file('m.bin', `weights ${v}`);
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', v]);
  }
  return p;
}

describe('mreg gc', () => {
  it('prunes outside keep_last but keeps protected stages; --dry-run reports exactly what the real run does', async () => {
    const p = await store('  keep_last: 2\n');
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    age(p);
    const blobsBefore = blobFiles(p.store).sort();
    const historyBefore = readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8');
    const dry = (await cliPasses(p.dir, ['gc', '--dry-run', '--json'])).json;
    expect(dry.pruned.map((x: { version: string }) => x.version)).toStrictEqual(['1.1.0', '1.2.0']);
    expect(dry).toMatchObject({ dry_run: true, blobs_deleted: 2, temp_files_removed: 0 });
    expect(blobFiles(p.store).sort()).toStrictEqual(blobsBefore);
    expect(readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8')).toBe(historyBefore);

    const real = (await cliPasses(p.dir, ['gc', '--json'])).json;
    expect({ ...real, dry_run: true }).toStrictEqual(dry);
    expect(blobFiles(p.store)).toHaveLength(3);
    expect(real.bytes_reclaimed).toBe('weights 1.1.0'.length * 2);

    const shown = (await cliPasses(p.dir, ['show', 'fraud@1.1.0', '--json'])).json;
    expect(shown.pruned).toMatchObject({ actor: 'tester@example.com' });
    expect((await cliPasses(p.dir, ['show', 'fraud@1.1.0'])).stdout).toMatch(/pruned at .* by tester@example\.com: the files are gone, this record stays/);
    await cliFails(p.dir, ['export', 'fraud@1.1.0', 'out'], 1, /fraud@1\.1\.0 was pruned at .*: its manifest remains, its files are gone/);
    await cliPasses(p.dir, ['export', 'fraud@1.0.0', 'out']); // protected by staging
    expect((await cliPasses(p.dir, ['verify', '--json'])).json).toMatchObject({ ok: true, problems: [] });
    expect((await cliPasses(p.dir, ['ls', 'fraud', '--json'])).json).toHaveLength(5); // manifests stay
    // Nothing more to do the second time.
    expect((await cliPasses(p.dir, ['gc', '--json'])).json).toMatchObject({ pruned: [], blobs_deleted: 0 });
  });

  it('keeps versions younger than keep_for, per-model policies, the live and rollback versions of targets, and --keep-last overrides', async () => {
    const p = await store('  keep_for: 30d\n  models:\n    other: {keep_last: 1}\n', ['1.0.0', '1.1.0', '1.2.0']);
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) {
      p.file('o.bin', `other ${v}`);
      await cliPasses(p.dir, ['register', 'other', 'o.bin', '--version', v]);
    }
    age(p);
    const dry = (await cliPasses(p.dir, ['gc', '--dry-run', '--json'])).json;
    expect(dry.pruned.map((x: { model: string; version: string }) => `${x.model}@${x.version}`)).toStrictEqual(['other@1.0.0', 'other@2.0.0']);

    // A target's live version and the one a rollback returns to are kept whatever the policy.
    writeFileSync(join(p.store, 'config.yaml'), `${readFileSync(join(p.store, 'config.yaml'), 'utf8')}targets:\n  box:\n    adapter: command\n    options: {deploy: [sh, -c, 'true']}\n    playbook: p.yaml\n`);
    mkdirSync(join(p.store, 'playbooks'));
    writeFileSync(join(p.store, 'playbooks/p.yaml'), 'deploy: [deploy: {}]\n');
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'box']);
    await cliPasses(p.dir, ['deploy', 'fraud@1.1.0', '--target', 'box']);
    const override = (await cliPasses(p.dir, ['gc', '--keep-last', '1', '--dry-run', '--json'])).json;
    // fraud keeps 1.2.0 (the last one) and 1.1.0 and 1.0.0 (live on box, and where a rollback goes).
    expect(override.pruned.map((x: { model: string; version: string }) => `${x.model}@${x.version}`)).toStrictEqual(['other@1.0.0', 'other@2.0.0']);
    await cliFails(p.dir, ['gc', '--keep-last', '0'], 2, /--keep-last 0: expected a whole number >= 1/);
  });

  it('keeps what a kept version was made from: the training data of a protected model', async () => {
    const p = await store('  keep_last: 1\n', []);
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) {
      p.file('tx.csv', `rows ${v}`);
      await cliPasses(p.dir, ['register', 'tx', 'tx.csv', '--kind', 'dataset', '--version', v]);
    }
    p.file('m.bin', 'weights');
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0', '--data', 'tx@1.0.0']);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    age(p);
    const r = (await cliPasses(p.dir, ['gc', '--json'])).json;
    expect(r.pruned.map((x: { model: string; version: string }) => `${x.model}@${x.version}`)).toStrictEqual(['tx@2.0.0']);
    await cliPasses(p.dir, ['export', 'tx@1.0.0', 'out']);
  });

  it('keeps every blob of a kept version with several files, and deletes every blob of a pruned one', async () => {
    const p = await store('  keep_last: 1\n', []);
    for (const v of ['1.0.0', '1.1.0']) {
      p.file('m/a.bin', `weights a ${v}`);
      p.file('m/b.bin', `weights b ${v}`);
      p.file('m/c.json', `{"config": "${v}"}`);
      await cliPasses(p.dir, ['register', 'fraud', 'm', '--version', v]);
    }
    const kept = (await cliPasses(p.dir, ['show', 'fraud@1.1.0', '--json'])).json.artifacts.map((a: { sha256: string }) => a.sha256);
    expect(kept).toHaveLength(3);
    age(p);
    const r = (await cliPasses(p.dir, ['gc', '--json'])).json;
    expect(r).toMatchObject({ pruned: [expect.objectContaining({ version: '1.0.0' })], blobs_deleted: 3 });
    expect(blobFiles(p.store).map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toStrictEqual([...kept].sort());
    expect((await cliPasses(p.dir, ['verify', '--json'])).json).toMatchObject({ ok: true, problems: [] });
    await cliPasses(p.dir, ['export', 'fraud@1.1.0', 'out']);
    expect(readFileSync(join(p.dir, 'out/b.bin'), 'utf8')).toBe('weights b 1.1.0');
    expect(readFileSync(join(p.dir, 'out/c.json'), 'utf8')).toBe('{"config": "1.1.0"}');
  });

  it('leaves young unreferenced blobs and temp files for the grace period, removes old ones', async () => {
    const p = await store('  grace: 1h\n', ['1.0.0']);
    const objects = join(p.store, 'objects');
    mkdirSync(join(objects, 'ab'), { recursive: true });
    const orphanOld = join(objects, 'ab', `ab${'0'.repeat(62)}`);
    const orphanNew = join(objects, 'ab', `ab${'1'.repeat(62)}`);
    writeFileSync(orphanOld, 'old orphan');
    writeFileSync(orphanNew, 'new orphan');
    utimesSync(orphanOld, LONG_AGO, LONG_AGO);
    writeFileSync(join(p.store, 'tmp/old.tmp'), 'x');
    utimesSync(join(p.store, 'tmp/old.tmp'), LONG_AGO, LONG_AGO);
    writeFileSync(join(p.store, 'tmp/new.tmp'), 'y');
    const r = (await cliPasses(p.dir, ['gc', '--json'])).json;
    expect(r).toMatchObject({ pruned: [], blobs_deleted: 1, blobs_in_grace: 1, temp_files_removed: 1, bytes_reclaimed: 10 });
    expect(readdirSync(join(objects, 'ab'))).toStrictEqual([`ab${'1'.repeat(62)}`]);
    expect(readdirSync(join(p.store, 'tmp'))).toStrictEqual(['new.tmp']);
  });

  it('gc racing register never breaks a version, even one that reuses a blob gc is collecting', async () => {
    // The grace period is what keeps a blob that register has just written or reused (it freshens
    // those) from gc; the blobs of pruned versions here are all made to look old.
    const p = await store('  keep_last: 1\n  grace: 10m\n', ['1.0.0']);
    for (let round = 0; round < 4; round++) {
      // Each round re-registers content an earlier, pruned version had: its blob is unreferenced
      // and old, exactly what gc deletes, while register is deciding to reuse it.
      p.file('m.bin', `weights ${round % 2 === 0 ? 'A' : 'B'}`);
      age(p);
      const [reg, gc] = await Promise.all([
        runMregProcess(['register', 'fraud', 'm.bin', '--change', 'patch', '--param', `round=${round}`], { cwd: p.dir }),
        runMregProcess(['gc', '--json'], { cwd: p.dir }),
      ]);
      expect(reg.code, reg.stderr).toBe(0);
      // One gc at a time here, so it never meets another: it finishes, and says what it did.
      expect(gc.code, gc.stderr).toBe(0);
      expect(JSON.parse(gc.stdout)).toMatchObject({ dry_run: false, blobs_deleted: expect.any(Number), temp_files_removed: expect.any(Number) });
      const latest = (await cliPasses(p.dir, ['show', 'fraud', '--json'])).json;
      await cliPasses(p.dir, ['export', `fraud@${latest.version}`, `out-${round}`]);
      expect(readFileSync(join(p.dir, `out-${round}/m.bin`), 'utf8')).toBe(`weights ${round % 2 === 0 ? 'A' : 'B'}`);
    }
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.problems).toStrictEqual([]);
  });

  it('a second gc while one runs is refused with LOCKED and changes nothing', async () => {
    const p = await store('  keep_last: 1\n', ['1.0.0', '1.1.0']);
    age(p);
    const blobsBefore = blobFiles(p.store).sort();
    const { layoutOf } = await import('../../src/store/layout.js');
    const { acquireLock } = await import('../../src/store/lock.js');
    const running = await acquireLock(layoutOf(p.store), 'gc'); // the gc that is running
    const refused = await cliFails(p.dir, ['gc', '--json'], 1, /^another mreg gc is running on this store$/);
    expect(refused.json.error.code).toBe('LOCKED');
    expect(blobFiles(p.store).sort()).toStrictEqual(blobsBefore);
    expect((await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json'])).json.pruned ?? null).toBeNull();
    await running.release();
    expect((await cliPasses(p.dir, ['gc', '--json'])).json).toMatchObject({ pruned: [expect.objectContaining({ version: '1.0.0' })], blobs_deleted: 1 });
  });

  it('a gc that deletes a reused blob at the worst moment (after register found it, before the manifest) is repaired', async () => {
    const p = await store('  keep_last: 1\n  grace: 0s\n', ['1.0.0']);
    p.file('m.bin', 'weights 1.0.0');
    p.file('n.bin', 'something else');
    await cliPasses(p.dir, ['register', 'fraud', 'n.bin', '--version', '1.1.0']);
    age(p);
    // In-process register, with a real gc process run exactly inside the race window.
    const { register } = await import('../../src/api/register.js');
    let collected: { blobs_deleted: number } | undefined;
    const result = await register({
      model: 'fraud',
      inputs: ['m.bin'],
      cwd: p.dir,
      env: process.env,
      change: 'minor',
      beforeCommit: async () => {
        collected = (await cliPassesProcess(p.dir, ['gc', '--json'])).json;
      },
    });
    expect(collected?.blobs_deleted).toBeGreaterThanOrEqual(1); // gc really took the blob away
    expect(result.version).toBe('1.2.0');
    await cliPasses(p.dir, ['export', 'fraud@1.2.0', 'out']);
    expect(readFileSync(join(p.dir, 'out/m.bin'), 'utf8')).toBe('weights 1.0.0');
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.problems).toStrictEqual([]);
  });
});
