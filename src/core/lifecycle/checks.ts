// Named checks (config.yaml `checks:`): each runs as a command (argv, never through a shell) with
// the version's files exported to a temp directory, and its result is recorded in the history.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MregError } from '../../errors.js';
import { didYouMean } from '../closest-name.js';
import { checksFor } from '../config/config.js';
import { runCommand } from '../process.js';
import { materializeVersion } from './materialize.js';
import type { BlobSource } from '../../store/blob-source.js';
import { resolveActor } from '../provenance.js';
import { withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { readManifest } from '../manifest/versions.js';
import { appendEvents } from './history.js';
import { resolveRef } from './refs.js';

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

export interface RunChecksRequest {
  ref: string;
  only?: string[] | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  actor?: string | undefined;
}

export interface ChecksDeps {
  /** where the version's files come from: this store, backed by its default remote (remote/fetch.ts blobSourceFor) */
  blobs: BlobSource;
}

export async function runChecks(store: Store, req: RunChecksRequest, deps: ChecksDeps): Promise<ChecksResult> {
  const { config } = store;
  if (!req.only?.length && Object.keys(config.checks).length === 0 && Object.values(config.models).every((m) => Object.keys(m.checks).length === 0)) {
    throw new MregError('INVALID_INPUT', 'no checks are configured (add them under checks: in .modelreg/config.yaml)');
  }
  const { model, version } = await resolveRef(store, req.ref);
  // Only the checks scoped to this model (checks.<name>.models, models.<model>.checks) run on it.
  const applies = checksFor(config, model);
  const names = req.only?.length ? req.only : Object.keys(applies);
  if (names.length === 0) throw new MregError('INVALID_INPUT', `no check applies to ${model} (each check's models: leaves it out)`);
  for (const name of names) {
    if (applies[name]) continue;
    const scoped = config.checks[name]?.models;
    throw new MregError(
      'INVALID_INPUT',
      scoped
        ? `check ${JSON.stringify(name)} does not apply to ${model} (its models: ${scoped.join(', ')})`
        : `no check named ${JSON.stringify(name)} for ${model} (checks: ${Object.keys(applies).join(', ') || 'none'})${didYouMean(name, Object.keys(applies))}`,
    );
  }
  const manifest = await readManifest(store.layout, model, version);
  const actor = await resolveActor(req.cwd, req.env, req.actor);
  const dir = await mkdtemp(join(tmpdir(), 'mreg-check-'));
  const results: CheckRun[] = [];
  try {
    await materializeVersion(deps.blobs, manifest, dir, { protect: store.config.retention.protect });
    for (const name of names) {
      const check = applies[name]!;
      const run = await runCommand(check.command, {
        cwd: dirname(store.layout.root), // the project the store belongs to
        env: { ...req.env, MREG_MODEL: model, MREG_VERSION: version, MREG_HASH: manifest.hash, MREG_PATH: dir },
        timeoutMs: check.timeoutMs,
      });
      const { stdout: _stdout, stderr: _stderr, ...outcome } = run;
      results.push({ check: name, passed: run.exit_code === 0 && !run.timed_out, ...outcome });
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
