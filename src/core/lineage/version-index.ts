// A derived, disposable, store-wide index of every version's kind and references, in
// .modelreg/cache/lineage.json (kept out of git), so that lineage and impact need not parse 10,000
// manifests on every run. It is never trusted over the manifests: an entry is used only while its
// manifest file's size, mtime, ctime and inode are exactly what they were when the entry was built
// from a validated read of that file; any other file is read and validated afresh.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import valid from 'semver/functions/valid.js';
import { lineageEntries } from '../manifest/lineage.js';
import { KINDS, RELATIONS, type Kind, type Lineage, type Relation } from '../manifest/types.js';
import { nameProblem } from '../names.js';
import { writeReplace } from '../../store/atomic.js';
import { pulledModelsDir, type Layout } from '../../store/layout.js';

const INDEX_FORMAT = 1;
/** Far beyond any real store's index (10,000 versions take 1.5 MB); a larger file is ignored, not read into memory. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;
/**
 * A file changed within this long of the moment it was read might change again within the same
 * timestamp tick without its stat changing (git's "racy clean" problem): its entry is used for this
 * run but not written down, so the next run reads it again.
 */
const RACY_MS = 2000;

/** One version, as the graph needs it: references as node ids (name@version, or the URI). */
export interface VersionRecord {
  name: string;
  version: string;
  kind: Kind;
  refs: { [R in Relation]?: string[] };
}

/** [stat key, kind, references by relation] */
type Entry = [string, Kind, VersionRecord['refs']];

interface IndexFile {
  format: number;
  models: Record<string, Record<string, Entry>>;
}

function indexPath(layout: Layout): string {
  return join(layout.cache, 'lineage.json');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Size, mtime, ctime and inode: any write, rename over, touch or chmod changes at least one of them. */
function statKey(path: string, prefix = ''): { key: string; changedAt: number } | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  return { key: `${prefix}${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`, changedAt: Math.max(st.mtimeMs, st.ctimeMs) };
}

/** A damaged index is worth nothing, never an error: it is rebuilt from the manifests. */
function readIndex(layout: Layout): IndexFile['models'] {
  try {
    const path = indexPath(layout);
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > MAX_INDEX_BYTES) throw new Error('too large');
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as IndexFile;
    if (parsed?.format === INDEX_FORMAT && parsed.models && typeof parsed.models === 'object' && !Array.isArray(parsed.models)) {
      return Object.assign(Object.create(null) as IndexFile['models'], parsed.models);
    }
  } catch {
    // missing or unreadable: rebuilt below
  }
  return Object.create(null) as IndexFile['models'];
}

/** Only the shape is checked here: an entry's content counts only when its key matches the file. */
function isEntry(value: unknown): value is Entry {
  if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== 'string' || !KINDS.includes(value[1] as Kind)) return false;
  const refs = value[2] as Record<string, unknown>;
  if (refs === null || typeof refs !== 'object' || Array.isArray(refs)) return false;
  for (const relation in refs) {
    const ids = refs[relation];
    if (!RELATIONS.includes(relation as Relation) || !Array.isArray(ids)) return false;
    for (const id of ids) if (typeof id !== 'string') return false;
  }
  return true;
}

function refsOf(lineage: Lineage | undefined): VersionRecord['refs'] {
  const refs: VersionRecord['refs'] = {};
  for (const { relation, id } of lineageEntries(lineage)) (refs[relation] ??= []).push(id);
  return refs;
}

/** A version the index does not hold as its file is now: its manifest must be read. */
interface Miss {
  model: string;
  version: string;
  path: string;
  before: { key: string; changedAt: number };
}

type Models = IndexFile['models'];

function put(models: Models, model: string, version: string, entry: Entry): void {
  (models[model] ??= Object.create(null) as Record<string, Entry>)[version] = entry;
}

class IndexSession {
  readonly models: Models;
  /** entries still true of their files, and those built in this session */
  readonly fresh = Object.create(null) as Models;
  changed = false;

  constructor(
    private readonly layout: Layout,
    private readonly now: number,
  ) {
    this.models = readIndex(layout);
  }

  /**
   * The record of one version from the index, while its file is unchanged; a Miss otherwise. Synchronous:
   * on a fresh index this runs 10,000 times, and an await each time would cost more than the stat.
   */
  lookup(model: string, version: string): VersionRecord | Miss | undefined {
    // Built by hand, not with path.join: 10,000 joins cost more than the lookups they serve.
    // The tracked manifest, else the one a pull brought (keyed apart, so a switch of file is a miss).
    let path = `${this.layout.models}${sep}${model}${sep}${version}.yaml`;
    let before = statKey(path);
    if (!before) {
      path = `${this.layout.pulled}${sep}models${sep}${model}${sep}${version}.yaml`;
      before = statKey(path, 'p:');
    }
    if (!before) return undefined;
    const cached = this.models[model]?.[version];
    if (isEntry(cached) && cached[0] === before.key) {
      put(this.fresh, model, version, cached);
      return { name: model, version, kind: cached[1], refs: cached[2] };
    }
    if (valid(version) !== version) return undefined;
    return { model, version, path, before };
  }

  /** Reads and validates the manifest (never trusted otherwise), and records it when that is safe. */
  async load(miss: Miss): Promise<VersionRecord> {
    // Loaded only now: a fresh index needs no YAML parser at all.
    const { readManifest } = await import('../manifest/versions.js');
    const manifest = await readManifest(this.layout, miss.model, miss.version);
    const refs = refsOf(manifest.lineage);
    const after = statKey(miss.path);
    // Written down only if the file did not change while it was read, and not so recently that it might
    // change again unnoticed.
    if (after?.key === miss.before.key && this.now - miss.before.changedAt > RACY_MS) {
      put(this.fresh, miss.model, miss.version, [miss.before.key, manifest.kind, refs]);
      this.changed = true;
    }
    return { name: miss.model, version: miss.version, kind: manifest.kind, refs };
  }

  async loadAll(misses: Miss[], into: VersionRecord[]): Promise<void> {
    // A few at a time: reads overlap with parsing, and a cold index of 10,000 files does not open them all at once.
    for (let i = 0; i < misses.length; i += 16) into.push(...(await Promise.all(misses.slice(i, i + 16).map((m) => this.load(m)))));
  }

  async save(models: Models): Promise<void> {
    const data = JSON.stringify({ format: INDEX_FORMAT, models } satisfies IndexFile);
    // Best effort and not fsynced: the index can always be rebuilt, and a read-only store goes without.
    await writeReplace(this.layout, indexPath(this.layout), data, 0o644, false).catch(() => undefined);
  }
}

function isMiss(found: VersionRecord | Miss): found is Miss {
  return 'before' in found;
}

function versionFiles(layout: Layout, model: string): string[] {
  const out = new Set<string>();
  for (const dir of [join(layout.models, model), join(pulledModelsDir(layout), model)]) {
    for (const file of listDir(dir)) if (file.endsWith('.yaml')) out.add(file.slice(0, -'.yaml'.length));
  }
  return [...out];
}

/**
 * Every version in the store, each with its kind and references. Stats every manifest (synchronously:
 * for 10,000 files that takes a third of the time of going through the thread pool); parses only those
 * the index does not hold as they are now.
 */
export async function readVersionRecords(layout: Layout, now = Date.now()): Promise<VersionRecord[]> {
  const session = new IndexSession(layout, now);
  const records: VersionRecord[] = [];
  const misses: Miss[] = [];
  for (const model of new Set([...listDir(layout.models), ...listDir(pulledModelsDir(layout))])) {
    if (nameProblem(model)) continue;
    for (const version of versionFiles(layout, model)) {
      const found = session.lookup(model, version);
      if (found === undefined) continue;
      if (isMiss(found)) misses.push(found);
      else records.push(found);
    }
  }
  await session.loadAll(misses, records);
  // What is not in `fresh` (files gone or changed) is dropped with the old index.
  if (session.changed || countEntries(session.models) !== countEntries(session.fresh)) await session.save(session.fresh);
  return records;
}

function countEntries(models: Models): number {
  let n = 0;
  for (const versions of Object.values(models)) if (versions && typeof versions === 'object') n += Object.keys(versions).length;
  return n;
}

/** The kind of each named version (a name holds one kind), reading as few manifests as the index allows. */
export async function kindsOf(layout: Layout, versions: { name: string; version: string }[], now = Date.now()): Promise<Map<string, Kind>> {
  const session = new IndexSession(layout, now);
  const records: VersionRecord[] = [];
  const misses: Miss[] = [];
  for (const { name, version } of versions) {
    const found = session.lookup(name, version);
    if (found === undefined) continue;
    if (isMiss(found)) misses.push(found);
    else records.push(found);
  }
  await session.loadAll(misses, records);
  if (session.changed) {
    // Merged into what the index already holds: the other entries are not this call's to drop.
    for (const [model, entries] of Object.entries(session.fresh)) session.models[model] = Object.assign(session.models[model] ?? Object.create(null), entries);
    await session.save(session.models);
  }
  return new Map(records.map((r) => [`${r.name}@${r.version}`, r.kind]));
}
