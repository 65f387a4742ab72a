// Consuming change files is one atomic step with writing the manifest: the manifest lists the change ids it
// consumes, its create-only link is the commit point, and deleting the files afterwards is tidying up.
// Proven here with a crash between the two steps, SIGKILL at random moments, and concurrent registers.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, runMregProcess, spawnMreg } from '../helpers/cli.js';
import { newProject } from '../helpers/store.js';
import { changeFiles } from '../helpers/versioning.js';

/** change id → the versions whose manifests list it */
function consumers(store: string, model: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let files: string[] = [];
  try {
    files = readdirSync(join(store, 'models', model));
  } catch {
    return out;
  }
  for (const file of files) {
    const m = parse(readFileSync(join(store, 'models', model, file), 'utf8'));
    for (const c of m.changes ?? []) out.set(c.id, [...(out.get(c.id) ?? []), m.version]);
  }
  return out;
}

async function pendingIds(dir: string): Promise<string[]> {
  return (await cliPasses(dir, ['change', 'ls', '--json'])).json.map((c: { id: string }) => c.id);
}

describe('consuming change files', () => {
  it('a crash after the manifest and before the file deletion leaves the change consumed, and the next register tidies up', async () => {
    const p = await newProject();
    p.file('m.bin', 'v1');
    const change = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', 'First', '--json']);
    const text = readFileSync(change.json.path);
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin']);
    // The crash: the manifest is written, the change file is still there.
    writeFileSync(change.json.path, text);

    expect(await pendingIds(p.dir)).toStrictEqual([]);
    expect((await runMreg(['change', 'status', '--require', 'fraud'], { cwd: p.dir })).code).toBe(1);
    await cliFails(p.dir, ['bump', 'fraud'], 2, /no version declared: .*mreg change add fraud /);
    p.file('m.bin', 'v2');
    await cliFails(p.dir, ['register', 'fraud', 'm.bin'], 2, /no version declared: .*mreg change add fraud /);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);

    const next = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'patch', '-m', 'Second', '--json']);
    const reg = await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--json']);
    expect(reg.json).toMatchObject({ version: '0.1.1', changes: [{ id: next.json.id, type: 'patch', summary: 'Second' }] });
    expect(changeFiles(p.store)).toStrictEqual([]); // the leftover went too
    expect(consumers(p.store, 'fraud')).toStrictEqual(new Map([[change.json.id, ['0.1.0']], [next.json.id, ['0.1.1']]]));
  });

  it('SIGKILL at random moments: each change is either pending with no version, or consumed by exactly one version', async () => {
    const p = await newProject();
    const rounds = 12;
    const added: string[] = [];
    for (let round = 0; round < rounds; round++) {
      added.push((await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'patch', '-m', `Round ${round}`, '--json'])).json.id);
      p.file('m.bin', `weights of round ${round}`);
      const child = spawnMreg(['register', 'fraud', 'm.bin'], { cwd: p.dir });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // A register of a small file commits at about 130 ms here (node start-up included): the delays sweep from
      // well before that to well after, with jitter, so kills land before, at and after the commit point.
      await new Promise((resolve) => setTimeout(resolve, 30 + (round * 200) / rounds + Math.random() * 20));
      child.kill('SIGKILL');
      await exited;

      const byId = consumers(p.store, 'fraud');
      const pending = await pendingIds(p.dir);
      const files = changeFiles(p.store).map((f) => f.slice(0, -3));
      for (const id of added) {
        const versions = byId.get(id) ?? [];
        expect(versions.length, `${id} consumed by ${versions.join(', ')}`).toBeLessThanOrEqual(1);
        if (versions.length === 1) expect(pending).not.toContain(id);
        else {
          expect(pending, `round ${round}: ${id} is neither consumed nor pending`).toContain(id);
          expect(files).toContain(id);
        }
      }
      const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
      expect(JSON.parse(verify.stdout).problems).toStrictEqual([]);
    }
    // Whatever the kills left, the next register takes every pending change and leaves no change file behind.
    added.push((await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'patch', '-m', 'Final', '--json'])).json.id);
    const before = await pendingIds(p.dir);
    p.file('m.bin', 'final weights');
    const reg = await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--json']);
    expect(reg.json.changes.map((c: { id: string }) => c.id).sort()).toStrictEqual([...before].sort());
    expect(changeFiles(p.store)).toStrictEqual([]);
    const byId = consumers(p.store, 'fraud');
    expect([...byId.keys()].sort()).toStrictEqual([...added].sort());
    for (const versions of byId.values()) expect(versions).toHaveLength(1);
  });

  it('concurrent registers consume a pending change exactly once', async () => {
    const p = await newProject();
    p.file('w0.bin', 'base');
    await cliPasses(p.dir, ['register', 'fraud', 'w0.bin', '--version', '1.0.0']);
    const change = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', 'New features', '--json']);
    for (let i = 1; i <= 6; i++) p.file(`w${i}.bin`, `weights ${i}`);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => runMregProcess(['register', 'fraud', `w${i + 1}.bin`, '--change', 'patch', '--json'], { cwd: p.dir })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const taken = results.map((r) => JSON.parse(r.stdout)).filter((j) => j.changes.length > 0);
    expect(taken).toHaveLength(1);
    expect(taken[0].changes[0].id).toBe(change.json.id);
    expect(consumers(p.store, 'fraud').get(change.json.id)).toStrictEqual([taken[0].version]);
    expect(changeFiles(p.store)).toStrictEqual([]);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);
  });
});
