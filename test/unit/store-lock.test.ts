// Store locks (src/store/lock.ts) within one process: a lock excludes other holders until released,
// a lock whose owner is gone is taken over, and releasing never removes a lock someone else holds.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { layoutOf, lockPath, type Layout } from '../../src/store/layout.js';
import { acquireLock, isAbandonedLock, withLock } from '../../src/store/lock.js';
import { tempDir } from '../helpers/cli.js';

function storeLayout(): Layout {
  const layout = layoutOf(join(tempDir('mreg-lock-'), '.modelreg'));
  mkdirSync(layout.locks, { recursive: true });
  mkdirSync(layout.tmp, { recursive: true });
  return layout;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function lockedError(promise: Promise<unknown>): Promise<MregError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MregError);
  expect((err as MregError).code).toBe('LOCKED');
  return err as MregError;
}

describe('store lock', () => {
  it('holds an owner token naming this process; a second taker waits, then gives up with LOCKED', async () => {
    const layout = storeLayout();
    const lock = await acquireLock(layout, 'model-m');
    const path = lockPath(layout, 'model-m');
    const token = JSON.parse(readFileSync(path, 'utf8'));
    expect(token).toMatchObject({ pid: process.pid, host: hostname() });
    expect(typeof token.nonce).toBe('string');
    const err = await lockedError(acquireLock(layout, 'model-m', { timeoutMs: 50 }));
    expect(err.message).toContain(`process ${process.pid} on ${hostname()}`);
    // Another name is another lock.
    await (await acquireLock(layout, 'model-n', { timeoutMs: 0 })).release();
    await lock.release();
    expect(existsSync(path)).toBe(false);
    await (await acquireLock(layout, 'model-m', { timeoutMs: 0 })).release();
    expect(readdirSync(layout.locks)).toStrictEqual([]);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('a waiting taker gets the lock as soon as it is released', async () => {
    const layout = storeLayout();
    const first = await acquireLock(layout, 'shared');
    let second = false;
    const waiting = acquireLock(layout, 'shared', { timeoutMs: 5_000 }).then((lock) => {
      second = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(second).toBe(false);
    await first.release();
    await (await waiting).release();
    expect(second).toBe(true);
  });

  it('withLock runs one holder at a time and releases after an error', async () => {
    const layout = storeLayout();
    const log: string[] = [];
    const work = (name: string) =>
      withLock(layout, 'shared', async () => {
        log.push(`enter ${name}`);
        await new Promise((r) => setTimeout(r, 10));
        log.push(`exit ${name}`);
      });
    await Promise.all([work('a'), work('b'), work('c')]);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace('enter', 'exit'));
    await expect(withLock(layout, 'shared', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lockPath(layout, 'shared'))).toBe(false);
  });

  it('takes over a lock whose owner process is dead, which verify calls abandoned', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'model-m');
    writeFileSync(path, JSON.stringify({ pid: await deadPid(), host: hostname(), nonce: 'dead', since: Date.now() }));
    expect(await isAbandonedLock(path)).toBe(true);
    const lock = await acquireLock(layout, 'model-m', { timeoutMs: 0 });
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    expect(await isAbandonedLock(path)).toBe(false);
    await lock.release();
    expect(readdirSync(layout.locks)).toStrictEqual([]);
  });

  it('does not take over a live owner, nor a recent lock from another host; an old one from another host is taken', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'model-m');
    // This very process is alive, so a lock naming it is held (pid reuse aside: no start time given).
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'alive', since: Date.now() }));
    await lockedError(acquireLock(layout, 'model-m', { timeoutMs: 30 }));
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.example', nonce: 'far', since: Date.now() }));
    await lockedError(acquireLock(layout, 'model-m', { timeoutMs: 30 }));
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.example', nonce: 'far', since: Date.now() - 60_000 }));
    await (await acquireLock(layout, 'model-m', { timeoutMs: 0, foreignStaleMs: 1_000 })).release();
  });

  it('release with a token that is no longer the holder leaves the new holder\'s lock alone', async () => {
    const layout = storeLayout();
    const path = lockPath(layout, 'model-m');
    const first = await acquireLock(layout, 'model-m');
    // The first holder's lock is replaced behind its back (as a takeover after it was judged gone would).
    const other = JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'someone-else', since: Date.now() });
    writeFileSync(path, other);
    await first.release();
    expect(readFileSync(path, 'utf8')).toBe(other);
  });
});
