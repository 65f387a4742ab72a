// The stage snapshot: a derived, disposable copy of each model's replayed stage state in
// .modelreg/cache/stages/ (never committed), so that ls, show <model>@<stage> and promote need not
// replay a history of 10,000 events on every call. It is keyed by the history file's stat and by the
// sha256 of the bytes it was built from: an unchanged file is trusted by its stat (outside git's
// "racily clean" window); a file that grew is checked against that sha256 and only its new lines are
// replayed; anything else, or a missing or damaged snapshot, is a full replay that writes a new one.
// verify never uses it: it replays the history itself.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MregError } from '../../errors.js';
import { writeReplace } from '../../store/atomic.js';
import { historyPath, pulledHistoryPath, type Layout } from '../../store/layout.js';
import { RACY_NS } from '../../store/stat-cache.js';
import { MAX_HISTORY_BYTES, parseHistory, readHistory, type HistoryEvent } from './history.js';
import { prunedVersions } from './pruned.js';
import { applyEvent, emptyState, replay, type CheckResult, type StageState } from './state.js';

const FORMAT = 2;

export interface CurrentState {
  state: StageState;
  /** version -> the event that pruned it */
  pruned: Map<string, HistoryEvent>;
}

/** What a snapshot covers: the whole lines of the tracked history up to `size`, with their sha256. */
interface Covered {
  size: number;
  sha256: string;
}

interface Snapshot extends Covered {
  format: number;
  /** the history file's stat while it was read: dev:ino:size:mtime ns:ctime ns */
  stat: string;
  mtimeNs: string;
  recordedNs: string;
  stages: [string, string[]][];
  /** the events that put each held version into its stage (what stage conflicts are told with) */
  entered: [string, HistoryEvent][];
  pruned: [string, HistoryEvent][];
}

/** Check results, in a file of their own: only promote asks for them, and they grow with every version. */
interface ChecksFile extends Covered {
  format: number;
  /** [version, [check, passed, time]...] */
  checks: [string, [string, boolean, string][]][];
}

function snapshotPaths(layout: Layout, model: string) {
  const dir = join(layout.cache, 'stages');
  return { state: join(dir, `${model}.json`), checks: join(dir, `${model}.checks.json`) };
}

type BigStat = Awaited<ReturnType<typeof statOf>>;

async function statOf(path: string) {
  return stat(path, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

const statKey = (st: NonNullable<BigStat>) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Reads a cache file; missing, unreadable or not of this format: undefined (then it is rebuilt). */
async function readJson<T extends { format: number }>(path: string): Promise<T | undefined> {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as T;
    return doc?.format === FORMAT ? doc : undefined;
  } catch {
    return undefined;
  }
}

function isSnapshot(doc: Snapshot | undefined): doc is Snapshot {
  return (
    doc !== undefined &&
    typeof doc.stat === 'string' &&
    typeof doc.sha256 === 'string' &&
    Number.isSafeInteger(doc.size) &&
    typeof doc.mtimeNs === 'string' &&
    typeof doc.recordedNs === 'string' &&
    /^[0-9]{1,30}$/.test(doc.mtimeNs) &&
    /^[0-9]{1,30}$/.test(doc.recordedNs) &&
    Array.isArray(doc.stages) &&
    Array.isArray(doc.entered) &&
    Array.isArray(doc.pruned)
  );
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isPair = (x: unknown, second: (y: unknown) => boolean) => Array.isArray(x) && x.length === 2 && isString(x[0]) && second(x[1]);
const isObject = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The state a snapshot holds; undefined when any part of it is not of the expected shape (then rebuilt). */
function fromSnapshot(doc: Snapshot, checks: ChecksFile | undefined): CurrentState | undefined {
  if (!doc.stages.every((x) => isPair(x, (v) => Array.isArray(v) && v.every(isString)))) return undefined;
  if (!doc.entered.every((x) => isPair(x, isObject)) || !doc.pruned.every((x) => isPair(x, isObject))) return undefined;
  const state = emptyState();
  for (const [stage, versions] of doc.stages) state.stages.set(stage, [...versions]);
  for (const [key, event] of doc.entered) state.entered.set(key, event);
  for (const row of checks?.checks ?? []) {
    if (!isPair(row, Array.isArray)) return undefined;
    const results = new Map<string, CheckResult>();
    for (const r of row[1]) {
      if (!Array.isArray(r) || !isString(r[0]) || typeof r[1] !== 'boolean' || !isString(r[2])) return undefined;
      results.set(r[0], { passed: r[1], time: r[2] });
    }
    state.checks.set(row[0], results);
  }
  return { state, pruned: new Map(doc.pruned) };
}

async function save(layout: Layout, model: string, current: CurrentState, covered: Covered, st: NonNullable<BigStat>): Promise<void> {
  const { state, pruned } = current;
  const held = new Set<string>();
  for (const [stage, versions] of state.stages) for (const v of versions) held.add(`${stage}\0${v}`);
  const doc: Snapshot = {
    format: FORMAT,
    ...covered,
    stat: statKey(st),
    mtimeNs: `${st.mtimeNs}`,
    recordedNs: `${BigInt(Date.now()) * 1_000_000n}`,
    stages: [...state.stages],
    entered: [...state.entered].filter(([key]) => held.has(key)),
    pruned: [...pruned],
  };
  const checks: ChecksFile = { format: FORMAT, ...covered, checks: [...state.checks].map(([v, results]) => [v, [...results].map(([check, r]) => [check, r.passed, r.time])]) };
  const paths = snapshotPaths(layout, model);
  // The checks first: a snapshot is only used with checks that cover the same bytes.
  try {
    await writeReplace(layout, paths.checks, JSON.stringify(checks), 0o644, false);
    await writeReplace(layout, paths.state, JSON.stringify(doc), 0o644, false);
  } catch {
    // only a cache: the next reader replays again
  }
}

/**
 * A model's current stage state and pruned versions, as `replay(readHistory(...).events)` and
 * `prunedVersions(...)` give them. `state.checks` is filled only with `withChecks` (promote's rules).
 */
export async function currentState(layout: Layout, model: string, options: { withChecks?: boolean } = {}): Promise<CurrentState> {
  const path = historyPath(layout, model);
  const pulled = await statOf(pulledHistoryPath(layout, model));
  const before = await statOf(path);
  if ((pulled && pulled.size > 0n) || !before) {
    // Events a pull brought are merged by id with the tracked ones: replayed in full (rare, and small).
    const { events } = await readHistory(layout, model);
    return { state: replay(events), pruned: prunedVersions(events) };
  }
  const paths = snapshotPaths(layout, model);
  const doc = await readJson<Snapshot>(paths.state);
  const snapshot = isSnapshot(doc) ? doc : undefined;
  const checksFor = async (covered: Covered) => {
    const checks = await readJson<ChecksFile>(paths.checks);
    return checks && checks.size === covered.size && checks.sha256 === covered.sha256 && Array.isArray(checks.checks) ? checks : undefined;
  };
  if (snapshot && snapshot.stat === statKey(before) && BigInt(snapshot.recordedNs) - before.mtimeNs >= RACY_NS) {
    const found = options.withChecks ? await checksFor(snapshot).then((checks) => checks && fromSnapshot(snapshot, checks)) : fromSnapshot(snapshot, undefined);
    if (found) return found;
  }

  if (before.size > BigInt(MAX_HISTORY_BYTES)) throw new MregError('CORRUPT_MANIFEST', `history/${model}.jsonl: larger than ${MAX_HISTORY_BYTES} bytes`);
  const bytes = await readFile(path);
  const end = bytes.lastIndexOf(0x0a) + 1; // whole lines only: a line being appended is read next time
  let current: CurrentState | undefined;
  if (snapshot && snapshot.size <= end && sha256(bytes.subarray(0, snapshot.size)) === snapshot.sha256) {
    // The file grew by appends: replay only the new lines on the snapshot.
    const checks = await checksFor(snapshot);
    const added = parseHistory(bytes.subarray(snapshot.size, end).toString('utf8')).events;
    const earlier = bytes.subarray(0, snapshot.size);
    // An event seen before (the same line merged from two places) counts once: then replay in full.
    if (checks && !added.some((e) => earlier.includes(`"id":${JSON.stringify(e.id)}`))) {
      const base = fromSnapshot(snapshot, checks);
      for (const e of base ? added : []) {
        applyEvent(base!.state, e);
        if (e.event === 'prune') base!.pruned.set(e.version, e);
      }
      current = base;
    }
  }
  if (!current) {
    const { events } = parseHistory(bytes.subarray(0, end).toString('utf8'));
    current = { state: replay(events), pruned: prunedVersions(events) };
  }
  const rest = bytes.subarray(end).toString('utf8');
  const after = await statOf(path);
  if (rest.trim() === '' && after && statKey(after) === statKey(before)) {
    await save(layout, model, current, { size: end, sha256: sha256(bytes.subarray(0, end)) }, before);
  } else if (rest.trim() !== '') {
    // A last line without its newline still counts, as readHistory reads it; not kept in the snapshot.
    const { events } = parseHistory(bytes.toString('utf8'));
    return { state: replay(events), pruned: prunedVersions(events) };
  }
  if (!options.withChecks) current.state.checks.clear();
  return current;
}
