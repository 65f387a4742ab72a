// Declared changes: adding a pending change file, removing or editing one not yet consumed, listing the pending
// changes, and their status (the next version each model would get, and which required models have none: a CI gate).
import { MregError } from '../errors.js';
import { checkName } from '../core/names.js';
import { isChangeType, type ChangeType } from '../core/change-type.js';
import { checkSummary } from '../core/versioning/change-file.js';
import { addChange, ConsumedIndex, lineOf, pendingChanges, readChanges, type Change } from '../core/versioning/changes.js';
import { editChange, removeChange } from '../core/versioning/change-edit.js';
import { checkLine } from '../core/versioning/lines.js';
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
  /** a maintenance line ("1", "1.4"): the change waits for a version bumped in that line */
  line?: string | undefined;
}

export interface ChangeAddResult {
  id: string;
  /** absolute path of the change file */
  path: string;
  models: Record<string, ChangeType>;
  /** model -> the maintenance line the change is for (absent: no line) */
  lines?: Record<string, string>;
  summary: string;
}

function resultOf(change: Change): ChangeAddResult {
  return { id: change.id, path: change.path, models: change.models, ...(change.lines ? { lines: change.lines } : {}), summary: change.summary };
}

/** Writes a pending change file; everything is checked before the store is touched, so bad input writes nothing. */
export async function changeAdd(opts: ChangeAddOptions): Promise<ChangeAddResult> {
  if (!isChangeType(opts.change)) throw new MregError('USAGE', `change ${JSON.stringify(opts.change)}: expected major, minor or patch`);
  if (typeof opts.summary !== 'string') throw new MregError('USAGE', 'summary is required: say what changed, for the changelog');
  const summary = checkSummary(opts.summary);
  const line = opts.line === undefined ? undefined : checkLine(opts.line);
  if (opts.models.length === 0) throw new MregError('USAGE', 'models: name at least one model');
  const models: Record<string, ChangeType> = {};
  for (const name of opts.models) {
    checkName(name);
    if (Object.hasOwn(models, name)) throw new MregError('USAGE', `model ${name} is named twice`);
    models[name] = opts.change;
  }
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const lines = line === undefined ? undefined : Object.fromEntries(Object.keys(models).map((m) => [m, line]));
  const change = await addChange(store.layout, { models, ...(lines ? { lines } : {}), summary });
  return resultOf(change);
}

export interface ChangeRemoveOptions extends Where {
  id: string;
}

/** Deletes a pending change file; refused (REFUSED) once a version of any model it names consumed it. */
export async function changeRemove(opts: ChangeRemoveOptions): Promise<ChangeAddResult> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return resultOf(await removeChange(store.layout, opts.id));
}

export interface ChangeEditOptions extends Where {
  id: string;
  /** the new type, for every model the change names */
  change?: ChangeType | undefined;
  /** the new summary */
  summary?: string | undefined;
}

/** Rewrites a pending change's type or summary atomically; refused (REFUSED) once a version consumed it. */
export async function changeEdit(opts: ChangeEditOptions): Promise<ChangeAddResult> {
  if (opts.change !== undefined && !isChangeType(opts.change)) throw new MregError('USAGE', `change ${JSON.stringify(opts.change)}: expected major, minor or patch`, { data: { option: 'change' } });
  const summary = opts.summary === undefined ? undefined : checkSummary(opts.summary);
  if (opts.change === undefined && summary === undefined) throw new MregError('USAGE', 'change or summary: give the new type, the new summary, or both');
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return resultOf(await editChange(store.layout, opts.id, { type: opts.change, summary }));
}

export type ChangeListOptions = Where;

export interface PendingChangeEntry {
  id: string;
  /** model -> the change type declared for it */
  models: Record<string, ChangeType>;
  /** model -> the maintenance line it is declared for (absent: no line) */
  lines?: Record<string, string>;
  summary: string;
}

function entryOf(c: Change): PendingChangeEntry {
  return { id: c.id, models: c.models, ...(c.lines ? { lines: c.lines } : {}), summary: c.summary };
}

/** The pending changes: not yet consumed by a registered version of every model they name. */
export async function changeList(opts: ChangeListOptions): Promise<PendingChangeEntry[]> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return (await pendingChanges(store.layout)).map(entryOf);
}

export interface ChangeStatusOptions extends Where {
  /** models that must have a pending change: `ok` is false when one has none */
  require?: readonly string[] | undefined;
}

export interface ModelStatus {
  model: string;
  /** the maintenance line, for changes declared for one (a model has one entry per line with pending changes) */
  line?: string;
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
    // No line first, then the lines in version order.
    const found = new Set(pending.filter((c) => Object.hasOwn(c.models, model)).map((c) => lineOf(c, model)));
    const lines = [...(found.has(undefined) ? [undefined] : []), ...[...found].filter((l) => l !== undefined).sort(byLine)];
    for (const line of lines) {
      const plan = await planBump(store.layout, { model, line, cwd: opts.cwd }, { changes, index });
      models.push({ model, ...(line === undefined ? {} : { line }), current: plan.current, next: plan.next, type: plan.type, changes: plan.changes.map((c) => c.id) });
    }
  }
  const missing = required.filter((m) => !names.includes(m));
  return {
    ok: missing.length === 0,
    changes: pending.map(entryOf),
    models,
    missing,
  };
}

function byLine(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  return x[0]! - y[0]! || (x[1] ?? -1) - (y[1] ?? -1);
}
