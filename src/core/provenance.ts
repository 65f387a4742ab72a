// Who and what made a version: the git commit the work tree is at (and whether it was dirty) and
// the actor (--actor, MREG_ACTOR, git user.email, then the login name).
import { userInfo } from 'node:os';
import { git } from './git.js';
import type { GitState } from './manifest/types.js';

/** Provenance is best effort: no repository, no commit or a git that hangs just means none is recorded. */
function gitOutput(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return git(cwd, args, env, { timeoutMs: 30_000 }).catch(() => undefined);
}

export async function gitState(cwd: string, env: NodeJS.ProcessEnv): Promise<GitState | undefined> {
  const [commit, status, branch] = await Promise.all([
    gitOutput(cwd, ['rev-parse', '--verify', '-q', 'HEAD'], env),
    gitOutput(cwd, ['status', '--porcelain'], env),
    gitOutput(cwd, ['symbolic-ref', '--short', '-q', 'HEAD'], env),
  ]);
  if (!commit || status === undefined) return undefined; // not a work tree, or no commit yet
  return { commit: commit.trim(), dirty: status.trim().length > 0, ...(branch?.trim() ? { branch: branch.trim() } : {}) };
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
