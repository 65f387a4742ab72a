// The end-to-end scenarios every kind of remote must pass (S3 through a real server, a directory):
// two stores sharing models, history merged by event id, conflicts, a stage conflict, corrupt bytes
// on the remote, and bad input. Each remote test file runs them against its own kind of remote.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, tempDir } from './cli.js';
import { blobFiles, flipByte, newProject, randomContent, type Project } from './store.js';

export interface RemoteKind {
  /** a new, empty remote: its URL and the extra `remote add` / `clone` arguments it needs */
  fresh(): { url: string; args: string[] };
  env: Record<string, string>;
  /** the file holding a blob's bytes on the remote, to damage it */
  blobFile(url: string, sha256: string): string;
  /** the sha256 of every blob on the remote */
  blobs(url: string): string[];
}

export async function withRemote(kind: RemoteKind, p: Project, remote: { url: string; args: string[] }, name = 'origin'): Promise<void> {
  await cliPasses(p.dir, ['remote', 'add', name, remote.url, ...remote.args], kind.env);
}

/** Pulls everything a remote holds into a fresh clone and verifies it there: how a remote is checked. */
export async function verifyRemote(kind: RemoteKind, remote: { url: string; args: string[] }): Promise<string> {
  const dir = tempDir('mreg-remote-check-');
  await cliPasses(dir, ['clone', remote.url, '.', ...remote.args, '--all'], kind.env);
  await cliPasses(dir, ['verify'], kind.env);
  return dir;
}

const historyIds = async (p: Project | string, env: Record<string, string>) =>
  ((await cliPasses(typeof p === 'string' ? p : p.dir, ['history', 'fraud', '--json'], env)).json as { id: string }[]).map((e) => e.id);

export function remoteScenarios(kind: RemoteKind): void {
  it('two stores share models through the remote: push, pull, export on demand, clone; history merges without loss or duplication', async () => {
    const remote = kind.fresh();
    const a = await newProject();
    const weights = randomContent(3 * 1024 * 1024 + 17);
    a.file('model.bin', weights);
    a.file('config.json', '{"layers": 3}');
    await cliPasses(a.dir, ['register', 'fraud', 'model.bin', 'config.json', '--version', '1.0.0', '--metric', 'auc=0.9']);
    await cliPasses(a.dir, ['promote', 'fraud@1.0.0', 'staging']);
    const added = await cliPasses(a.dir, ['remote', 'add', 'origin', remote.url, ...remote.args, '--json'], kind.env);
    expect(added.json).toMatchObject({ name: 'origin', url: remote.url, default: true });

    const first = await cliPasses(a.dir, ['push', '--json'], kind.env);
    expect(first.json).toMatchObject({ remote: 'origin', versions: [{ model: 'fraud', version: '1.0.0', pushed: true }], blobs: { uploaded: 2, bytes: weights.length + 13 }, events: 2 });
    expect(kind.blobs(remote.url)).toHaveLength(2);
    const again = await cliPasses(a.dir, ['push', '--json'], kind.env);
    expect(again.json).toMatchObject({ versions: [{ version: '1.0.0', pushed: false }], blobs: { uploaded: 0, bytes: 0 }, events: 0 });

    // A second store: manifests and history now, blobs when a version is exported.
    const b = await newProject();
    await withRemote(kind, b, remote);
    const pulled = await cliPasses(b.dir, ['pull', '--json'], kind.env);
    expect(pulled.json).toMatchObject({ versions: [{ model: 'fraud', version: '1.0.0', new: true }], blobs: { downloaded: 0 }, events: 2 });
    const check = await cliPasses(b.dir, ['verify'], kind.env);
    expect(check.stderr).toMatch(/warning: 2 artifacts .* not in the local store yet/);
    expect((await cliPasses(b.dir, ['show', 'fraud@staging', '--json'], kind.env)).json).toMatchObject({ version: '1.0.0', metrics: { auc: 0.9 } });
    // export fetches on demand through src/api/export.ts, which does not hand the environment on to
    // the remote yet: a real process, whose own environment the S3 client falls back to.
    await cliPasses(b.dir, ['export', 'fraud@staging', 'out'], kind.env);
    expect(readFileSync(join(b.dir, 'out', 'model.bin')).equals(weights)).toBe(true);
    expect(blobFiles(b.store)).toHaveLength(2);
    expect((await cliPasses(b.dir, ['verify'], kind.env)).stderr).toBe('');

    // Both stores add events; after pushing and pulling, both hold every event exactly once.
    b.file('model.bin', 'weights 1.1.0');
    await cliPasses(b.dir, ['register', 'fraud', 'model.bin', '--version', '1.1.0']);
    await cliPasses(b.dir, ['promote', 'fraud@1.0.0', 'production', '--reason', 'from b']);
    await cliPasses(a.dir, ['demote', 'fraud@1.0.0', 'staging', '--reason', 'from a']);
    await cliPasses(b.dir, ['push'], kind.env);
    await cliPasses(a.dir, ['push'], kind.env);
    const aPull = await cliPasses(a.dir, ['pull', '--json'], kind.env);
    expect(aPull.json.versions.filter((v: { new: boolean }) => v.new).map((v: { version: string }) => v.version)).toStrictEqual(['1.1.0']);
    await cliPasses(b.dir, ['pull'], kind.env);
    const idsA = await historyIds(a, kind.env);
    const idsB = await historyIds(b, kind.env);
    expect(new Set(idsA).size).toBe(idsA.length);
    expect(idsA).toHaveLength(5); // register 1.0.0, staging (a); register 1.1.0, production (b); demote (a)
    expect([...idsA].sort()).toStrictEqual([...idsB].sort());
    // A third pull changes nothing.
    expect((await cliPasses(a.dir, ['pull', '--json'], kind.env)).json.events).toBe(0);
    expect(await historyIds(a, kind.env)).toStrictEqual(idsA);
    await cliPasses(a.dir, ['verify'], kind.env);
    await cliPasses(b.dir, ['verify'], kind.env);

    // A clone of the remote holds the same versions, and verifies clean with every blob pulled.
    const c = await verifyRemote(kind, remote);
    expect((await cliPasses(c, ['ls', 'fraud', '--json'], kind.env)).json.map((r: { version: string }) => r.version)).toStrictEqual(['1.0.0', '1.1.0']);
    expect([...(await historyIds(c, kind.env))].sort()).toStrictEqual([...idsA].sort());
    expect((await cliPasses(c, ['remote', 'ls', '--json'], kind.env)).json).toMatchObject([{ name: 'origin', url: remote.url, default: true }]);
  });

  it('a version held with other content on the remote is a conflict, never an overwrite, for push and pull', async () => {
    const remote = kind.fresh();
    const a = await newProject();
    const b = await newProject();
    a.file('model.bin', 'weights from a');
    b.file('model.bin', 'weights from b');
    const ra = await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0', '--json']);
    const rb = await cliPasses(b.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0', '--json']);
    const digest = async (p: Project) => (await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json'])).json.digest as string;
    const [da, db] = [await digest(a), await digest(b)];
    expect(ra.json.hash).not.toBe(rb.json.hash);
    await withRemote(kind, a, remote);
    await withRemote(kind, b, remote);
    await cliPasses(a.dir, ['push'], kind.env);
    const blobsBefore = kind.blobs(remote.url);

    const refused = await cliFails(b.dir, ['push'], 1, new RegExp(`fraud@1\\.0\\.0 exists on remote origin .* with other content: local ${db}, remote ${da}; a version is never overwritten`), kind.env);
    expect(refused.stderr).toMatch(/hint: run mreg rebase-version fraud@1\.0\.0 --remote origin \(it moves your content to the next free version/);
    const json = await cliFails(b.dir, ['push', '--json'], 1, /fraud@1\.0\.0 exists on remote/, kind.env);
    expect(json.json.error).toMatchObject({ code: 'CONFLICT', data: { conflicts: [{ model: 'fraud', version: '1.0.0', local: db, remote: da }] } });
    expect(kind.blobs(remote.url)).toStrictEqual(blobsBefore); // stopped before uploading anything
    await cliFails(b.dir, ['pull'], 1, new RegExp(`fraud@1\\.0\\.0 exists on remote origin .* local ${db}, remote ${da}`), kind.env);
    expect(await digest(b)).toBe(db);
    await cliPasses(b.dir, ['verify']);

    // The remote still holds a's version, complete.
    const c = await verifyRemote(kind, remote);
    expect((await cliPasses(c, ['show', 'fraud@1.0.0', '--json'])).json.digest).toBe(da);
  });

  it('two stores that promoted different versions into an exclusive stage get STAGE_CONFLICT after a pull, settled by promoting again', async () => {
    const remote = kind.fresh();
    const a = await newProject();
    for (const v of ['1.0.0', '2.0.0']) {
      a.file('model.bin', `weights ${v}`);
      await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', v]);
      await cliPasses(a.dir, ['promote', `fraud@${v}`, 'staging']);
    }
    await withRemote(kind, a, remote);
    await cliPasses(a.dir, ['push'], kind.env);
    const b = await newProject();
    await withRemote(kind, b, remote);
    await cliPasses(b.dir, ['pull'], kind.env);

    await cliPasses(a.dir, ['promote', 'fraud@1.0.0', 'production', '--actor', 'alice']);
    await cliPasses(b.dir, ['promote', 'fraud@2.0.0', 'production', '--actor', 'bob']);
    await cliPasses(a.dir, ['push'], kind.env);
    await cliPasses(b.dir, ['push'], kind.env);
    // The pull that merges the other promotion says so, on stderr and in --json.
    const loud = await cliPasses(a.dir, ['pull'], kind.env);
    expect(loud.stderr).toMatch(/warning: STAGE_CONFLICT: fraud: exclusive stage production holds 2 versions: .*mreg promote fraud@2\.0\.0 production/);
    const quiet = await cliPasses(b.dir, ['pull', '--json'], kind.env);
    expect(quiet.json.warnings).toMatchObject([{ code: 'STAGE_CONFLICT', command: 'mreg promote fraud@2.0.0 production' }]);
    for (const p of [a, b]) {
      // Every read of the stage refuses to guess, naming both versions and the settling command.
      const shown = await cliFails(p.dir, ['show', 'fraud@production', '--json'], 1, /exclusive stage production holds 2 versions: 1\.0\.0 .* and 2\.0\.0 /, kind.env);
      expect(shown.json.error).toMatchObject({ code: 'STAGE_CONFLICT', data: { versions: expect.arrayContaining(['1.0.0', '2.0.0']), command: 'mreg promote fraud@2.0.0 production' } });
      expect((await cliFails(p.dir, ['export', 'fraud@production', 'out'], 1, /STAGE_CONFLICT|holds 2 versions.*\(mreg promote fraud@2\.0\.0 production, or another of them\)/, kind.env)).stderr).toMatch(/hint: settle it with: mreg promote fraud@2\.0\.0 production/);
    }
    for (const p of [a, b]) {
      const report = await runMreg(['verify', '--json'], { cwd: p.dir, env: kind.env });
      expect(report.code).toBe(1);
      const conflict = (JSON.parse(report.stdout).problems as { code: string; message: string }[]).find((x) => x.code === 'STAGE_CONFLICT');
      expect(conflict?.message).toMatch(/^fraud: exclusive stage production holds 2 versions: /);
      expect(conflict?.message).toMatch(/1\.0\.0 \(promoted at \S+ by alice, event [0-9a-f]{16}\)/);
      expect(conflict?.message).toMatch(/2\.0\.0 \(promoted at \S+ by bob, event [0-9a-f]{16}\)/);
    }
    await cliPasses(a.dir, ['promote', 'fraud@2.0.0', 'production']);
    await cliPasses(a.dir, ['push'], kind.env);
    await cliPasses(b.dir, ['pull'], kind.env);
    for (const p of [a, b]) {
      await cliPasses(p.dir, ['verify'], kind.env);
      expect((await cliPasses(p.dir, ['show', 'fraud@production', '--json'], kind.env)).json.version).toBe('2.0.0');
    }
  });

  it('a corrupt blob on the remote is refused by pull and export, named, and never stored', async () => {
    const remote = kind.fresh();
    const a = await newProject();
    a.file('model.bin', randomContent(256 * 1024));
    await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    await withRemote(kind, a, remote);
    await cliPasses(a.dir, ['push'], kind.env);
    const [sha] = kind.blobs(remote.url);
    flipByte(kind.blobFile(remote.url, sha!), 1000);

    const b = await newProject();
    await withRemote(kind, b, remote);
    const message = new RegExp(`fraud@1\\.0\\.0:model\\.bin: blob ${sha} from remote origin .* is corrupt: its bytes hash to [0-9a-f]{64}.*; it was not stored`);
    await cliFails(b.dir, ['pull', 'fraud@1.0.0'], 1, message, kind.env);
    const json = await cliFails(b.dir, ['pull', 'fraud', '--json'], 1, message, kind.env);
    expect(json.json.error).toMatchObject({ code: 'CORRUPT_BLOB', data: { sha256: sha } });
    // export fetches on demand through src/api/export.ts, which does not hand the environment on to
    // the remote yet: a real process, whose own environment the S3 client falls back to.
    await cliFails(b.dir, ['export', 'fraud', 'out'], 1, message, kind.env);
    expect(blobFiles(b.store)).toStrictEqual([]);
    expect(readdirSync(join(b.store, 'tmp'))).toStrictEqual([]);
    expect(readdirSync(join(b.dir, 'out'))).toStrictEqual([]); // no file of the version appeared
    await cliPasses(b.dir, ['verify'], kind.env);
  });

  it('remote add, ls and rm keep config.yaml comments and keys; bad input is one line and writes nothing', async () => {
    const remote = kind.fresh();
    const p = await newProject();
    const configPath = join(p.store, 'config.yaml');
    writeFileSync(configPath, `${readFileSync(configPath, 'utf8')}\n# our team's remotes\nmetrics: {latency_ms: lower} # keep me\n`);
    const before = readFileSync(configPath, 'utf8');
    await cliFails(p.dir, ['remote', 'add', 'Bad/Name', remote.url], 2, /invalid remote name "Bad\/Name": it contains a slash/);
    await cliFails(p.dir, ['remote', 'add', 'x', 'ftp://host/dir'], 2, /invalid remote URL "ftp:\/\/host\/dir": it has an unsupported scheme/);
    await cliFails(p.dir, ['remote', 'add', 'x', 's3://Bad_Bucket/p'], 2, /invalid remote URL .*: it has an invalid bucket name/);
    await cliFails(p.dir, ['remote', 'add', 'x', '/tmp/somewhere', '--endpoint', 'http://127.0.0.1:9'], 2, /--endpoint applies only to an s3:\/\/ remote/);
    await cliFails(p.dir, ['remote', 'add', 'x', 's3://bucket/p', '--endpoint', 'http://user:secret@127.0.0.1:9'], 2, /must not hold credentials/);
    await cliFails(p.dir, ['remote', 'add', 'x'], 2, /remote add needs a name and a URL/);
    await cliFails(p.dir, ['remote', 'frob'], 2, /unknown remote action "frob"/);
    await cliFails(p.dir, ['push'], 2, /no remote configured/);
    expect(readFileSync(configPath, 'utf8')).toBe(before);

    await cliPasses(p.dir, ['remote', 'add', 'origin', remote.url, ...remote.args]);
    await cliPasses(p.dir, ['remote', 'add', 'backup', remote.url, ...remote.args, '--default']);
    await cliFails(p.dir, ['remote', 'add', 'origin', remote.url], 1, /remote origin already exists/);
    const listed = (await cliPasses(p.dir, ['remote', 'ls', '--json'])).json;
    expect(listed).toMatchObject([{ name: 'backup', default: true }, { name: 'origin', default: false }]);
    const text = readFileSync(configPath, 'utf8');
    expect(text.startsWith(before.trimEnd())).toBe(true); // everything that was there, untouched
    expect(text).toMatch(/remotes:\n {2}origin:\n {4}url: /);
    await cliPasses(p.dir, ['remote', 'rm', 'backup']);
    await cliPasses(p.dir, ['remote', 'rm', 'origin']);
    await cliFails(p.dir, ['remote', 'rm', 'origin'], 1, /no remote named "origin"/);
    expect(readFileSync(configPath, 'utf8')).toBe(before);
    expect((await cliPasses(p.dir, ['remote', 'ls'])).stdout).toMatch(/no remotes/);
  });
}
