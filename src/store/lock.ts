// Store locks: a lock file created atomically (link of a complete temp file) holding an owner token.
// A dead owner's lock is taken over, and a lock is released, only while holding a guard named after
// the token it removes, so two processes can never both take over the same stale lock.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { MregError } from '../errors.js';
import { openTemp, removeQuietly } from './atomic.js';
import { lockPath, type Layout } from './layout.js';

interface Token {
  pid: number;
  host: string;
  nonce: string;
  started?: string; // process start time (Linux), so a reused pid is not taken for the owner
  since: number;
}

export interface LockOptions {
  timeoutMs?: number;
  /** a lock from another host counts as abandoned after this long (pid checks can't reach it) */
  foreignStaleMs?: number;
}

export interface Lock {
  release(): Promise<void>;
}

const MAX_GUARD_DEPTH = 3;
const UNREADABLE_STALE_MS = 10_000;

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 22 (starttime); the command name in field 2 may hold spaces, so count after ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let ownStart: string | undefined | null = null;
function newToken(): Token {
  if (ownStart === null) ownStart = processStart(process.pid);
  return {
    pid: process.pid,
    host: hostname(),
    nonce: randomBytes(12).toString('hex'),
    ...(ownStart === undefined ? {} : { started: ownStart }),
    since: Date.now(),
  };
}

function parseToken(raw: string): Token | undefined {
  try {
    const t = JSON.parse(raw) as Partial<Token>;
    if (typeof t.pid === 'number' && typeof t.host === 'string' && typeof t.nonce === 'string' && typeof t.since === 'number') {
      return t as Token;
    }
  } catch {
    // fall through
  }
  return undefined;
}

function ownerIsGone(token: Token, foreignStaleMs: number): boolean {
  if (token.host !== hostname()) return Date.now() - token.since > foreignStaleMs;
  try {
    process.kill(token.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  return token.started !== undefined && processStart(token.pid) !== token.started;
}

async function tryCreate(layout: Layout, path: string, content: string): Promise<boolean> {
  const temp = await openTemp(layout);
  try {
    await temp.handle.writeFile(content);
    await temp.handle.close();
    try {
      await link(temp.path, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dirname(path), { recursive: true });
      try {
        await link(temp.path, path);
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw again;
      }
    }
    return true;
  } finally {
    await temp.handle.close().catch(() => undefined);
    await removeQuietly(temp.path);
  }
}

async function readRaw(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function guardPath(path: string, content: string): string {
  return `${path}.guard-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

/**
 * Removes an abandoned lock at `path` if it still holds exactly `content`. Runs under the guard for
 * that content, which every taker must hold, so the check and the removal act as one step.
 */
async function removeIfHolds(layout: Layout, path: string, content: string, opts: Required<LockOptions>, depth: number): Promise<boolean> {
  if (depth > MAX_GUARD_DEPTH) return false;
  const guard = guardPath(path, content);
  const guardLock = await acquireAt(layout, guard, { ...opts, timeoutMs: 0 }, depth + 1).catch((err: unknown) => {
    if (err instanceof MregError && err.code === 'LOCKED') return undefined;
    throw err;
  });
  if (!guardLock) return false;
  try {
    if ((await readRaw(path)) !== content) return false;
    // Renaming aside, then deleting, never leaves a half-removed lock under the real name.
    const aside = `${path}.removed-${randomBytes(6).toString('hex')}`;
    await rename(path, aside);
    await removeQuietly(aside);
    return true;
  } finally {
    await guardLock.release();
  }
}

async function acquireAt(layout: Layout, path: string, opts: Required<LockOptions>, depth: number): Promise<Lock> {
  const content = JSON.stringify(newToken());
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 2;
  for (;;) {
    if (await tryCreate(layout, path, content)) {
      return { release: () => releaseAt(path, content) };
    }
    const held = await readRaw(path);
    if (held !== undefined) {
      const token = parseToken(held);
      const abandoned = token
        ? ownerIsGone(token, opts.foreignStaleMs)
        : Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > UNREADABLE_STALE_MS;
      if (abandoned && (await removeIfHolds(layout, path, held, opts, depth))) continue;
      if (Date.now() >= deadline) {
        const owner = token ? `process ${token.pid} on ${token.host} since ${new Date(token.since).toISOString()}` : 'an unreadable owner';
        throw new MregError('LOCKED', `the store is locked by ${owner} (${path})`, {
          hint: 'wait for that process to finish; a lock left by a process that died is taken over automatically',
          data: { lock: path },
        });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
}

/**
 * An owner is judged gone only when its process is dead (same host) or after foreignStaleMs (other
 * hosts), so nobody else removes a live owner's lock: release needs no guard of its own.
 */
async function releaseAt(path: string, content: string): Promise<void> {
  if ((await readRaw(path)) === content) await unlink(path).catch(() => undefined);
}

export async function acquireLock(layout: Layout, name: string, options: LockOptions = {}): Promise<Lock> {
  const opts: Required<LockOptions> = { timeoutMs: options.timeoutMs ?? 60_000, foreignStaleMs: options.foreignStaleMs ?? 10 * 60_000 };
  return acquireAt(layout, lockPath(layout, name), opts, 0);
}

export async function withLock<T>(layout: Layout, name: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  const lock = await acquireLock(layout, name, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** For verify: locks whose owner is gone (they are recovered by the next writer, so only a warning). */
export async function isAbandonedLock(path: string): Promise<boolean> {
  const raw = await readRaw(path).catch(() => undefined);
  if (raw === undefined) return false;
  const token = parseToken(raw);
  return token ? ownerIsGone(token, 10 * 60_000) : true;
}

