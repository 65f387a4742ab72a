// Promotion and demotion. The rules are applied by a pure function to the replayed state (plan),
// then the resulting event is appended under the model's lock (apply), so concurrent promotions
// are serialised and every one is judged against the state the previous one left.
import { completeRegisterEvents } from './register-events.js';
import { stageChecksFor, type Config } from '../config/config.js';
import { matchesModel } from '../config/model-globs.js';
import { MregError } from '../../errors.js';
import { didYouMean } from '../closest-name.js';
import { resolveActor } from '../provenance.js';
import { requireSignatures } from './signatures.js';
import { withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { readManifest } from '../manifest/versions.js';
import { appendEvents, type HistoryEvent, type NewEvent } from './history.js';
import { currentState } from './snapshot.js';
import { resolveRef, splitRef } from './refs.js';
import { applyEvent, stagesOf, type StageState } from './state.js';

export interface PromotionPlan {
  /** already in the stage: nothing to record */
  unchanged: boolean;
  event?: NewEvent;
}

function knownStage(config: Config, stage: string) {
  const rules = config.stages[stage];
  if (!rules) throw new MregError('INVALID_INPUT', `unknown stage ${JSON.stringify(stage)} (stages in config.yaml: ${Object.keys(config.stages).join(', ')})${didYouMean(stage, Object.keys(config.stages))}`);
  return rules;
}

/** Applies the stage rules; throws REFUSED naming the rule unless `force`. Pure: no I/O. */
export function planPromotion(config: Config, state: StageState, model: string, version: string, stage: string, options: { force?: boolean; reason?: string; actor: string }): PromotionPlan {
  const rules = knownStage(config, stage);
  // A stage scoped to some models (stages.<name>.models) asks nothing of the others on entry.
  const scoped = matchesModel(rules.models, model);
  const current = stagesOf(state, version);
  const others = (state.stages.get(stage) ?? []).filter((v) => v !== version);
  // A version entering an exclusive stage leaves every retire stage (archived): it is live again, not retired.
  const retired = rules.exclusive ? current.filter((s) => s !== stage && config.stages[s]?.retire) : [];
  // Already there; but an exclusive stage shared after a merge, or held with a retire stage, is settled by promoting again.
  if (current.includes(stage) && !(rules.exclusive && others.length > 0) && retired.length === 0) return { unchanged: true };
  const ref = `${model}@${version}`;
  const broken: { rule: string; message: string }[] = [];
  if (scoped && rules.from.length > 0 && !current.includes(stage) && !rules.from.some((s) => current.includes(s))) {
    broken.push({
      rule: 'from',
      message: `${stage} can only be entered from ${rules.from.join(' or ')}, and ${ref} is ${current.length ? `in ${current.join(', ')}` : 'in no stage'} (promote it to ${rules.from[0]} first)`,
    });
  }
  for (const check of stageChecksFor(config, stage, model)) {
    const result = state.checks.get(version)?.get(check);
    if (!result) broken.push({ rule: 'checks', message: `${stage} requires check '${check}', which has not been run on ${ref} (run mreg check ${ref})` });
    else if (!result.passed) broken.push({ rule: 'checks', message: `${stage} requires check '${check}', which failed on ${ref} at ${result.time}` });
  }
  if (broken.length > 0 && !options.force) {
    throw new MregError('REFUSED', `cannot promote ${ref} to ${stage}: ${broken.map((b) => b.message).join('; ')}`, {
      hint: 'pass --force to override (the override is recorded)',
      data: { rules: broken },
    });
  }
  const left = rules.retire ? current : current.filter((s) => rules.from.includes(s) || retired.includes(s));
  const displaced = rules.exclusive
    ? others.map((v) => {
          const to = rules.replacedTo;
          const leaves = to && config.stages[to]?.retire ? stagesOf(state, v) : [stage];
          return { version: v, left: leaves, ...(to ? { to } : {}) };
        })
    : [];
  const event: NewEvent = {
    event: 'promote',
    model,
    version,
    stage,
    actor: options.actor,
    ...(options.reason ? { reason: options.reason } : {}),
    ...(left.length ? { left } : {}),
    ...(displaced.length ? { displaced } : {}),
    ...(broken.length ? { forced: true, overridden: [...new Set(broken.map((b) => b.rule))] } : {}),
  };
  return { unchanged: false, event };
}

export interface StageChangeRequest {
  ref: string;
  stage: string;
  reason?: string | undefined;
  force?: boolean | undefined;
  actor?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface StageChangeResult {
  model: string;
  version: string;
  stage: string;
  unchanged: boolean;
  forced: boolean;
  left: string[];
  displaced: { version: string; to?: string }[];
  stages: string[];
  event?: HistoryEvent;
}

async function underModelLock<T>(store: Store, ref: string, fn: (model: string, version: string, state: StageState) => Promise<T>): Promise<T> {
  const { model } = splitRef(ref);
  return withLock(store.layout, `model-${model}`, async () => {
    await completeRegisterEvents(store.layout, model); // a register whose event failed after its commit point
    // Resolved again under the lock: model@staging must mean what staging holds now.
    const { version } = await resolveRef(store, ref);
    await readManifest(store.layout, model, version); // exists and is sound
    return fn(model, version, (await currentState(store.layout, model, { withChecks: true })).state);
  });
}

export async function promote(store: Store, req: StageChangeRequest): Promise<StageChangeResult> {
  knownStage(store.config, req.stage);
  const actor = await resolveActor(req.cwd, req.env, req.actor);
  return underModelLock(store, req.ref, async (model, version, state) => {
    const plan = planPromotion(store.config, state, model, version, req.stage, { force: req.force, reason: req.reason, actor });
    // A protected stage's signatures are checked even with --force: that is what protects it.
    if (plan.event) await requireSignatures(store, model, version, req.stage);
    const base = { model, version, stage: req.stage, unchanged: plan.unchanged };
    if (!plan.event) return { ...base, forced: false, left: [], displaced: [], stages: stagesOf(state, version) };
    const [event] = await appendEvents(store.layout, model, [plan.event], (req.now ?? (() => new Date()))());
    applyEvent(state, event!);
    return {
      ...base,
      forced: event!.forced === true,
      left: event!.left ?? [],
      displaced: (event!.displaced ?? []).map((d) => ({ version: d.version, ...(d.to ? { to: d.to } : {}) })),
      stages: stagesOf(state, version),
      event: event!,
    };
  });
}

export async function demote(store: Store, req: StageChangeRequest): Promise<StageChangeResult> {
  knownStage(store.config, req.stage);
  const actor = await resolveActor(req.cwd, req.env, req.actor);
  return underModelLock(store, req.ref, async (model, version, state) => {
    const current = stagesOf(state, version);
    if (!current.includes(req.stage)) throw new MregError('REFUSED', `${model}@${version} is not in ${req.stage} (it is ${current.length ? `in ${current.join(', ')}` : 'in no stage'})`);
    const [event] = await appendEvents(
      store.layout,
      model,
      [{ event: 'demote', model, version, stage: req.stage, actor, ...(req.reason ? { reason: req.reason } : {}) }],
      (req.now ?? (() => new Date()))(),
    );
    return { model, version, stage: req.stage, unchanged: false, forced: false, left: [req.stage], displaced: [], stages: current.filter((s) => s !== req.stage), event: event! };
  });
}
