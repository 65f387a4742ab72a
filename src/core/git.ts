// The one place mreg runs git (hooks, staged checks, provenance), in the environment the caller was given
// (never process.env: inside a hook, git's GIT_DIR and GIT_INDEX_FILE say which index is being committed).
import { execFile, spawn } from 'node:child_process';
import { MregError } from '../errors.js';

export interface GitOptions {
  /** stop git after this long (default: no limit) */
  timeoutMs?: number;
}

// Read-only commands must not take locks a concurrent git in the same repository would trip over.
const gitEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...env, GIT_OPTIONAL_LOCKS: '0' });

/** Runs git and returns its stdout; a failure is an error that says which git command failed and why. */
export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv, options: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const timeout = options.timeoutMs ?? 0;
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, env: gitEnv(env), timeout }, (err, stdout, stderr) => {
      if (err) reject(new MregError('INVALID_INPUT', `git ${args[0]}: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve(stdout);
    });
  });
}

export async function repoTopLevel(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await git(cwd, ['rev-parse', '--show-toplevel'], env)).trim();
  } catch {
    throw new MregError('INVALID_INPUT', 'not inside a git work tree');
  }
}

/**
 * Reads many blobs in one `git cat-file --batch` process: `names` are object names such as
 * `:path` (the index) or `HEAD:path`. A missing object maps to undefined.
 */
export function catFiles(cwd: string, names: string[], env: NodeJS.ProcessEnv): Promise<Map<string, Buffer | undefined>> {
  const result = new Map<string, Buffer | undefined>();
  if (names.length === 0) return Promise.resolve(result);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new MregError('IO', `git cat-file exited with ${code}`));
      const out = Buffer.concat(chunks);
      let pos = 0;
      for (const name of names) {
        const eol = out.indexOf(0x0a, pos);
        const header = out.subarray(pos, eol).toString('utf8');
        pos = eol + 1;
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          result.set(name, undefined);
          continue;
        }
        const size = Number(header.split(' ')[2]);
        result.set(name, out.subarray(pos, pos + size));
        pos += size + 1;
      }
      resolve(result);
    });
    child.stdin.end(names.map((n) => `${n}\n`).join(''));
  });
}
