// Remotes in a plain directory (a network share): the shared scenarios, two processes pushing
// conflicting versions at once, a push killed mid-blob, and a remote with symlinks planted in it.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, runMregProcess, spawnMreg, tempDir } from '../helpers/cli.js';
import { teamScenarios } from '../helpers/team-scenarios.js';
import { remoteScenarios, verifyRemote, withRemote, type RemoteKind } from '../helpers/remote-scenarios.js';
import { newProject, randomContent, writeLargeFile } from '../helpers/store.js';

function blobsIn(root: string): string[] {
  const objects = join(root, 'objects');
  if (!existsSync(objects)) return [];
  return readdirSync(objects).flatMap((fan) => readdirSync(join(objects, fan))).sort();
}

const kind: RemoteKind = {
  fresh: () => ({ url: tempDir('mreg-remote-dir-'), args: [] }),
  env: { CI: '1' },
  blobFile: (url, sha) => join(url, 'objects', sha.slice(0, 2), sha),
  blobs: blobsIn,
};

describe('directory remote', () => {
  remoteScenarios(kind);
  teamScenarios(kind);

  it('a version that git and a pull brought with different content is a VERSION_CONFLICT for verify; identical bytes are one version', async () => {
    const a = await newProject();
    const b = await newProject();
    a.file('model.bin', 'weights from a');
    b.file('model.bin', 'weights from b');
    await cliPasses(a.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    await cliPasses(b.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    const pulledDir = join(b.store, 'pulled', 'models', 'fraud');
    mkdirSync(pulledDir, { recursive: true });
    // Identical bytes (git brought what a pull brought): silent, and counted once.
    writeFileSync(join(pulledDir, '1.0.0.yaml'), readFileSync(join(b.store, 'models', 'fraud', '1.0.0.yaml')));
    expect((await cliPasses(b.dir, ['verify', '--json'])).json.checked.manifests).toBe(1);
    expect((await cliPasses(b.dir, ['ls', 'fraud', '--json'])).json).toHaveLength(1);
    // Other content: reported, naming both files; the tracked one is what reads see.
    chmodSync(join(pulledDir, '1.0.0.yaml'), 0o644);
    writeFileSync(join(pulledDir, '1.0.0.yaml'), readFileSync(join(a.store, 'models', 'fraud', '1.0.0.yaml')));
    const report = await runMreg(['verify', '--json'], { cwd: b.dir, env: kind.env });
    expect(report.code).toBe(1);
    expect(JSON.parse(report.stdout).problems).toMatchObject([{ code: 'VERSION_CONFLICT', message: expect.stringMatching(/^fraud@1\.0\.0: git holds sha256:\S+ \(models\/fraud\/1\.0\.0\.yaml\) but the remote holds sha256:\S+ \(pulled\/models\/fraud\/1\.0\.0\.yaml\)/) }]);
  });

  it('two processes pushing conflicting versions at once: exactly one wins, the other exits 1 naming both hashes', async () => {
    for (let round = 0; round < 3; round++) {
      const remote = tempDir('mreg-remote-race-');
      const stores = [await newProject(), await newProject()];
      const digests: string[] = [];
      for (const [i, p] of stores.entries()) {
        p.file('model.bin', randomContent(512 * 1024 + i));
        await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
        digests.push((await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json'])).json.digest);
        // A file:// URL names the same directory.
        await withRemote(kind, p, { url: i === 0 ? remote : pathToFileURL(remote).href, args: [] });
      }
      const results = await Promise.all(stores.map((p) => runMregProcess(['push'], { cwd: p.dir, env: kind.env })));
      const winners = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
      expect(winners, results.map((r) => r.stderr).join('\n')).toHaveLength(1);
      const loser = results[1 - winners[0]!]!;
      expect(loser.code).toBe(1);
      expect(loser.stderr).toMatch(new RegExp(`fraud@1\\.0\\.0 exists on remote origin .* local ${digests[1 - winners[0]!]}, remote ${digests[winners[0]!]}`));
      const clone = await verifyRemote(kind, { url: remote, args: [] });
      expect((await cliPasses(clone, ['show', 'fraud@1.0.0', '--json'])).json.digest).toBe(digests[winners[0]!]);
      expect((await cliPasses(clone, ['history', 'fraud', '--json'])).json).toHaveLength(1);
    }
  });

  it('a push killed mid-blob leaves no partial blob visible; pushing again completes it', async () => {
    const size = 48 * 1024 * 1024;
    // One push killed once the copy into the remote's tmp/ has bytes in it (temp names start with the
    // pid). Under load the copy may finish between the look and the kill: such a try is made again.
    async function killedMidCopy() {
      const remote = tempDir('mreg-remote-kill-');
      const p = await newProject();
      writeLargeFile(join(p.dir, 'big.bin'), size);
      await cliPasses(p.dir, ['register', 'fraud', 'big.bin', '--version', '1.0.0']);
      await withRemote(kind, p, { url: remote, args: [] });
      const child = spawnMreg(['push'], { cwd: p.dir, env: kind.env });
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      const tmp = join(remote, 'tmp');
      let temp: string | undefined;
      while (!temp && child.exitCode === null) {
        const name = existsSync(tmp) ? readdirSync(tmp).find((f) => f.startsWith(`${child.pid}-`)) : undefined;
        if (name && (statSync(join(tmp, name), { throwIfNoEntry: false })?.size ?? 0) > 0) temp = join(tmp, name);
        else await new Promise((r) => setTimeout(r, 2));
      }
      child.kill('SIGKILL');
      await exited;
      const partial = temp === undefined ? undefined : statSync(temp, { throwIfNoEntry: false })?.size;
      return { remote, p, signal: child.signalCode, partial };
    }
    let run = await killedMidCopy();
    for (let tries = 1; tries < 5 && !(run.partial! > 0 && run.partial! < size); tries++) run = await killedMidCopy();
    const { remote, p } = run;
    // The kill landed inside the blob's copy: push was killed, not finished, and its temp file is partial.
    expect(run.signal).toBe('SIGKILL');
    expect(run.partial, 'no kill in five pushes landed inside the copy into the remote').toBeGreaterThan(0);
    expect(run.partial).toBeLessThan(size);
    // Nothing under objects/ (the blob was never whole), and no manifest without its blob.
    expect(blobsIn(remote)).toStrictEqual([]);
    expect(existsSync(join(remote, 'models', 'fraud', '1.0.0.yaml'))).toBe(false);
    await cliPasses(p.dir, ['verify']);
    await cliPasses(p.dir, ['push'], kind.env);
    await verifyRemote(kind, { url: remote, args: [] });
  });

  it('refuses to follow a symlink planted in the remote, reading or writing', async () => {
    const remote = tempDir('mreg-remote-link-');
    const elsewhere = tempDir('mreg-elsewhere-');
    const p = await newProject();
    p.file('model.bin', 'weights');
    const reg = await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0', '--json']);
    const sha = reg.json.artifacts[0].sha256 as string;
    await withRemote(kind, p, { url: remote, args: [] });
    mkdirSync(join(remote, 'objects'));
    symlinkSync(elsewhere, join(remote, 'objects', sha.slice(0, 2)));
    await cliFails(p.dir, ['push'], 1, new RegExp(`objects/${sha.slice(0, 2)} is a symlink; refusing to follow it`), kind.env);
    expect(readdirSync(elsewhere)).toStrictEqual([]);

    const other = tempDir('mreg-remote-link2-');
    writeFileSync(join(other, 'mreg-remote.json'), '{"format":1}\n');
    symlinkSync(elsewhere, join(other, 'models'));
    const q = await newProject();
    await withRemote(kind, q, { url: other, args: [] });
    await cliFails(q.dir, ['pull'], 1, /models is a symlink; refusing to follow it/, kind.env);
  });

  it('validates what it reads from a remote: an edited manifest is refused, a tampered history line skipped', async () => {
    const remote = tempDir('mreg-remote-hostile-');
    const p = await newProject();
    p.file('model.bin', 'weights');
    await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', '1.0.0']);
    await withRemote(kind, p, { url: remote, args: [] });
    await cliPasses(p.dir, ['push'], kind.env);
    writeFileSync(join(remote, 'history', 'fraud', '20260101T000000Z-0123456789abcdef.jsonl'), '{"id":"forged","event":"promote","sum":"0"}\n');
    const q = await newProject();
    await withRemote(kind, q, { url: remote, args: [] });
    const pulled = await cliPasses(q.dir, ['pull', '--json'], kind.env);
    expect(pulled.json).toMatchObject({ events: 1, skipped_events: 1 });
    expect((await cliPasses(q.dir, ['pull'], kind.env)).stderr).toMatch(/warning: 1 history line on the remote failed its checksum/);

    const manifest = join(remote, 'models', 'fraud', '1.0.0.yaml');
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^actor: .*$/m, 'actor: mallory@example.com'));
    const r = await newProject();
    await withRemote(kind, r, { url: remote, args: [] });
    await cliFails(r.dir, ['pull'], 1, /remote origin .*: models\/fraud\/1\.0\.0\.yaml: checksum: does not match the manifest/, kind.env);
    expect(existsSync(join(r.store, 'models', 'fraud'))).toBe(false);
    await cliPasses(r.dir, ['verify']);
  });

  it('clone refuses a location that holds no registry, and an existing store; writes nothing', async () => {
    const empty = tempDir('mreg-remote-empty-');
    const dir = tempDir();
    await cliFails(dir, ['clone', empty, 'proj'], 1, /no mreg registry at .*nothing has been pushed there/);
    expect(existsSync(join(dir, 'proj'))).toBe(false);
    await cliFails(dir, ['clone', join(dir, 'missing')], 1, /is not a directory/);
    const p = await newProject();
    await cliFails(p.dir, ['clone', empty], 1, /\.modelreg already exists; clone makes a new store/);
    await cliFails(dir, ['clone', 'relative-is-fine-but-missing'], 1, /is not a directory/);
  });
});
