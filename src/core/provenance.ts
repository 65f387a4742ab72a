// Who and what made a version: the git commit the work tree is at (and whether it was dirty) and
// the actor (--actor, MREG_ACTOR, git user.email, then the login name).
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import type { GitState } from './manifest/types.js';

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' }, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

export async function gitState(cwd: string): Promise<GitState | undefined> {
  const [commit, status, branch] = await Promise.all([
    git(cwd, ['rev-parse', '--verify', '-q', 'HEAD']),
    git(cwd, ['status', '--porcelain']),
    git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']),
  ]);
  if (!commit || status === undefined) return undefined; // not a work tree, or no commit yet
  return { commit: commit.trim(), dirty: status.trim().length > 0, ...(branch?.trim() ? { branch: branch.trim() } : {}) };
}

export async function resolveActor(cwd: string, env: NodeJS.ProcessEnv, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  if (env.MREG_ACTOR) return env.MREG_ACTOR;
  const email = (await git(cwd, ['config', 'user.email']))?.trim();
  if (email) return email;
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
