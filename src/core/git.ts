// Running git for the features that work with a repository (hooks, staged checks), with errors
// that say what was being asked.
import { execFile, spawn } from 'node:child_process';
import { MregError } from '../errors.js';

export function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (err, stdout, stderr) => {
      if (err) reject(new MregError('INVALID_INPUT', `git ${args[0]}: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve(stdout);
    });
  });
}

export async function repoTopLevel(cwd: string): Promise<string> {
  try {
    return (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new MregError('INVALID_INPUT', 'not inside a git work tree');
  }
}

/**
 * Reads many blobs in one `git cat-file --batch` process: `names` are object names such as
 * `:path` (the index) or `HEAD:path`. A missing object maps to undefined.
 */
export function catFiles(cwd: string, names: string[]): Promise<Map<string, Buffer | undefined>> {
  const result = new Map<string, Buffer | undefined>();
  if (names.length === 0) return Promise.resolve(result);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
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
