// Declared changes: adding a pending change file, listing the pending changes, and their status (the next
// version each model would get, and which required models have none: a CI gate).
import { MregError } from '../errors.js';
import { checkName } from '../core/names.js';
import { isChangeType, type ChangeType } from '../core/change-type.js';
import { checkSummary } from '../core/versioning/change-file.js';
import { addChange, ConsumedIndex, pendingChanges, readChanges } from '../core/versioning/changes.js';
import { planBump } from '../core/versioning/plan.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export { CHANGE_TYPES, type ChangeType } from '../core/change-type.js';

export interface ChangeAddOptions extends Where {
  /** the models the change is declared for */
  models: readonly string[];
  /** major, minor or patch */
  change: ChangeType;
  /** what changed, for the changelog */
  summary: string;
}

export interface ChangeAddResult {
  id: string;
  /** absolute path of the new change file */
  path: string;
  models: Record<string, ChangeType>;
  summary: string;
}

/** Writes a pending change file; everything is checked before the store is touched, so bad input writes nothing. */
export async function changeAdd(opts: ChangeAddOptions): Promise<ChangeAddResult> {
  if (!isChangeType(opts.change)) throw new MregError('USAGE', `change ${JSON.stringify(opts.change)}: expected major, minor or patch`);
  if (typeof opts.summary !== 'string') throw new MregError('USAGE', 'summary is required: say what changed, for the changelog');
  const summary = checkSummary(opts.summary);
  if (opts.models.length === 0) throw new MregError('USAGE', 'models: name at least one model');
  const models: Record<string, ChangeType> = {};
  for (const name of opts.models) {
    checkName(name);
    if (Object.hasOwn(models, name)) throw new MregError('USAGE', `model ${name} is named twice`);
    models[name] = opts.change;
  }
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const change = await addChange(store.layout, { models, summary });
  return { id: change.id, path: change.path, models: change.models, summary: change.summary };
}

export type ChangeListOptions = Where;

export interface PendingChangeEntry {
  id: string;
  /** model -> the change type declared for it */
  models: Record<string, ChangeType>;
  summary: string;
}

/** The pending changes: not yet consumed by a registered version of every model they name. */
export async function changeList(opts: ChangeListOptions): Promise<PendingChangeEntry[]> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return (await pendingChanges(store.layout)).map((c) => ({ id: c.id, models: c.models, summary: c.summary }));
}

export interface ChangeStatusOptions extends Where {
  /** models that must have a pending change: `ok` is false when one has none */
  require?: readonly string[] | undefined;
}

export interface ModelStatus {
  model: string;
  current: string | null;
  next: string;
  type: ChangeType;
  /** ids of the pending changes the type comes from */
  changes: string[];
}

export interface ChangeStatusResult {
  /** every required model has a pending change */
  ok: boolean;
  changes: PendingChangeEntry[];
  models: ModelStatus[];
  /** the required models without a pending change */
  missing: string[];
}

export async function changeStatus(opts: ChangeStatusOptions): Promise<ChangeStatusResult> {
  const required = (opts.require ?? []).map((m) => checkName(m));
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const changes = await readChanges(store.layout);
  const index = new ConsumedIndex(store.layout);
  const pending = await pendingChanges(store.layout, changes, index);
  const names = [...new Set(pending.flatMap((c) => Object.keys(c.models)))].sort();
  const models: ModelStatus[] = [];
  for (const model of names) {
    const plan = await planBump(store.layout, { model, cwd: opts.cwd }, { changes, index });
    models.push({ model, current: plan.current, next: plan.next, type: plan.type, changes: plan.changes.map((c) => c.id) });
  }
  const missing = required.filter((m) => !names.includes(m));
  return {
    ok: missing.length === 0,
    changes: pending.map((c) => ({ id: c.id, models: c.models, summary: c.summary })),
    models,
    missing,
  };
}
