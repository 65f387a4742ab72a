// Pending change files in .modelreg/changes/: writing one create-only under a random id, reading them all
// (untrusted: bounded, validated, errors name the file), and telling pending from consumed. A change is
// consumed for a model once a manifest of that model lists its id: the manifest is the single record of
// consumption, so deleting the file afterwards is only tidying up, and a crash in between loses nothing.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, unlink } from 'node:fs/promises';
import { MregError } from '../../errors.js';
import { readModelManifests } from '../manifest/cache.js';
import { checkName } from '../names.js';
import { writeCreateOnly } from '../../store/atomic.js';
import { changePath, type Layout } from '../../store/layout.js';
import type { ChangeType } from '../change-type.js';
import { CHANGE_ID_PATTERN } from '../manifest/types.js';
import { MAX_CHANGE_BYTES, parseChangeFile, renderChangeFile, type ChangeDeclaration } from './change-file.js';

export interface Change extends ChangeDeclaration {
  id: string;
  /** absolute path of the change file */
  path: string;
}

/** A change as one model sees it. */
export interface PendingChange {
  id: string;
  type: ChangeType;
  summary: string;
  /** the maintenance line it is declared for, if any */
  line?: string;
}

/** The line a change is declared for, for one model (undefined: no line). */
export function lineOf(change: ChangeDeclaration, model: string): string | undefined {
  return change.lines && Object.hasOwn(change.lines, model) ? change.lines[model] : undefined;
}

const MAX_CHANGE_FILES = 10_000;

export function changeLabel(id: string): string {
  return `changes/${id}.md`;
}

/** The change ids each model's manifests record, read once per model. */
export class ConsumedIndex {
  private readonly byModel = new Map<string, Promise<Set<string>>>();

  constructor(private readonly layout: Layout) {}

  of(model: string): Promise<Set<string>> {
    let ids = this.byModel.get(model);
    if (!ids) {
      ids = readModelManifests(this.layout, model).then((manifests) => new Set(manifests.flatMap((m) => (m.changes ?? []).map((c) => c.id))));
      this.byModel.set(model, ids);
    }
    return ids;
  }

  /**
   * Records ids consumed by a manifest written after this index was read. A model not read yet is
   * left unread: reading it later sees that manifest anyway, and a read nobody awaits would outlive
   * the command (and its failure would surface as an unhandled rejection).
   */
  add(model: string, ids: readonly string[]): void {
    const current = this.byModel.get(model);
    if (!current) return;
    const next = current.then((set) => new Set([...set, ...ids]));
    next.catch(() => undefined); // a failed read is reported to whoever asks for it next
    this.byModel.set(model, next);
  }
}

function slug(summary: string): string {
  const words = summary.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, ' ').trim().split(' ');
  let out = '';
  for (const word of words) {
    if (word === '' || (out.length > 0 && out.length + 1 + word.length > 40)) break;
    out = out ? `${out}-${word.slice(0, 40)}` : word.slice(0, 40);
  }
  return out;
}

export interface AddChangeOptions {
  /** randomness for the id, replaceable in tests */
  random?: (bytes: number) => Buffer;
}

/**
 * Writes a new change file. Its id is a slug of the summary plus random hex; the file is linked into place
 * create-only, and an id that a named model already consumed is never reused, so ids never collide.
 */
export async function addChange(layout: Layout, declaration: ChangeDeclaration, options: AddChangeOptions = {}): Promise<Change> {
  const models = Object.keys(declaration.models);
  if (models.length === 0) throw new MregError('USAGE', 'name at least one model');
  for (const model of models) checkName(model);
  const random = options.random ?? randomBytes;
  const text = renderChangeFile(declaration);
  const index = new ConsumedIndex(layout);
  const prefix = slug(declaration.summary);
  for (let attempt = 0; attempt < 8; attempt++) {
    const id = prefix ? `${prefix}-${random(3).toString('hex')}` : random(4).toString('hex');
    let used = false;
    for (const model of models) if ((await index.of(model)).has(id)) used = true;
    if (used) continue;
    const path = changePath(layout, id);
    // 0644: change files are meant to be edited in review, unlike manifests.
    if (await writeCreateOnly(layout, path, text, 0o644)) return { id, path, ...declaration };
  }
  throw new MregError('INTERNAL', 'could not find a free change id in 8 attempts');
}

async function readBounded(path: string, label: string): Promise<Buffer | undefined> {
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return undefined; // consumed and removed by a register that ran meanwhile
  if (!st.isFile()) throw new MregError('INVALID_INPUT', `${label}: not a regular file${st.isSymbolicLink() ? ' (a symlink)' : ''}`);
  if (st.size > MAX_CHANGE_BYTES) throw new MregError('INVALID_INPUT', `${label}: larger than ${MAX_CHANGE_BYTES} bytes`);
  let handle;
  try {
    // O_NOFOLLOW and O_NONBLOCK: whatever was swapped in since lstat, never follow it or wait on it.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new MregError('INVALID_INPUT', `${label}: not a regular file (a symlink)`);
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new MregError('INVALID_INPUT', `${label}: not a regular file`);
    // One byte more than allowed, so a file that grew since lstat is still caught.
    const buffer = Buffer.alloc(MAX_CHANGE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) throw new MregError('INVALID_INPUT', `${label}: larger than ${MAX_CHANGE_BYTES} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Every change file, pending or not, sorted by id. Files in changes/ whose names are not change ids
 * (a README.md, a .gitkeep) are not change files and are skipped.
 */
export async function readChanges(layout: Layout): Promise<Change[]> {
  let names: string[];
  try {
    names = await readdir(layout.changes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const ids = names
    .filter((n) => n.endsWith('.md'))
    .map((n) => n.slice(0, -3))
    .filter((id) => CHANGE_ID_PATTERN.test(id))
    .sort();
  if (ids.length > MAX_CHANGE_FILES) throw new MregError('INVALID_INPUT', `changes/: more than ${MAX_CHANGE_FILES} change files`);
  const changes: Change[] = [];
  for (const id of ids) {
    const path = changePath(layout, id);
    const bytes = await readBounded(path, changeLabel(id));
    if (bytes) changes.push({ id, path, ...parseChangeFile(bytes, changeLabel(id)) });
  }
  return changes;
}

/** One change file by id, or undefined when there is none; an id that is not a change id is refused (exit 2). */
export async function readChange(layout: Layout, id: string): Promise<Change | undefined> {
  if (typeof id !== 'string' || !CHANGE_ID_PATTERN.test(id)) {
    throw new MregError('USAGE', `invalid change id ${JSON.stringify(String(id).slice(0, 60))}: expected lowercase letters, digits and '-' as mreg change ls shows them`);
  }
  const path = changePath(layout, id);
  const bytes = await readBounded(path, changeLabel(id));
  return bytes ? { id, path, ...parseChangeFile(bytes, changeLabel(id)) } : undefined;
}

/**
 * The changes still pending for `model` in `line`, oldest id first: a change declared for a line waits for a
 * version bumped in that line, and one declared without a line for a version bumped without one.
 */
export async function pendingFor(layout: Layout, model: string, changes: readonly Change[], index = new ConsumedIndex(layout), line?: string): Promise<PendingChange[]> {
  const consumed = await index.of(model);
  const out: PendingChange[] = [];
  for (const change of changes) {
    const type = change.models[model];
    if (type === undefined || !Object.hasOwn(change.models, model) || consumed.has(change.id) || lineOf(change, model) !== line) continue;
    out.push({ id: change.id, type, summary: change.summary, ...(line === undefined ? {} : { line }) });
  }
  return out;
}

/** Every change with at least one model it is still pending for, showing only those models. */
export async function pendingChanges(layout: Layout, changes?: readonly Change[], index = new ConsumedIndex(layout)): Promise<Change[]> {
  const out: Change[] = [];
  for (const change of changes ?? (await readChanges(layout))) {
    const models: Record<string, ChangeType> = {};
    const lines: Record<string, string> = {};
    for (const [model, type] of Object.entries(change.models)) {
      if ((await index.of(model)).has(change.id)) continue;
      Object.defineProperty(models, model, { value: type, enumerable: true, writable: true, configurable: true });
      const line = lineOf(change, model);
      if (line !== undefined) Object.defineProperty(lines, model, { value: line, enumerable: true, writable: true, configurable: true });
    }
    const { lines: _all, ...rest } = change;
    if (Object.keys(models).length > 0) out.push({ ...rest, models, ...(Object.keys(lines).length > 0 ? { lines } : {}) });
  }
  return out;
}

/**
 * Deletes the change files among `changes` that every model they name has consumed; returns their ids.
 * Best effort: a file left behind (a crash, a read-only checkout) is still seen as consumed.
 */
export async function removeConsumed(changes: readonly Change[], index: ConsumedIndex): Promise<string[]> {
  const removed: string[] = [];
  for (const change of changes) {
    let all = true;
    for (const model of Object.keys(change.models)) if (!(await index.of(model)).has(change.id)) all = false;
    if (!all) continue;
    try {
      await unlink(change.path);
      removed.push(change.id);
    } catch {
      // already gone, or not ours to delete: consumed either way
    }
  }
  return removed;
}
