// What the store must survive (shared/design/RELIABILITY.md): concurrent writers, SIGKILL at any
// moment, corrupted and missing blobs, leftovers of interrupted writes. Real processes throughout.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, runMregProcess, spawnMreg } from '../helpers/cli.js';
import { blobFiles, flipByte, newProject, writeLargeFile } from '../helpers/store.js';

/**
 * The temp file a child's write is filling (temp names start with the writer's pid), once it holds at
 * least `bytes`; undefined if the child exits first.
 */
async function tempFileReaching(dir: string, child: ChildProcess, bytes: number): Promise<string | undefined> {
  while (child.exitCode === null && child.signalCode === null) {
    const name = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(`${child.pid}-`)) : undefined;
    const st = name ? statSync(join(dir, name), { throwIfNoEntry: false }) : undefined;
    if (st && st.size >= bytes) return join(dir, name!);
    await new Promise((r) => setTimeout(r, 2));
  }
  return undefined;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('concurrent writers', () => {
  it('8 processes registering one model at once get 8 distinct, complete versions', async () => {
    const p = await newProject();
    for (let i = 0; i < 8; i++) p.file(`w${i}.bin`, `weights ${i}`);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runMregProcess(['register', 'm', `w${i}.bin`, '--change', 'patch', '--json'], { cwd: p.dir })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const versions = results.map((r) => JSON.parse(r.stdout).version).sort();
    expect(versions).toStrictEqual(['0.0.1', '0.0.2', '0.0.3', '0.0.4', '0.0.5', '0.0.6', '0.0.7', '0.0.8']);
    const verify = await cliPasses(p.dir, ['verify', '--json']);
    expect(verify.json).toMatchObject({ ok: true, problems: [], checked: { manifests: 8, blobs: 8 } });
    expect(readdirSync(join(p.store, 'tmp'))).toStrictEqual([]);
    expect(readdirSync(join(p.store, 'locks'))).toStrictEqual([]);
  });

  it('8 processes storing the same bytes leave one sound blob', async () => {
    const p = await newProject();
    writeLargeFile(join(p.dir, 'same.bin'), 8 << 20);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runMregProcess(['register', `m${i}`, 'same.bin', '--change', 'major'], { cwd: p.dir })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(blobFiles(p.store)).toHaveLength(1);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);
  });
});

describe('crashes', () => {
  it('SIGKILL at random moments while storing a large file never leaves damage visible', async () => {
    const p = await newProject();
    const size = 48 << 20;
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      writeLargeFile(join(p.dir, 'big.bin'), size); // new bytes each round: a real copy every time
      const child = spawnMreg(['register', 'big', 'big.bin', '--change', 'patch'], { cwd: p.dir });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // A random moment inside the copy: once the blob's temp file holds a random share of the bytes.
      const target = Math.floor(size * (0.02 + Math.random() * 0.5));
      const temp = await tempFileReaching(join(p.store, 'tmp'), child, target);
      child.kill('SIGKILL');
      await exited;
      // The kill landed inside the write: mreg was killed, not finished, and left a partial temp file.
      expect(child.signalCode, `round ${round}`).toBe('SIGKILL');
      expect(temp, `round ${round}: the copy was never seen under way`).toBeDefined();
      const left = statSync(temp!).size;
      expect(left, `round ${round}`).toBeGreaterThanOrEqual(target);
      // At most whole: the kernel copy can be complete while mreg hashes and fsyncs the temp file, before its rename.
      expect(left, `round ${round}`).toBeLessThanOrEqual(size);
      const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
      expect(verify.code, verify.stdout).toBe(0);
      const report = JSON.parse(verify.stdout);
      expect(report.problems).toStrictEqual([]);
      for (const w of report.warnings) expect(['TEMP_FILE', 'STALE_LOCK']).toContain(w.code);
      expect(report.warnings.map((w: { message: string }) => w.message)).toContain(`tmp/${basename(temp!)}: left by an interrupted write (removed by mreg gc)`);
    }
    // Whatever state the kills left, the next register works and the store stays sound.
    writeLargeFile(join(p.dir, 'big.bin'), size);
    await cliPasses(p.dir, ['register', 'big', 'big.bin', '--change', 'patch']);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.problems).toStrictEqual([]);
  });

  it('a lock left by a dead process is reported by verify and taken over by the next writer', async () => {
    const p = await newProject();
    p.file('a.bin', 'a');
    mkdirSync(join(p.store, 'locks'), { recursive: true });
    writeFileSync(join(p.store, 'locks', 'model-m.lock'), JSON.stringify({ pid: await deadPid(), host: (await import('node:os')).hostname(), nonce: 'x', since: Date.now() }));
    const verify = await cliPasses(p.dir, ['verify', '--json']);
    expect(verify.json.ok).toBe(true);
    expect(verify.json.warnings.map((w: { code: string }) => w.code)).toStrictEqual(['STALE_LOCK']);
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => {
        p.file(`w${i}.bin`, `w${i}`);
        return runMregProcess(['register', 'm', `w${i}.bin`, '--change', 'minor', '--json'], { cwd: p.dir });
      }),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results.map((r) => JSON.parse(r.stdout).version).sort()).toStrictEqual(['0.1.0', '0.2.0', '0.3.0', '0.4.0']);
    expect(existsSync(join(p.store, 'locks', 'model-m.lock'))).toBe(false);
  });
});

describe('corruption', () => {
  it('a flipped byte is reported by verify (exit 1) and refused by export, which writes nothing', async () => {
    const p = await newProject();
    p.file('m/a.bin', 'good bytes here');
    p.file('m/b.bin', 'other bytes');
    const reg = await cliPasses(p.dir, ['register', 'm', 'm', '--change', 'major', '--json']);
    const victim = reg.json.artifacts.find((a: { path: string }) => a.path === 'b.bin').sha256;
    flipByte(join(p.store, 'objects', victim.slice(0, 2), victim), 3);
    const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].code).toBe('BLOB_CORRUPT');
    expect(report.problems[0].message).toContain(victim);
    expect(report.problems[0].message).toContain('m@1.0.0:b.bin');
    const human = await runMreg(['verify'], { cwd: p.dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/problem BLOB_CORRUPT: blob [0-9a-f]{64} is corrupt/);

    await cliFails(p.dir, ['export', 'm', 'out'], 1, new RegExp(`m@1\\.0\\.0: b\\.bin: blob ${victim} is corrupt.*nothing was exported`));
    expect(existsSync(join(p.dir, 'out'))).toBe(false); // not even the directory export made
  });

  it('a missing blob, a truncated blob, a stray symlink and an edited manifest are all problems', async () => {
    const p = await newProject();
    p.file('a.bin', 'aaaa');
    p.file('b.bin', 'bbbb');
    const a = (await cliPasses(p.dir, ['register', 'a', 'a.bin', '--change', 'patch', '--json'])).json.artifacts[0].sha256;
    const b = (await cliPasses(p.dir, ['register', 'b', 'b.bin', '--change', 'patch', '--json'])).json.artifacts[0].sha256;
    rmSync(join(p.store, 'objects', a.slice(0, 2), a));
    writeFileSync(join(p.store, 'objects', b.slice(0, 2), b), 'bb', { mode: 0o644 });
    symlinkSync('/etc', join(p.store, 'objects', 'ff'));
    const manifest = join(p.store, 'models/b/0.0.1.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('tester@example.com', 'mallory'), { mode: 0o644 });
    p.file('c.bin', 'c');
    await cliPasses(p.dir, ['register', 'c', 'c.bin', '--change', 'patch', '--metric', 'auc=0.5']);
    const cm = join(p.store, 'models/c/0.0.1.yaml');
    writeFileSync(cm, readFileSync(cm, 'utf8').replace('auc: 0.5', 'auc: 0.99'), { mode: 0o644 });
    const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    const codes = JSON.parse(verify.stdout).problems.map((x: { code: string }) => x.code).sort();
    expect(codes).toStrictEqual(['BLOB_CORRUPT', 'BLOB_MISSING', 'MANIFEST_INVALID', 'MANIFEST_INVALID', 'UNEXPECTED_ENTRY']);
    await cliFails(p.dir, ['show', 'c'], 1, /models\/c\/0\.0\.1\.yaml: digest: does not match the manifest's content/);
  });

  it('temp files left by an interrupted write are warnings, not damage', async () => {
    const p = await newProject();
    writeFileSync(join(p.store, 'tmp', '123-abc.tmp'), 'partial');
    const verify = await cliPasses(p.dir, ['verify', '--json']);
    expect(verify.json.ok).toBe(true);
    expect(verify.json.warnings).toStrictEqual([{ code: 'TEMP_FILE', message: 'tmp/123-abc.tmp: left by an interrupted write (removed by mreg gc)' }]);
    const human = await cliPasses(p.dir, ['verify']);
    expect(human.stderr).toMatch(/^warning: tmp\/123-abc\.tmp/m);
  });
});
