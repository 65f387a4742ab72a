// Running the built mreg as a user would: a real process in a temp directory. cliPasses and
// cliFails (after np's verify-cli helpers) make most end-to-end tests one line each.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MREG = join(ROOT, 'bin', 'mreg.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

/** A clean environment: no store override, no colour forcing, a fixed actor. */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MREG_ACTOR: 'tester@example.com', GIT_CONFIG_NOSYSTEM: '1' };
  delete env.MREG_STORE;
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function spawnMreg(args: string[], options: RunOptions): ChildProcess {
  return spawn(process.execPath, [MREG, ...args], { cwd: options.cwd, env: testEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runMreg(args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnMreg(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** Runs mreg and expects exit 0; returns the result, with stdout parsed when --json was given. */
export async function cliPasses(cwd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  const result = await runMreg(args, { cwd, ...(env ? { env } : {}) });
  if (result.code !== 0) throw new Error(`mreg ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return { ...result, json: args.includes('--json') ? JSON.parse(result.stdout) : undefined };
}

/**
 * Runs mreg and expects it to fail with `code` and one clear line on stderr matching `message`.
 * With --json, expects exactly one error document on stdout instead.
 */
export async function cliFails(cwd: string, args: string[], code: 1 | 2, message: RegExp, env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  const result = await runMreg(args, { cwd, ...(env ? { env } : {}) });
  expect(result.code, `exit code of mreg ${args.join(' ')}\nstderr: ${result.stderr}\nstdout: ${result.stdout}`).toBe(code);
  if (args.includes('--json')) {
    const json = JSON.parse(result.stdout);
    expect(json.error.message).toMatch(message);
    expect(typeof json.error.code).toBe('string');
    return { ...result, json };
  }
  expect(result.stdout).toBe('');
  const first = result.stderr.split('\n')[0]!;
  expect(first).toMatch(/^mreg: /);
  expect(first).toMatch(message);
  return { ...result, json: undefined };
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test file. Real path, so symlink checks compare cleanly. */
export function tempDir(prefix = 'mreg-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}
