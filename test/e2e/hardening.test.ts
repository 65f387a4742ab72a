// Hostile and odd inputs (issue 16, points 3 and 10-17): a failed write after the commit point, JavaScript-internal names,
// terminal escapes, special files, absolute paths and the messages for inputs that cannot work.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Renderer } from '../../src/cli/render/render.js';
import { readInterface } from '../../src/core/formats/read.js';
import { hashFile } from '../../src/store/blobs.js';
import { cliFails, cliPasses, runMreg, tempDir } from '../helpers/cli.js';
import { mkfifoSync } from '../helpers/special-files.js';
import { flipByte, newProject } from '../helpers/store.js';

const JS_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

/** A refusal (exit 1 or 2, one clear line), never an internal error. */
async function refused(cwd: string, args: string[], message: RegExp): Promise<void> {
  const r = await runMreg(args, { cwd });
  expect(r.stderr, args.join(' ')).not.toMatch(/internal error|Cannot read properties|is not a function/);
  expect([1, 2], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(message);
}

describe('names that look like JavaScript internals', () => {
  it('as stages, targets, checks and remotes they are unknown names, never internal errors', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch']);
    for (const name of JS_NAMES) {
      await refused(p.dir, ['promote', 'm@0.0.1', name], /unknown stage|invalid/);
      await refused(p.dir, ['deploy', 'm@0.0.1', '--target', name], /unknown target|invalid/);
      await refused(p.dir, ['status', 'm', '--target', name], /unknown target|invalid/);
      await refused(p.dir, ['rollback', 'm', '--target', name], /unknown target|invalid/);
      await refused(p.dir, ['check', 'm@0.0.1', '--only', name], /no check named|invalid/);
      await refused(p.dir, ['remote', 'rm', name], /no remote named|invalid remote name/);
      await refused(p.dir, ['push', name], /no remote|invalid|unknown remote/);
      await refused(p.dir, ['show', `m@${name}`], /invalid reference|invalid/);
      // Exactly like any unknown stage: a usage error (exit 2).
      await cliFails(p.dir, ['impact', 'm@0.0.1', '--fail-on-stage', name], 2, /unknown stage/);
    }
  });

  it('as metric and tag names they are stored and shown like any other', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    p.file('meta.yaml', 'metrics:\n  __proto__: 0.5\n  constructor: 1\n  toString: 2\ntags:\n  hasOwnProperty: x\n  __proto__: y\n');
    const r = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--meta', 'meta.yaml', '--json']);
    expect(r.stderr).not.toMatch(/internal error/);
    const shown = await cliPasses(p.dir, ['show', 'm', '--json']);
    expect(shown.json.metrics).toMatchObject({ constructor: 1, toString: 2 });
    expect(Object.hasOwn(shown.json.metrics, '__proto__')).toBe(true);
    await cliPasses(p.dir, ['show', 'm']);
    await cliPasses(p.dir, ['ls']);
  });
});

describe('absolute paths are accepted by every command that takes a path', () => {
  // Each command runs from an unrelated directory, so a path joined to the working directory would not exist.
  it('scan, register (paths and --meta), bump, export, key generate/trust, sign, remote add, push, clone, --store', async () => {
    const p = await newProject();
    const elsewhere = tempDir();
    const abs = (rel: string) => join(p.dir, rel);
    p.file('model/w.bin', '\0w');
    p.file('model.pkl', readFileSync('test/fixtures/pickles/benign_dict_p4.pkl'));
    p.file('meta.yaml', 'metrics:\n  auc: 0.9\n');
    const store = ['--store', p.store];

    const scanned = await cliPasses(elsewhere, ['scan', abs('model.pkl'), abs('model'), '--json']);
    expect(scanned.json.files.map((f: { path: string }) => f.path)).toEqual([abs('model.pkl'), join(abs('model'), 'w.bin')]);
    const reg = await cliPasses(elsewhere, ['register', 'm', abs('model'), abs('model.pkl'), '--meta', abs('meta.yaml'), '--change', 'patch', ...store, '--json']);
    expect(reg.json.artifacts.map((a: { path: string }) => a.path)).toEqual(['model.pkl', 'w.bin']);
    await cliPasses(elsewhere, ['bump', 'm', abs('model'), abs('model.pkl'), '--meta', abs('meta.yaml'), '--change', 'patch', ...store]);
    await cliPasses(elsewhere, ['export', 'm@0.0.1', abs('out'), ...store]);
    expect(readdirSync(abs('out')).sort()).toEqual(['model.pkl', 'w.bin']);

    await cliPasses(elsewhere, ['key', 'generate', 'alice', '--out', abs('keys'), ...store]);
    await cliPasses(elsewhere, ['key', 'trust', 'alice', join(abs('keys'), 'alice.pub'), ...store]);
    await cliPasses(elsewhere, ['sign', 'm@0.0.1', '--key', join(abs('keys'), 'alice.key'), ...store]);

    mkdirSync(abs('remote'));
    await cliPasses(elsewhere, ['remote', 'add', 'origin', abs('remote'), ...store]);
    await cliPasses(elsewhere, ['push', ...store]);
    await cliPasses(elsewhere, ['clone', abs('remote'), abs('copy')]);
    const cloned = await cliPasses(elsewhere, ['ls', '--store', join(abs('copy'), '.modelreg'), '--json']);
    expect(JSON.stringify(cloned.json)).toContain('"m"');
    await cliPasses(elsewhere, ['init', '--store', abs('fresh/.modelreg')]);
    expect(existsSync(abs('fresh/.modelreg'))).toBe(true);
  });
});

describe('special files never hang a command', () => {
  it('scan refuses a named pipe and a device with exit 2, naming what they are', async () => {
    const p = await newProject();
    mkfifoSync(join(p.dir, 'p.pkl'));
    await cliFails(p.dir, ['scan', 'p.pkl'], 2, /p\.pkl: a named pipe; only regular files are scanned/);
    await cliFails(p.dir, ['scan', '/dev/zero'], 2, /\/dev\/zero: a device; only regular files are scanned/);
    await cliFails(p.dir, ['scan', '/dev/null'], 2, /\/dev\/null: a device/);
  });

  it('a path swapped for a FIFO after it was checked is refused at open, never waited on', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'w.bin');
    mkfifoSync(fifo);
    // What register does after the walk: hash, read a header, scan. Each opens without blocking and re-checks.
    await expect(hashFile(fifo)).rejects.toThrow(/not a regular file/);
    await expect(readInterface(join(dir, 'x.safetensors')).catch((e: Error) => e.message)).resolves.toMatch(/ENOENT|no such file/);
    const fifo2 = join(dir, 'm.safetensors');
    mkfifoSync(fifo2);
    await expect(readInterface(fifo2)).rejects.toThrow(/not a regular file/);
  });
});

describe('paths that cannot coexist', () => {
  it('register refuses a file a and a directory holding a/b, and case twins, storing nothing', async () => {
    const p = await newProject();
    p.file('a', 'x');
    p.file('d/a/b', 'y');
    await cliFails(p.dir, ['register', 'm', 'a', 'd', '--change', 'patch'], 2, /cannot be stored together: "a" is a file, and "a\/b" needs it to be a directory; nothing was stored/);
    p.file('x/A.bin', '\0A');
    p.file('y/a.bin', '\0a');
    await cliFails(p.dir, ['register', 'm', 'x/A.bin', 'y/a.bin', '--change', 'patch'], 2, /"A\.bin" and "a\.bin" differ only in case/);
    p.file('n/caf\u00e9', '\0nfc');
    p.file('o/cafe\u0301', '\0nfd');
    await cliFails(p.dir, ['register', 'm', 'n/caf\u00e9', 'o/cafe\u0301', '--change', 'patch'], 2, /Unicode normalisation/);
    expect(readdirSync(join(p.store, 'models'))).toEqual([]);
  });
});

describe('terminal escapes', () => {
  it('a file name with ESC and OSC sequences never reaches the terminal raw, in any text output', async () => {
    const p = await newProject();
    const evil = 'w\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e.bin';
    p.file(`model/${evil}`, '\0w');
    await cliPasses(p.dir, ['register', 'm', 'model', '--change', 'patch', '-m', 'msg \u001b[31mred']);
    const outputs = [
      await cliPasses(p.dir, ['show', 'm']),
      await cliPasses(p.dir, ['ls']),
      await cliPasses(p.dir, ['ls', 'm']),
      await cliPasses(p.dir, ['history', 'm']),
      await cliPasses(p.dir, ['export', 'm', 'out']),
      await cliPasses(p.dir, ['verify']),
      await cliPasses(p.dir, ['scan', 'model']),
      await cliPasses(p.dir, ['diff', 'm@0.0.1', 'm@0.0.1']),
    ];
    for (const r of outputs) {
      expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    }
    expect(outputs[0]!.stdout).toContain('\\u001b]0;pwned\\u0007');
    // The file itself is exported under its real name.
    expect(readdirSync(join(p.dir, 'out'))).toEqual([evil]);
  });

  it('colour still works: only mreg\'s own codes reach a colour terminal', () => {
    const chunks: string[] = [];
    const stream = Object.assign(new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }), { isTTY: true });
    return Renderer.create({ stdout: stream, stderr: stream }, { json: false, color: true, env: {} }).then((r) => {
      r.warn('file \u001b[2J here');
      const text = chunks.join('');
      expect(text).toContain('\u001b[33mwarning:\u001b[39m');
      expect(text).toContain('file \\u001b[2J here');
      expect(text.replace(/\u001b\[(33|39)m/g, '')).not.toMatch(/\u001b/);
    });
  });
});

describe('export leaves nothing behind on failure', () => {
  it('a blob found damaged half way removes the files and directories already written', async () => {
    const p = await newProject();
    p.file('model/a/x.bin', '\0x'.repeat(100));
    p.file('model/b/c/y.bin', '\0y'.repeat(100));
    const reg = await cliPasses(p.dir, ['register', 'm', 'model', '--change', 'patch', '--json']);
    const y = reg.json.artifacts.find((a: { path: string }) => a.path === 'b/c/y.bin');
    flipByte(join(p.store, 'objects', y.sha256.slice(0, 2), y.sha256), 5);
    mkdirSync(join(p.dir, 'existing'));
    await cliFails(p.dir, ['export', 'm', 'out'], 1, /nothing was exported/);
    expect(existsSync(join(p.dir, 'out'))).toBe(false);
    await cliFails(p.dir, ['export', 'm', 'existing'], 1, /nothing was exported/);
    expect(readdirSync(join(p.dir, 'existing'))).toEqual([]); // kept, since it was there before, and empty again
  });
});

describe('messages for inputs that cannot work name the input and leave nothing behind', () => {
  it('an over-long version or pre-release is INVALID_VERSION, and no model directory is made', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    const long = `1.0.0-${'a'.repeat(300)}`;
    const r = await cliFails(p.dir, ['register', 'm', 'w.bin', '--version', long], 2, /invalid (--)?version "1\.0\.0-a+\.\.\.": longer than 128 characters/);
    expect(r.stderr.length).toBeLessThan(400);
    await cliFails(p.dir, ['bump', 'm', 'w.bin', '--change', 'minor', '--pre', 'a'.repeat(200)], 2, /pre|longer than 128/);
    expect(readdirSync(join(p.store, 'models'))).toEqual([]);
  });

  it('a 40 KB invalid reference is named, not echoed whole', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch']);
    for (const args of [['show', `m@${'x'.repeat(40_000)}`], ['scan', `m@${'x'.repeat(40_000)}`], ['show', 'y'.repeat(40_000)]]) {
      const r = await runMreg(args, { cwd: p.dir });
      expect(r.code, r.stderr.slice(0, 200)).toBe(2);
      expect(r.stderr.length, r.stderr.slice(0, 200)).toBeLessThan(600);
    }
  });

  it('a meta file nested 3,000 levels deep is refused by name, not with a stack overflow', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    p.file('deep.yaml', `params:\n  x: ${'['.repeat(3000)}${']'.repeat(3000)}\n`);
    p.file('deep.json', `{"params": {"x": ${'['.repeat(3000)}${']'.repeat(3000)}}}`);
    await cliFails(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--meta', 'deep.yaml'], 2, /deep\.yaml: nested more than 100 levels deep/);
    await cliFails(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--meta', 'deep.json'], 2, /deep\.json: nested more than 100 levels deep/);
  });

  it('a clone that fails on a bad manifest from the remote leaves no store (and no directory) behind', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch']);
    mkdirSync(join(p.dir, 'remote'));
    await cliPasses(p.dir, ['remote', 'add', 'origin', join(p.dir, 'remote')]);
    await cliPasses(p.dir, ['push']);
    const manifests = findFiles(join(p.dir, 'remote')).filter((f) => /0\.0\.1\.yaml$/.test(f));
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) writeFileSync(m, 'format: 1\nname: m\nversion: 0.0.1\nartifacts: [{path: a, sha256: zz, size: 1}]\n');
    const target = join(tempDir(), 'copy');
    const r = await runMreg(['clone', join(p.dir, 'remote'), target], { cwd: p.dir });
    expect(r.code).not.toBe(0);
    expect(existsSync(target)).toBe(false);
  });
});

function findFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? findFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('a failed write after the commit point is not silent (issue 16, point 3)', () => {
  /** An ENOSPC from the history append, injected (the tests run as root, whom chmod does not stop). */
  const noSpace = async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: 'history/m.jsonl' });
  };

  it('register succeeds with a warning; verify reports the missing event; an unchanged re-run completes it', async () => {
    const p = await newProject();
    p.file('w.bin', '\0weights');
    const { register } = await import('../../src/api/register.js');
    const result = await register({ model: 'm', inputs: ['w.bin'], cwd: p.dir, env: process.env, version: '1.0.0', afterCommit: noSpace });
    expect(result).toMatchObject({ version: '1.0.0', unchanged: false, after_commit: [{ code: 'HISTORY_INCOMPLETE', message: expect.stringMatching(/^m@1\.0\.0 is registered, but its register event could not be written to history\/m\.jsonl \(write history\/m\.jsonl: ENOSPC \(no space left on the device\)\); the next register or promote of m writes it/) }] });
    const report = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(report.code).toBe(1);
    expect(JSON.parse(report.stdout).problems).toMatchObject([{ code: 'REGISTER_EVENT_MISSING', message: expect.stringMatching(/^m@1\.0\.0: registered \(models\/m\/1\.0\.0\.yaml\) but history\/m\.jsonl has no register event for it/) }]);

    const again = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--version', '1.0.0', '--json']);
    expect(again.json.unchanged).toBe(true);
    // The explicit version's unchanged path takes no lock; the latest one does: it completes the event.
    const rerun = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--json']);
    expect(rerun.json).toMatchObject({ version: '1.0.0', unchanged: true });
    const history = (await cliPasses(p.dir, ['history', 'm', '--json'])).json;
    expect(history).toMatchObject([{ event: 'register', version: '1.0.0', actor: expect.any(String), completed: true }]);
    await cliPasses(p.dir, ['verify']);
  });

  it('the next promote completes the missing event before writing its own', async () => {
    const p = await newProject();
    p.file('w.bin', '\0weights');
    const { register } = await import('../../src/api/register.js');
    await register({ model: 'm', inputs: ['w.bin'], cwd: p.dir, env: process.env, version: '1.0.0', afterCommit: noSpace });
    await cliPasses(p.dir, ['promote', 'm@1.0.0', 'staging']);
    expect((await cliPasses(p.dir, ['history', 'm', '--json'])).json.map((e: { event: string }) => e.event)).toEqual(['register', 'promote']);
    await cliPasses(p.dir, ['verify']);
  });
});

describe('many small files (issue 16, point 15)', () => {
  it('a directory of small files registers, re-registers unchanged, exports byte for byte and verifies (speed: npm run bench, MREG_BENCH_ONLY=small-files)', async () => {
    const p = await newProject();
    const count = 500;
    for (let i = 0; i < count; i++) p.file(`files/d${i % 7}/f${i}.txt`, String(i).padStart(5, '0'));
    const first = await cliPasses(p.dir, ['register', 'm', 'files', '--version', '1.0.0', '--json']);
    expect(first.json.artifacts).toHaveLength(count);
    // Every file holds other bytes: one new blob each.
    expect(first.json.bytes_stored).toBe(count * 5);
    expect((await cliPasses(p.dir, ['register', 'm', 'files', '--json'])).json).toMatchObject({ version: '1.0.0', unchanged: true });
    await cliPasses(p.dir, ['export', 'm@1.0.0', 'out']);
    for (const i of [0, 1, 250, count - 1]) expect(readFileSync(join(p.dir, 'out', `d${i % 7}`, `f${i}.txt`), 'utf8')).toBe(String(i).padStart(5, '0'));
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.checked).toMatchObject({ manifests: 1, blobs: count, bytes: count * 5 });
  });

  it('a small blob whose bytes were damaged in the store is repaired from the source, never trusted', async () => {
    const p = await newProject();
    p.file('a.txt', 'hello');
    const { json } = await cliPasses(p.dir, ['register', 'm', 'a.txt', '--version', '1.0.0', '--json']);
    const blob = join(p.store, 'objects', json.artifacts[0].sha256.slice(0, 2), json.artifacts[0].sha256);
    flipByte(blob);
    await cliPasses(p.dir, ['register', 'm', 'a.txt', '--version', '1.0.1', '--rehash']);
    expect(readFileSync(blob, 'utf8')).toBe('hello');
    await cliPasses(p.dir, ['verify']);
  });
});
