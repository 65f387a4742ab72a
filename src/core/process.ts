// Running a user's command (checks, deploy adapters, playbook steps): argv only, never a shell
// string; its own process group, so a timeout or an abort ends everything it started.
import { spawn } from 'node:child_process';

const OUTPUT_TAIL = 4096;
/** The head of stderr kept for diagnostics (a failed health check's reason, issue 15.9). */
export const DIAGNOSTIC_BYTES = 2048;

export interface CommandOutcome {
  exit_code: number | null;
  signal?: string;
  timed_out: boolean;
  duration_ms: number;
  /** stdout, whole up to 1 MiB (adapters read answers from it) */
  stdout: string;
  /** the last few KiB of stdout and stderr together, for messages */
  output: string;
  /** the first 2 KiB of stderr (DIAGNOSTIC_BYTES) */
  stderr: string;
}

export interface RunCommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
  input?: string;
}

export function runCommand(argv: string[], options: RunCommandOptions): Promise<CommandOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let stdout = '';
    const errHead: Buffer[] = [];
    let errBytes = 0;
    let timedOut = false;
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (stdout.length < 1 << 20) stdout += text;
      output = (output + text).slice(-OUTPUT_TAIL);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < DIAGNOSTIC_BYTES) {
        errHead.push(chunk.subarray(0, DIAGNOSTIC_BYTES - errBytes));
        errBytes += Math.min(chunk.length, DIAGNOSTIC_BYTES - errBytes);
      }
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    });
    child.stdin.on('error', () => undefined); // a command that ignores its input may close it early
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = () => {
      timedOut = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (outcome: Omit<CommandOutcome, 'duration_ms' | 'stdout' | 'output' | 'timed_out' | 'stderr'>) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...outcome, timed_out: timedOut, duration_ms: Date.now() - started, stdout, output, stderr: Buffer.concat(errHead).toString('utf8') });
    };
    child.on('error', (err) => {
      output = `cannot run ${argv[0]}: ${err.message}`;
      done({ exit_code: null });
    });
    child.on('close', (code, signal) => done({ exit_code: code, ...(signal ? { signal } : {}) }));
  });
}

/** One line saying how a command ended, with the tail of its output. */
export function describeOutcome(argv: string[], outcome: CommandOutcome): string {
  const how = outcome.timed_out ? 'timed out' : outcome.exit_code === null ? 'could not run' : `exited ${outcome.exit_code}`;
  const tail = outcome.output.trim().split('\n').slice(-3).join(' | ');
  return `${argv[0]} ${how}${tail ? `: ${tail}` : ''}`;
}
