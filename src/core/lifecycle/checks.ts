// Named checks (config.yaml `checks:`): each runs as a command (argv, never through a shell) with
// the version's files exported to a temp directory, and its result is recorded in the history.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MregError } from '../errors.js';
import { exportVersion } from '../export.js';
import { resolveActor } from '../provenance.js';
import { withLock } from '../store/lock.js';
import type { Store } from '../store/store.js';
import { readManifest } from '../versions.js';
import { appendEvents } from './history.js';
import { resolveRef } from './refs.js';

const OUTPUT_TAIL = 4096;

export interface CheckRun {
  check: string;
  passed: boolean;
  exit_code: number | null;
  signal?: string;
  timed_out: boolean;
  duration_ms: number;
  /** the last few KiB of what the command printed */
  output: string;
}

export interface ChecksResult {
  model: string;
  version: string;
  ok: boolean;
  results: CheckRun[];
}

function runCommand(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Omit<CheckRun, 'check' | 'passed'>> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    // Its own process group, so a timeout ends whatever the check started too.
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exit_code: null, timed_out: false, duration_ms: Date.now() - started, output: `cannot run ${argv[0]}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit_code: code, ...(signal ? { signal } : {}), timed_out: timedOut, duration_ms: Date.now() - started, output });
    });
  });
}

export interface RunChecksRequest {
  ref: string;
  only?: string[] | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  actor?: string | undefined;
}

export async function runChecks(store: Store, req: RunChecksRequest): Promise<ChecksResult> {
  const names = req.only?.length ? req.only : Object.keys(store.config.checks);
  if (names.length === 0) throw new MregError('INVALID_INPUT', 'no checks are configured (add them under checks: in .modelreg/config.yaml)');
  for (const name of names) {
    if (!store.config.checks[name]) throw new MregError('INVALID_INPUT', `no check named ${JSON.stringify(name)} (checks: ${Object.keys(store.config.checks).join(', ') || 'none'})`);
  }
  const { model, version } = await resolveRef(store, req.ref);
  const manifest = await readManifest(store.layout, model, version);
  const actor = await resolveActor(req.cwd, req.env, req.actor);
  const dir = await mkdtemp(join(tmpdir(), 'mreg-check-'));
  const results: CheckRun[] = [];
  try {
    await exportVersion(store, `${model}@${version}`, dir);
    for (const name of names) {
      const check = store.config.checks[name]!;
      const run = await runCommand(check.command, {
        cwd: dirname(store.layout.root), // the project the store belongs to
        env: { ...req.env, MREG_MODEL: model, MREG_VERSION: version, MREG_HASH: manifest.hash, MREG_PATH: dir },
        timeoutMs: check.timeoutMs,
      });
      results.push({ check: name, passed: run.exit_code === 0 && !run.timed_out, ...run });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await withLock(store.layout, `model-${model}`, () =>
    appendEvents(
      store.layout,
      model,
      results.map((r) => ({ event: 'check', model, version, actor, check: r.check, passed: r.passed, exit_code: r.exit_code, duration_ms: r.duration_ms })),
    ),
  );
  return { model, version, ok: results.every((r) => r.passed), results };
}
