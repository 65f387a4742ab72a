// Deploy and rollback, as an orchestrator: a deploy runs the playbook's deploy steps in order; if
// any fails it rolls back to the version that was live before (from the deploy history, not "the
// previous semver"), through the rollback steps. Every start and outcome is recorded, so an
// interrupted rollback is finished by the next one. Only one deploy or rollback runs on a target at
// a time. What each step does is its kind's business (steps/).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TargetConfig } from '../config/config.js';
import { MregError } from '../../errors.js';
import { didYouMean } from '../closest-name.js';
import { checkName } from '../names.js';
import { appendEvents, counts, newEventId, readHistory, type HistoryEvent, type NewEvent } from '../lifecycle/history.js';
import { planPromotion, promote } from '../lifecycle/promote.js';
import { resolveRef } from '../lifecycle/refs.js';
import { replay, versionInStage } from '../lifecycle/state.js';
import { prunedEvent } from '../lifecycle/pruned.js';
import type { Manifest } from '../manifest/types.js';
import { materializeVersion } from '../lifecycle/materialize.js';
import { resolveActor } from '../provenance.js';
import { requireSignatures } from '../lifecycle/signatures.js';
import { currentRouting, setRouting, type Split } from '../routing/route.js';
import type { BlobSource, LinkType } from '../../store/blob-source.js';
import { acquireLock, withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { readManifest } from '../manifest/versions.js';
import type { AdapterContext, DeployAdapter, Release } from './adapter.js';
import { loadAdapter } from './adapters/index.js';
import { readPlaybook, type Playbook, type Step } from './playbook.js';
import { liveVersion, replayTarget, type TargetState } from './state.js';
import { stepKind } from './steps/index.js';
import { StepFailure, type Phase, type StepContext } from './steps/step.js';

export type { Phase } from './steps/step.js';

export interface StepReport {
  phase: Phase;
  index: number;
  step: string;
  ok: boolean;
  /** what the step did; for a failure, why, then (after a newline) the head of the response body or stderr */
  detail: string;
  duration_ms: number;
}

export interface PlanLine {
  phase: Phase;
  index: number;
  step: string;
  detail: string;
}

export interface DeployResult {
  ok: boolean;
  model: string;
  version: string;
  target: string;
  /** what was live before */
  previous: string | null;
  /** what is live now, as far as mreg knows */
  live: string | null;
  steps: StepReport[];
  /** `detail`: the first 2 KiB of what the failing health or monitor check's server answered (or its command's stderr) */
  failed_step?: { phase: Phase; index: number; step: string; error: string; detail?: string };
  rolled_back_to?: string;
  rollback_ok?: boolean;
  promoted?: { stage: string; displaced: string[] };
  dry_run?: boolean;
  plan?: PlanLine[];
}

export interface DeployRequest {
  ref: string;
  target: string;
  dryRun?: boolean | undefined;
  force?: boolean | undefined;
  actor?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  onStep?: (report: StepReport) => void;
}

export interface RollbackRequest {
  model: string;
  target: string;
  to?: string | undefined;
  dryRun?: boolean | undefined;
  actor?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  onStep?: (report: StepReport) => void;
}

/** What a run depends on beyond the store; each is looked up as usual when not given. */
export interface DeployDeps {
  /** where release files come from: this store, backed by its default remote (remote/fetch.ts blobSourceFor) */
  blobs: BlobSource;
  /** the adapter to use instead of the one the target's configuration names (tests, embedders) */
  adapter?: DeployAdapter | undefined;
}

interface Setup {
  store: Store;
  name: string;
  target: TargetConfig;
  playbook: Playbook;
  adapter: DeployAdapter;
  projectDir: string;
  blobs: BlobSource;
}

async function setUp(store: Store, name: string, deps: DeployDeps): Promise<Setup> {
  const target = store.config.targets[name];
  if (!target) {
    const known = Object.keys(store.config.targets);
    throw new MregError('INVALID_INPUT', `unknown target ${JSON.stringify(name)} (${known.length ? `targets in config.yaml: ${known.join(', ')}` : 'no targets: add them under targets: in .modelreg/config.yaml'})${didYouMean(name, known)}`);
  }
  const projectDir = dirname(store.layout.root);
  const playbook = await readPlaybook(store.layout, target.playbook, Object.keys(store.config.stages));
  const adapter = deps.adapter ?? (await loadAdapter(target.adapter, target.options, projectDir));
  return { store, name, target, playbook, adapter, projectDir, blobs: deps.blobs };
}

async function targetState(store: Store, model: string, target: string): Promise<{ events: HistoryEvent[]; state: TargetState }> {
  const { events } = await readHistory(store.layout, model);
  return { events, state: replayTarget(events, target) };
}

async function record(store: Store, model: string, events: NewEvent[]): Promise<HistoryEvent[]> {
  return withLock(store.layout, `model-${model}`, () => appendEvents(store.layout, model, events));
}

/** Runs `fn` holding the target's lock (refused at once if another run holds it), then cleans up. */
async function onTarget<T>(setup: Setup, model: string, actor: string, req: { env: NodeJS.ProcessEnv; onStep?: (r: StepReport) => void }, fn: (run: Run) => Promise<T>): Promise<T> {
  const lock = await lockTarget(setup.store, setup.name);
  const run = new Run(setup, model, actor, req.env, req.onStep);
  try {
    return await fn(run);
  } finally {
    await run.cleanup();
    await lock.release();
  }
}

async function lockTarget(store: Store, name: string) {
  try {
    return await acquireLock(store.layout, `target-${name}`, { timeoutMs: 0 });
  } catch (err) {
    if (err instanceof MregError && err.code === 'LOCKED') {
      throw new MregError('LOCKED', `target ${name} is busy: another deploy or rollback is running on it (${err.message.replace(/^the store is locked by /, '')})`, {
        hint: 'wait for it to finish; deploys to one target never interleave',
      });
    }
    throw err;
  }
}

/**
 * Every refusal a rollback can meet, before anything is recorded or the adapter is called: the
 * version was not pruned, its blobs are sound, and it carries the signatures the target's stage
 * requires here (the promotion that follows a rollback must not fail after the switch).
 */
async function checkWayBack(setup: Setup, manifest: Manifest): Promise<void> {
  const pruned = await prunedEvent(setup.store.layout, manifest.name, manifest.version);
  if (pruned) {
    throw new MregError('PRUNED', `cannot roll back to ${manifest.name}@${manifest.version}: its blobs were pruned at ${pruned.time} by ${pruned.actor}; nothing was changed`, {
      hint: `roll back to another version with --to, or deploy one`,
    });
  }
  await checkBlobs(setup.blobs, manifest);
  if (setup.target.stage) await requireSignatures(setup.store, manifest.name, manifest.version, setup.target.stage);
}

/** Re-hashes every blob of a version: a rollback must know its way back is sound before it starts. */
async function checkBlobs(blobs: BlobSource, manifest: Manifest): Promise<void> {
  for (const a of manifest.artifacts) {
    const state = await blobs.check(a);
    if (state !== 'sound') {
      throw new MregError('CORRUPT_BLOB', `cannot roll back to ${manifest.name}@${manifest.version}: its blob for ${a.path} (${a.sha256}) is ${state}; nothing was changed`);
    }
  }
}

class Run {
  readonly reports: StepReport[] = [];
  private readonly temps: string[] = [];

  constructor(
    readonly setup: Setup,
    readonly model: string,
    readonly actor: string,
    readonly env: NodeJS.ProcessEnv,
    readonly onStep?: (r: StepReport) => void,
  ) {}

  release(manifest: Manifest): Release {
    const { blobs } = this.setup;
    let dir: Promise<string> | undefined;
    const exportTo = async (target: string, options: { link?: LinkType } = {}) => {
      await materializeVersion(blobs, manifest, target, { link: options.link, protect: this.setup.store.config.retention.protect });
    };
    return {
      model: manifest.name,
      version: manifest.version,
      hash: manifest.hash,
      target: this.setup.name,
      files: manifest.artifacts,
      exportTo,
      artifacts: () => {
        dir ??= mkdtemp(join(tmpdir(), 'mreg-release-')).then(async (d) => {
          this.temps.push(d);
          await exportTo(d);
          return d;
        });
        return dir;
      },
    };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.temps.map((d) => rm(d, { recursive: true, force: true })));
  }

  async route(split: Split[]): Promise<void> {
    const current = currentRouting((await readHistory(this.setup.store.layout, this.model)).events, this.setup.name);
    if (current && JSON.stringify(current.split) === JSON.stringify(split)) return; // already so: nothing to record
    await record(this.setup.store, this.model, [{ event: 'route', model: this.model, version: split[0]!.version, actor: this.actor, target: this.setup.name, split: split as unknown as HistoryEvent['split'], salt: '' }]);
    await this.serveRouting(split);
  }

  /** Hands a split to an adapter that routes by itself (local: routes.json); others only record it. */
  async serveRouting(split: Split[]): Promise<void> {
    const { adapter, store, target, projectDir, name } = this.setup;
    if (!adapter.route) return;
    const routes = [];
    for (const s of split) routes.push({ ...s, release: this.release(await readManifest(store.layout, this.model, s.version)) });
    await adapter.route(this.model, routes, { target: name, options: target.options, projectDir, env: this.env, signal: AbortSignal.timeout(10 * 60_000) });
  }

  stepEnv(phase: Phase, version: string, previous: string | null): NodeJS.ProcessEnv {
    return { ...this.env, MREG_MODEL: this.model, MREG_VERSION: version, MREG_TARGET: this.setup.name, MREG_EVENT: phase, MREG_PREVIOUS: previous ?? '' };
  }

  async step(phase: Phase, step: Step, manifest: Manifest, previous: string | null): Promise<string> {
    const { adapter, target, projectDir, store, name } = this.setup;
    const ctx: StepContext = {
      phase,
      store,
      target: name,
      targetConfig: target,
      adapter,
      projectDir,
      env: this.env,
      where: { cwd: projectDir, env: this.stepEnv(phase, manifest.version, previous) },
      actor: this.actor,
      model: this.model,
      manifest,
      previous,
      release: () => this.release(manifest),
      route: (split) => this.route(split),
    };
    return stepKind(step.kind)!.run(step, ctx);
  }

  /** Runs steps in order; returns the first failure, if any. */
  async steps(phase: Phase, steps: Step[], manifest: Manifest, previous: string | null): Promise<DeployResult['failed_step']> {
    for (const [index, step] of steps.entries()) {
      const started = Date.now();
      try {
        const detail = await this.step(phase, step, manifest, previous);
        this.report({ phase, index, step: step.kind, ok: true, detail, duration_ms: Date.now() - started });
      } catch (err) {
        const error = err instanceof StepFailure || err instanceof MregError ? err.message : `${step.kind} failed: ${(err as Error).message ?? String(err)}`;
        const detail = err instanceof StepFailure ? err.detail : '';
        this.report({ phase, index, step: step.kind, ok: false, detail: detail ? `${error}\n${detail}` : error, duration_ms: Date.now() - started });
        return { phase, index, step: step.kind, error, ...(detail ? { detail } : {}) };
      }
    }
    return undefined;
  }

  private report(r: StepReport): void {
    this.reports.push(r);
    this.onStep?.(r);
  }
}

export function describeStep(step: Step, version: string, previous: string | null, adapter: string): string {
  return stepKind(step.kind)!.describe(step, { version, previous, adapter });
}

function plan(setup: Setup, phase: Phase, steps: Step[], version: string, previous: string | null): PlanLine[] {
  return steps.map((step, index) => ({ phase, index, step: step.kind, detail: describeStep(step, version, previous, setup.target.adapter) }));
}

/** A failed step as its history event records it: the step, the error and what the server or command said. */
function failureFields(failure: NonNullable<DeployResult['failed_step']>): { failed_step: string; error: string; detail?: string } {
  return { failed_step: failure.step, error: failure.error, ...(failure.detail ? { detail: failure.detail } : {}) };
}

/** The rollback part: verify the way back, route all traffic there, run the rollback steps, record. */
async function rollBack(run: Run, to: Manifest, from: string | null, reason: string, cause?: DeployResult['failed_step']): Promise<{ ok: boolean; failure?: DeployResult['failed_step'] }> {
  const { store, target, name } = run.setup;
  await checkWayBack(run.setup, to);
  const op = newEventId();
  await record(store, run.model, [{ event: 'rollback', model: run.model, version: to.version, actor: run.actor, target: name, phase: 'started', op, ...(from ? { from } : {}), reason }]);
  if (currentRouting((await readHistory(store.layout, run.model)).events, name)) await run.route([{ version: to.version, weight: 1 }]);
  const failure = await run.steps('rollback', run.setup.playbook.rollback, to, from);
  await record(store, run.model, [
    {
      event: 'rollback',
      model: run.model,
      version: to.version,
      actor: run.actor,
      target: name,
      phase: failure ? 'failed' : 'succeeded',
      op,
      ...(from ? { from } : {}),
      // Why it rolled back stays on its outcome, so status still shows what the failed deploy's check was told.
      ...(cause ? { reason, ...(cause.detail ? { detail: cause.detail } : {}) } : {}),
      ...(failure ? failureFields(failure) : {}),
    },
  ]);
  if (!failure && target.stage) {
    await promote(store, { ref: `${to.name}@${to.version}`, stage: target.stage, reason: `rollback of ${name}`, force: true, actor: run.actor, cwd: run.setup.projectDir, env: run.env });
  }
  return failure ? { ok: false, failure } : { ok: true };
}

export async function deploy(store: Store, req: DeployRequest, deps: DeployDeps): Promise<DeployResult> {
  const setup = await setUp(store, req.target, deps);
  const { model, version } = await resolveRef(store, req.ref);
  const manifest = await readManifest(store.layout, model, version);
  const actor = await resolveActor(req.cwd, req.env, req.actor);
  const { events, state } = await targetState(store, model, req.target);
  const previous = liveVersion(state) ?? null;
  if (setup.target.stage) {
    // Refuse before touching anything if the stage rules would refuse the promotion at the end.
    planPromotion(store.config, replay(events), model, version, setup.target.stage, { force: req.force, actor });
    await requireSignatures(store, model, version, setup.target.stage);
  }
  const base = { model, version, target: req.target, previous };
  if (req.dryRun) {
    const lines = plan(setup, 'deploy', setup.playbook.deploy, version, previous);
    if (previous && previous !== version) lines.push(...plan(setup, 'rollback', setup.playbook.rollback, previous, version));
    return { ...base, ok: true, live: previous, steps: [], dry_run: true, plan: lines };
  }

  return onTarget(setup, model, actor, req, async (run) => {
    const op = newEventId();
    await record(store, model, [{ event: 'deploy', model, version, actor, target: req.target, phase: 'started', op, ...(previous ? { previous } : {}) }]);
    const failure = await run.steps('deploy', setup.playbook.deploy, manifest, previous);
    await record(store, model, [
      { event: 'deploy', model, version, actor, target: req.target, phase: failure ? 'failed' : 'succeeded', op, ...(previous ? { previous } : {}), ...(failure ? failureFields(failure) : {}) },
    ]);
    if (!failure) {
      const result: DeployResult = { ...base, ok: true, live: version, steps: run.reports };
      if (setup.target.stage) {
        const p = await promote(store, { ref: `${model}@${version}`, stage: setup.target.stage, reason: `deploy to ${req.target}`, force: req.force, actor, cwd: setup.projectDir, env: req.env });
        result.promoted = { stage: setup.target.stage, displaced: p.displaced.map((d) => d.version) };
      }
      return result;
    }
    if (!previous || previous === version) {
      return { ...base, ok: false, live: null, steps: run.reports, failed_step: failure };
    }
    const back = await rollBack(run, await readManifest(store.layout, model, previous), version, `deploy of ${version} failed at ${failure.step}: ${failure.error}`, failure);
    return { ...base, ok: false, live: back.ok ? previous : null, steps: run.reports, failed_step: failure, rolled_back_to: previous, rollback_ok: back.ok };
  });
}

/** `mreg route set --target`: records the target's split, and an adapter that routes by itself serves it at once. */
export async function routeTarget(store: Store, req: { model: string; target: string; split: Split[]; salt: string; actor: string; env: NodeJS.ProcessEnv }, deps: DeployDeps): Promise<void> {
  const setup = await setUp(store, req.target, deps);
  await onTarget(setup, req.model, req.actor, req, async (run) => {
    await setRouting(store, req.model, req.split, req.salt, req.actor, req.target);
    await run.serveRouting(req.split);
  });
}

export interface RollbackResult {
  ok: boolean;
  model: string;
  target: string;
  from: string | null;
  to: string;
  /** true when this finished a rollback that an earlier, interrupted run had started */
  resumed: boolean;
  steps: StepReport[];
  failed_step?: DeployResult['failed_step'];
  dry_run?: boolean;
  plan?: PlanLine[];
}

export async function rollback(store: Store, req: RollbackRequest, deps: DeployDeps): Promise<RollbackResult> {
  const setup = await setUp(store, req.target, deps);
  const model = checkName(req.model);
  const actor = await resolveActor(req.cwd, req.env, req.actor);

  const decide = async () => {
    const { state } = await targetState(store, model, req.target);
    const live = liveVersion(state) ?? null;
    const interrupted = state.interrupted;
    if (req.to) return { to: (await resolveRef(store, `${model}@${req.to}`)).version, from: live, resumed: false };
    if (interrupted?.event === 'rollback') return { to: interrupted.version, from: typeof interrupted.from === 'string' ? interrupted.from : live, resumed: true };
    if (interrupted?.event === 'deploy' && live) return { to: live, from: interrupted.version, resumed: true }; // restore what was live
    const before = state.stack[state.stack.length - 2];
    if (!before) {
      throw new MregError('NOT_FOUND', `nothing to roll back to: ${req.target} has no earlier healthy deploy of ${model}${live ? ` before ${live}` : ''} (use --to <version>)`);
    }
    return { to: before, from: live, resumed: false };
  };

  if (req.dryRun) {
    const { to, from, resumed } = await decide();
    await checkWayBack(setup, await readManifest(store.layout, model, to));
    return { ok: true, model, target: req.target, from, to, resumed, steps: [], dry_run: true, plan: plan(setup, 'rollback', setup.playbook.rollback, to, from) };
  }
  return onTarget(setup, model, actor, req, async (run) => {
    const { to, from, resumed } = await decide();
    const back = await rollBack(run, await readManifest(store.layout, model, to), from, resumed ? 'finishing an interrupted operation' : `rollback of ${req.target}`);
    return { ok: back.ok, model, target: req.target, from, to, resumed, steps: run.reports, ...(back.failure ? { failed_step: back.failure } : {}) };
  });
}

/** The configured targets the model's history has deployed to or rolled back on. */
export async function targetsServed(store: Store, model: string): Promise<string[]> {
  const { events } = await readHistory(store.layout, checkName(model));
  const served = new Set<string>();
  for (const e of events) if ((e.event === 'deploy' || e.event === 'rollback') && typeof e.target === 'string' && counts(e)) served.add(e.target);
  return Object.keys(store.config.targets).filter((t) => served.has(t));
}

export interface StatusResult {
  model: string;
  target: string;
  live: string | null;
  deployed_at: string | null;
  deployed_by: string | null;
  via: string | null;
  interrupted: { event: string; version: string; time: string; actor: string } | null;
  /** `detail`: the head of the failing check's response body or stderr (deploy diagnostics) */
  last: { event: string; phase: string; version: string; time: string; failed_step?: string; error?: string; reason?: string; detail?: string } | null;
  adapter_live?: string | null;
  adapter_error?: string;
  adapter_health?: { healthy: boolean; detail?: string };
  routing: { split: Split[]; salt: string } | null;
  /**
   * The target's live version (the adapter's word when it gives one, else the deploy history's)
   * differs from the version its stage holds; null when they agree or the target has no stage.
   */
  drift: { stage: string; stage_version: string | null; live_version: string | null } | null;
  /** the model's versions and events the default remote lacks, as far as the last push or pull saw (only with a default remote) */
  unpushed?: number;
}

export async function status(store: Store, model: string, targetName: string, env: NodeJS.ProcessEnv, deps: DeployDeps): Promise<StatusResult> {
  checkName(model);
  const setup = await setUp(store, targetName, deps);
  const { events, state } = await targetState(store, model, targetName);
  const live = liveVersion(state) ?? null;
  const e = state.liveEvent;
  const last = state.lastOutcome;
  const result: StatusResult = {
    model,
    target: targetName,
    live,
    deployed_at: e?.time ?? null,
    deployed_by: e?.actor ?? null,
    via: e?.event ?? null,
    interrupted: state.interrupted ? { event: state.interrupted.event, version: state.interrupted.version, time: state.interrupted.time, actor: state.interrupted.actor } : null,
    last: last
      ? {
          event: last.event,
          phase: String(last.phase),
          version: last.version,
          time: last.time,
          ...(typeof last.failed_step === 'string' ? { failed_step: last.failed_step } : {}),
          ...(typeof last.error === 'string' ? { error: last.error } : {}),
          ...(typeof last.reason === 'string' ? { reason: last.reason } : {}),
          ...(typeof last.detail === 'string' ? { detail: last.detail } : {}),
        }
      : null,
    routing: currentRouting(events, targetName) ?? null,
    drift: null,
  };
  const ctx: AdapterContext = { target: targetName, options: setup.target.options, projectDir: setup.projectDir, env, signal: AbortSignal.timeout(30_000) };
  try {
    result.adapter_live = (await setup.adapter.live(model, ctx)) ?? null;
    if (setup.adapter.health) result.adapter_health = await setup.adapter.health(model, ctx);
  } catch (err) {
    result.adapter_error = (err as Error).message;
  }
  const stage = setup.target.stage;
  if (stage) {
    const held = versionInStage(replay(events), stage) ?? null;
    const running = result.adapter_live ?? live;
    if (held !== running) result.drift = { stage, stage_version: held, live_version: running };
  }
  return result;
}
