// Running mreg in tests. By default the CLI's main() runs in this process (own argv, cwd, env and
// captured stdout/stderr), which costs milliseconds instead of a ~0.3 s node start per call. The
// *Process variants start the built binary as a user would: for start-up, signals, EPIPE, real
// exit codes, git hooks and concurrency between processes. cliPasses and cliFails (after np's
// verify-cli helpers) make most end-to-end tests one line each.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MREG = join(ROOT, 'bin', 'mreg.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

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

// git run by mreg in this process inherits this process's environment (as the binary did testEnv's),
// and the AWS SDK's Node-support notice is off here as bin/mreg.js turns it off for the binary.
process.env.GIT_CONFIG_NOSYSTEM ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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

/** Starts the built binary (bin/mreg.js, which loads dist/) as a child process. */
export function spawnMreg(args: string[], options: RunOptions): ChildProcess {
  return spawn(process.execPath, [MREG, ...args], { cwd: options.cwd, env: testEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the built binary in a real process and collects its output. */
export function runMregProcess(args: string[], options: RunOptions): Promise<RunResult> {
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

type Main = typeof import('../../src/cli/main.js').main;
let loadedMain: Promise<Main> | undefined;

/** Text written to it is kept; not a terminal, like the pipes a spawned mreg writes to. */
class Capture extends Writable {
  readonly isTTY = false;
  text = '';
  constructor() {
    super({ decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    done();
  }
}

/** Runs mreg's main() in this process, with its own cwd, environment and captured output. */
export async function runMreg(args: string[], options: RunOptions): Promise<RunResult> {
  loadedMain ??= import('../../src/cli/main.js').then((m) => m.main);
  const main = await loadedMain;
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main({ argv: [...args], env: testEnv(options.env), cwd: options.cwd, stdinIsTTY: false, stdout, stderr, version: VERSION });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}

type Runner = (args: string[], options: RunOptions) => Promise<RunResult>;

async function passes(run: Runner, cwd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  const result = await run(args, { cwd, ...(env ? { env } : {}) });
  if (result.code !== 0) throw new Error(`mreg ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return { ...result, json: args.includes('--json') ? JSON.parse(result.stdout) : undefined };
}

async function fails(run: Runner, cwd: string, args: string[], code: 1 | 2, message: RegExp, env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  const result = await run(args, { cwd, ...(env ? { env } : {}) });
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

/** Runs mreg (in-process) and expects exit 0; returns the result, with stdout parsed when --json was given. */
export function cliPasses(cwd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  return passes(runMreg, cwd, args, env);
}

/**
 * Runs mreg (in-process) and expects it to fail with `code` and one clear line on stderr matching
 * `message`. With --json, expects exactly one error document on stdout instead.
 */
export function cliFails(cwd: string, args: string[], code: 1 | 2, message: RegExp, env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  return fails(runMreg, cwd, args, code, message, env);
}

/** cliPasses with the built binary in a real process. */
export function cliPassesProcess(cwd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  return passes(runMregProcess, cwd, args, env);
}

/** cliFails with the built binary in a real process. */
export function cliFailsProcess(cwd: string, args: string[], code: 1 | 2, message: RegExp, env?: Record<string, string | undefined>): Promise<RunResult & { json: any }> {
  return fails(runMregProcess, cwd, args, code, message, env);
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
