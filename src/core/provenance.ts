// Who and what made a version: the git commit the work tree is at (and whether it was dirty) and
// the actor (--actor, MREG_ACTOR, git user.email, then the login name).
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { git } from './git.js';
import type { GitState } from './manifest/types.js';

/** Provenance is best effort: no repository, no commit or a git that hangs just means none is recorded. */
function gitOutput(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return git(cwd, args, env, { timeoutMs: 30_000 }).catch(() => undefined);
}

/**
 * Whether git could find a repository from `cwd`: a `.git` in it or a parent, or GIT_DIR set. Starting
 * a process costs more than these few `stat` calls, and register runs outside git often (CI scratch
 * directories, the tests' temporary projects).
 */
function mayBeInRepository(cwd: string, env: NodeJS.ProcessEnv): boolean {
  if (env.GIT_DIR) return true;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

export async function gitState(cwd: string, env: NodeJS.ProcessEnv): Promise<GitState | undefined> {
  if (!mayBeInRepository(cwd, env)) return undefined;
  // One git process: the commit (branch.oid), the branch (branch.head) and any change (an entry line).
  const status = await gitOutput(cwd, ['status', '--porcelain=v2', '--branch'], env);
  if (status === undefined) return undefined; // not a work tree
  const lines = status.split('\n').filter((line) => line !== '');
  const header = (key: string) => lines.find((line) => line.startsWith(`# ${key} `))?.slice(key.length + 3);
  const commit = header('branch.oid');
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined; // no commit yet ("(initial)")
  const branch = header('branch.head');
  return { commit, dirty: lines.some((line) => !line.startsWith('#')), ...(branch && branch !== '(detached)' ? { branch } : {}) };
}

export async function resolveActor(cwd: string, env: NodeJS.ProcessEnv, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  if (env.MREG_ACTOR) return env.MREG_ACTOR;
  const email = (await gitOutput(cwd, ['config', 'user.email'], env))?.trim();
  if (email) return email;
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
