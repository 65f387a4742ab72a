// Store locks (src/store/lock.ts): which owner tokens count as an owner, when a lock is judged abandoned
// (dead pid, reused pid, old foreign lock, old unreadable file), the guard every taker must hold and how
// deep guards of guards go, the exact LOCKED refusal, and errors of the file system passed through.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutOf, lockPath, type Layout } from '../../src/store/layout.js';
import { acquireLock, isAbandonedLock } from '../../src/store/lock.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';

function storeLayout(): Layout {
  const layout = layoutOf(join(tempDir('mreg-lock2-'), '.modelreg'));
  mkdirSync(layout.locks, { recursive: true });
  mkdirSync(layout.tmp, { recursive: true });
  return layout;
}

let dead: number | undefined;
async function deadPid(): Promise<number> {
  if (dead === undefined) {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    dead = child.pid!;
  }
  return dead;
}

/** Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses). */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
  return fields[22 - 3]!;
}

const guardOf = (path: string, content: string) => `${path}.guard-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;

/** Sets a file's mtime `ms` into the past. */
function age(path: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
}

async function takes(layout: Layout, name: string): Promise<void> {
  await (await acquireLock(layout, name, { timeoutMs: 0 })).release();
}

describe('owner tokens', () => {
  it('name this process, its host and its start time, and a fresh nonce per lock', async () => {
    const layout = storeLayout();
    const before = Date.now();
    const a = await acquireLock(layout, 'a');
    const b = await acquireLock(layout, 'b');
    const ta = JSON.parse(readFileSync(lockPath(layout, 'a'), 'utf8'));
    const tb = JSON.parse(readFileSync(lockPath(layout, 'b'), 'utf8'));
    expect(Object.keys(ta)).toStrictEqual(['pid', 'host', 'nonce', 'started', 'since']);
    expect(ta).toMatchObject({ pid: process.pid, host: hostname(), started: startTime(process.pid) });
    expect(ta.started).toMatch(/^\d+$/);
    expect(ta.nonce).toMatch(/^[0-9a-f]{24}$/);
    expect(ta.nonce).not.toBe(tb.nonce);
    expect(ta.since).toBeGreaterThanOrEqual(before);
    expect(ta.since).toBeLessThanOrEqual(Date.now());
    await a.release();
    await b.release();
  });

  it('a live pid whose start time differs is a reused pid: its lock is taken over; the right start time holds', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'm');
    const token = { pid: process.pid, host: hostname(), nonce: 'n', since: Date.now() };
    writeFileSync(path, JSON.stringify({ ...token, started: startTime(process.pid) }));
    expect(await isAbandonedLock(path)).toBe(false);
    await failure(acquireLock(layout, 'm', { timeoutMs: 0 }));
    writeFileSync(path, JSON.stringify({ ...token, started: '1' }));
    expect(await isAbandonedLock(path)).toBe(true);
    await takes(layout, 'm');
    expect(readdirSync(layout.locks)).toStrictEqual([]);
  });

  it('a token missing any field is an unreadable owner: held while the file is recent, taken over once it is 10 s old', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'm');
    const full = { pid: await deadPid(), host: hostname(), nonce: 'n', since: Date.now() };
    const partials: unknown[] = [];
    const wrongType: Record<string, unknown> = { pid: String(full.pid), host: 1, nonce: 1, since: String(full.since) };
    for (const key of Object.keys(full)) {
      const copy: Record<string, unknown> = { ...full };
      delete copy[key];
      partials.push(copy, { ...full, [key]: wrongType[key] });
    }
    for (const raw of [...partials.map((p) => JSON.stringify(p)), 'not json', 'null', '']) {
      writeFileSync(path, raw);
      const err = await failure(acquireLock(layout, 'm', { timeoutMs: 0 }));
      expect(err.code, raw).toBe('LOCKED');
      expect(err.message, raw).toBe(`the store is locked by an unreadable owner (${path})`);
      expect(await isAbandonedLock(path), raw).toBe(true);
      age(path, 9_000);
      expect((await failure(acquireLock(layout, 'm', { timeoutMs: 0 }))).code, raw).toBe('LOCKED');
      age(path, 11_000);
      await takes(layout, 'm');
      expect(existsSync(path)).toBe(false);
    }
    // A complete token of a dead owner is taken over at once, however recent.
    writeFileSync(path, JSON.stringify(full));
    await takes(layout, 'm');
  });

  it('a lock from another host is held for 10 minutes by default, then taken over', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'm');
    const since = Date.now() - 9 * 60_000;
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.example', nonce: 'far', since }));
    const err = await failure(acquireLock(layout, 'm', { timeoutMs: 0 }));
    expect(err.code).toBe('LOCKED');
    expect(err.message).toBe(`the store is locked by process 1 on elsewhere.example since ${new Date(since).toISOString()} (${path})`);
    expect(err.hint).toBe('wait for that process to finish; a lock left by a process that died is taken over automatically');
    expect(err.data).toStrictEqual({ lock: path });
    expect(await isAbandonedLock(path)).toBe(false);
    // Another host's pid is never checked here: pid 1 is alive on this host too, and it does not matter.
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.example', nonce: 'far', since: Date.now() - 11 * 60_000 }));
    expect(await isAbandonedLock(path)).toBe(true);
    await takes(layout, 'm');
    // A dead pid on another host is not a dead owner: only the age counts there.
    writeFileSync(path, JSON.stringify({ pid: await deadPid(), host: 'elsewhere.example', nonce: 'far', since: Date.now() }));
    expect(await isAbandonedLock(path)).toBe(false);
    expect((await failure(acquireLock(layout, 'm', { timeoutMs: 0 }))).code).toBe('LOCKED');
  });

  it('isAbandonedLock: no lock, or one that cannot be read, is not abandoned', async () => {
    const layout = storeLayout();
    expect(await isAbandonedLock(lockPath(layout, 'none'))).toBe(false);
    mkdirSync(lockPath(layout, 'dir'));
    expect(await isAbandonedLock(lockPath(layout, 'dir'))).toBe(false);
  });
});

describe('the guard of a takeover', () => {
  it('a stale lock whose guard is held by a live owner is not taken over; once the guard is gone it is', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'm');
    const stale = JSON.stringify({ pid: await deadPid(), host: hostname(), nonce: 'stale', since: Date.now() });
    writeFileSync(path, stale);
    const guard = guardOf(path, stale);
    writeFileSync(guard, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'guarding', since: Date.now() }));
    const err = await failure(acquireLock(layout, 'm', { timeoutMs: 0 }));
    expect(err.code).toBe('LOCKED');
    expect(err.data).toStrictEqual({ lock: path });
    expect(readFileSync(path, 'utf8')).toBe(stale);
    rmSync(guard);
    await takes(layout, 'm');
    expect(readdirSync(layout.locks)).toStrictEqual([]);
  });

  it('an error taking the guard other than LOCKED passes through (a directory where the guard goes)', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'm');
    const stale = JSON.stringify({ pid: await deadPid(), host: hostname(), nonce: 'stale', since: Date.now() });
    writeFileSync(path, stale);
    mkdirSync(guardOf(path, stale));
    const err = await acquireLock(layout, 'm', { timeoutMs: 0 }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('EISDIR');
    expect(readFileSync(path, 'utf8')).toBe(stale);
  });

  it('stale guards are taken over in turn, three levels deep but not four', async () => {
    const dead = await deadPid();
    const chain = async (levels: number) => {
      const layout = storeLayout();
      let path = lockPath(layout, 'm');
      for (let i = 0; i <= levels; i++) {
        const content = JSON.stringify({ pid: dead, host: hostname(), nonce: `stale-${i}`, since: Date.now() });
        writeFileSync(path, content);
        path = guardOf(path, content);
      }
      return layout;
    };
    const three = await chain(3);
    await takes(three, 'm');
    // The main lock is gone; each guard was taken over and released.
    expect(readdirSync(three.locks).filter((n) => !n.includes('.guard-'))).toStrictEqual([]);
    const four = await chain(4);
    const err = await failure(acquireLock(four, 'm', { timeoutMs: 0 }));
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain(`process ${dead} on ${hostname()}`);
  });
});

describe('the file system', () => {
  it('creates the locks directory when it is missing', async () => {
    const layout = layoutOf(join(tempDir('mreg-lock2-'), '.modelreg'));
    mkdirSync(layout.tmp, { recursive: true });
    const lock = await acquireLock(layout, 'm', { timeoutMs: 0 });
    expect(JSON.parse(readFileSync(lockPath(layout, 'm'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(readdirSync(layout.locks)).toStrictEqual([]);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('passes other errors through: locks/ a file, the lock a directory', async () => {
    const layout = layoutOf(join(tempDir('mreg-lock2-'), '.modelreg'));
    mkdirSync(layout.tmp, { recursive: true });
    writeFileSync(layout.locks, 'not a directory');
    const notDir = await acquireLock(layout, 'm', { timeoutMs: 0 }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(notDir?.code).toBe('ENOTDIR');
    expect(readdirSync(layout.tmp)).toStrictEqual([]);

    const other = storeLayout();
    mkdirSync(lockPath(other, 'm'));
    const isDir = await acquireLock(other, 'm', { timeoutMs: 0 }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(isDir?.code).toBe('EISDIR');
    expect(readdirSync(other.tmp)).toStrictEqual([]);
  });

  it('a release after the lock file vanished does nothing', async () => {
    const layout = storeLayout();
    const lock = await acquireLock(layout, 'm');
    rmSync(lockPath(layout, 'm'));
    await lock.release();
    expect(readdirSync(layout.locks)).toStrictEqual([]);
  });
});
