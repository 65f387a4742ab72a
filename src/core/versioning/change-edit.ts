// Fixing a pending declaration: deleting a change file or rewriting its type or summary. Both run under the
// locks of every model the change names (the locks register holds while it consumes changes), refuse a change
// that any of them has consumed (its manifest keeps the change as it was), and write atomically: an unlink, or
// a complete new file renamed over the old one.
import { unlink } from 'node:fs/promises';
import { MregError } from '../../errors.js';
import { readModelManifests } from '../manifest/cache.js';
import { writeReplace } from '../../store/atomic.js';
import type { Layout } from '../../store/layout.js';
import { withLock } from '../../store/lock.js';
import type { ChangeType } from '../change-type.js';
import { renderChangeFile } from './change-file.js';
import { readChange, type Change } from './changes.js';

export interface ChangeEdit {
  /** the new type, for every model the change names */
  type?: ChangeType | undefined;
  summary?: string | undefined;
}

/** Runs `fn` holding the lock of each model (in name order, so two callers never wait on each other). */
async function withModelLocks<T>(layout: Layout, models: readonly string[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = [...models].sort();
  if (first === undefined) return fn();
  return withLock(layout, `model-${first}`, () => withModelLocks(layout, rest, fn));
}

/** The change as it is now, refused when missing or consumed by any model it names. */
async function pendingChange(layout: Layout, id: string, what: string): Promise<Change> {
  const change = await readChange(layout, id);
  if (!change) throw new MregError('NOT_FOUND', `no pending change ${id} (mreg change ls lists them)`);
  const consumers: string[] = [];
  for (const model of Object.keys(change.models)) {
    for (const m of await readModelManifests(layout, model)) if ((m.changes ?? []).some((c) => c.id === id)) consumers.push(`${model}@${m.version}`);
  }
  if (consumers.length > 0) {
    throw new MregError('REFUSED', `cannot ${what} change ${id}: ${consumers.join(', ')} consumed it, and a version's changes never change`, {
      hint: 'declare a new change instead (mreg change add)',
      data: { id, consumed_by: consumers },
    });
  }
  return change;
}

/** The ids a change names, read once to know which locks to take; re-read under them. */
async function modelsOf(layout: Layout, id: string): Promise<string[]> {
  const change = await readChange(layout, id);
  if (!change) throw new MregError('NOT_FOUND', `no pending change ${id} (mreg change ls lists them)`);
  return Object.keys(change.models);
}

export async function removeChange(layout: Layout, id: string): Promise<Change> {
  return withModelLocks(layout, await modelsOf(layout, id), async () => {
    const change = await pendingChange(layout, id, 'remove');
    try {
      await unlink(change.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MregError('NOT_FOUND', `no pending change ${id} (removed meanwhile)`);
      throw err;
    }
    return change;
  });
}

export async function editChange(layout: Layout, id: string, edit: ChangeEdit): Promise<Change> {
  return withModelLocks(layout, await modelsOf(layout, id), async () => {
    const change = await pendingChange(layout, id, 'edit');
    const models = Object.fromEntries(Object.keys(change.models).map((m) => [m, edit.type ?? change.models[m]!])) as Record<string, ChangeType>;
    const next: Change = { ...change, models, summary: edit.summary ?? change.summary };
    await writeReplace(layout, change.path, renderChangeFile(next), 0o644);
    return next;
  });
}
