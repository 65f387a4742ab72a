// What another store or a hostile remote cannot do to this store: prune what it protects, or bloat
// its history past what its own readers accept. Two stores share a directory remote.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appendRawEvents, MAX_HISTORY_BYTES, serializeEvent, type HistoryEvent } from '../../src/core/lifecycle/history.js';
import { layoutOf } from '../../src/store/layout.js';
import { DirectoryRemote } from '../../src/core/remote/directory.js';
import { PULL_LIMITS, pullBudget, readRemoteHistory, type PullBudget } from '../../src/core/remote/history.js';
import { cliFails, cliPasses, MREG, ROOT, runMreg, tempDir, testEnv } from '../helpers/cli.js';
import { newProject, type Project } from '../helpers/store.js';

const env = { CI: '1' };
/**
 * Peak memory of a pull that refuses a bloated remote: start-up, one batch (at most 16 MiB) and what it
 * kept (at most the 32 MiB a pull may add), never the whole remote history (1.17 GB before the limits).
 */
const RSS_BOUND = 256 * 1024 * 1024;

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

/** A registers m@0.1.0 and 0.2.0 and pushes; B pulls them and promotes 0.1.0 to production, which A never sees. */
async function promotedWhereAHasNotSeenIt(): Promise<{ a: Project; b: Project }> {
  const { a, b } = await twoStores();
  a.file('model.bin', 'weights one');
  await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '0.1.0']);
  a.file('model.bin', 'weights two');
  await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '0.2.0']);
  await cliPasses(a.dir, ['push'], env);
  await cliPasses(b.dir, ['pull', '--all'], env);
  await cliPasses(b.dir, ['promote', 'm@0.1.0', 'staging'], env);
  await cliPasses(b.dir, ['promote', 'm@0.1.0', 'production'], env);
  return { a, b };
}

describe("a remote's prune never takes a protected version", () => {
  it('the repro: A prunes 0.1.0 (it never saw B promote it to production) and pushes; B ignores the prune, keeps and exports the blob', async () => {
    const { a, b } = await promotedWhereAHasNotSeenIt();

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
    const { a, b } = await promotedWhereAHasNotSeenIt();
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

    // A prune of ft@1.0.0 that reached b anyway (as git would bring it): while a protected stage holds
    // it, neither impact nor ls calls it pruned; once it leaves, the prune counts.
    await cliPasses(b.dir, ['promote', 'ft@1.0.0', 'staging']);
    const prune: HistoryEvent = { id: 'prune-ft', time: new Date().toISOString(), event: 'prune', model: 'ft', version: '1.0.0', actor: 'gc@a' };
    appendFileSync(join(b.store, 'history', 'ft.jsonl'), `${serializeEvent(prune)}\n`);
    const affected = async () => (await cliPasses(b.dir, ['impact', 'base@1.0.0', '--json'])).json.affected;
    expect(await affected()).toStrictEqual([{ model: 'ft', version: '1.0.0', kind: 'model', path: ['base@1.0.0', 'ft@1.0.0'], stages: ['staging'] }]);
    expect((await cliPasses(b.dir, ['ls', 'ft', '--json'])).json[0].pruned).toBe(false);
    await cliPasses(b.dir, ['demote', 'ft@1.0.0', 'staging']);
    expect((await affected())[0].pruned).toBe(true);
    expect((await cliPasses(b.dir, ['ls', 'ft', '--json'])).json[0].pruned).toBe(true);
  });
});

/** A hand-written history batch of well-formed events (each with a good checksum) in a directory remote. */
function junkBatch(remote: string, model: string, version: string, count: number, reasonBytes: number, seed: number): void {
  const dir = join(remote, 'history', model);
  mkdirSync(dir, { recursive: true });
  const reason = 'x'.repeat(reasonBytes);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const event: HistoryEvent = { id: `junk${seed}-${i}`, time: '2026-01-01T00:00:00.000Z', event: 'check', model, version, actor: 'mallory', check: 'junk', passed: true, reason };
    lines.push(serializeEvent(event));
  }
  writeFileSync(join(dir, `20260101T000000Z-${seed.toString(16).padStart(16, '0')}.jsonl`), `${lines.join('\n')}\n`);
}

describe('a remote cannot bloat the local history', () => {
  it('more events than one pull may add: refused while reading, before anything is held past the limit', async () => {
    const remote = tempDir('mreg-remote-junk-');
    junkBatch(remote, 'm', '1.0.0', 6, 0, 1);
    junkBatch(remote, 'm', '1.0.0', 6, 0, 2);
    const backend = await new DirectoryRemote('junk', remote).open();
    const read = (budget: PullBudget) => readRemoteHistory(backend, 'm', (e) => e.id !== 'junk1-0', budget);
    await expect(read(pullBudget({ events: 10, bytes: 1 << 20 }))).rejects.toThrow(/junk: the history it holds \(at m\) would add more than 10 events to the local history in one pull \(the limit\); nothing was written/);
    // What the local history already holds (here, one event) does not count.
    expect((await read(pullBudget({ events: 11, bytes: 1 << 20 }))).events).toHaveLength(11);
    await expect(read(pullBudget({ events: 100, bytes: 1000 }))).rejects.toThrow(/more than 1000 bytes/);
    backend.close();
  });

  it('more bytes than one pull may add: refused in bounded memory (a spawned pull), nothing written', async () => {
    const { a, b, remote } = await twoStores();
    a.file('model.bin', 'weights');
    await cliPasses(a.dir, ['register', 'm', 'model.bin', '--version', '1.0.0']);
    await cliPasses(a.dir, ['push'], env);
    // 4 batches of 12 MiB of 1 MiB events: 48 MiB, over the 32 MiB a pull may add.
    for (let seed = 1; seed <= 4; seed++) junkBatch(remote, 'm', '1.0.0', 12, 1024 * 1024, seed);
    const rssFile = join(tempDir('mreg-rss-'), 'rss');
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'bench', 'maxrss.mjs')).href, MREG, 'pull'], {
      cwd: b.dir,
      env: testEnv({ ...env, MREG_BENCH_RSS_FILE: rssFile }),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`would add more than ${PULL_LIMITS.bytes} bytes`));
    expect(existsSync(join(b.store, 'pulled', 'history', 'm.jsonl'))).toBe(false);
    const rss = Number(readFileSync(rssFile, 'utf8'));
    expect(rss).toBeLessThan(RSS_BOUND);
    await cliPasses(b.dir, ['ls'], env);
    await cliPasses(b.dir, ['verify'], env);
  });

  it('no append takes a history file past the size its readers accept', async () => {
    const p = await newProject();
    p.file('model.bin', 'weights');
    await cliPasses(p.dir, ['register', 'm', 'model.bin', '--version', '1.0.0']);
    const file = join(p.store, 'history', 'm.jsonl');
    truncateSync(file, MAX_HISTORY_BYTES - 100); // sparse: costs no disk
    const event: HistoryEvent = { id: 'e1', time: '2026-01-01T00:00:00.000Z', event: 'check', model: 'm', version: '1.0.0', actor: 'a', reason: 'x'.repeat(200) };
    await expect(appendRawEvents(layoutOf(p.store), 'm', [event])).rejects.toThrow(/^history\/m\.jsonl: appending 1 event would make it \d+ bytes, over the 268435456-byte limit of a history file; nothing was written$/);
    expect(statSync(file).size).toBe(MAX_HISTORY_BYTES - 100);
  });
});
