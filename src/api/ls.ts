// Listing: every model with its latest version, kind and stages; or one model's versions, oldest first,
// optionally filtered (`where`, core/search/filter.ts), sorted and limited.
import { MregError } from '../errors.js';
import { readHistory } from '../core/lifecycle/history.js';
import { dropProtectedPrunes } from '../core/lifecycle/pruned.js';
import { currentState } from '../core/lifecycle/snapshot.js';
import { stagesOf, type StageState } from '../core/lifecycle/state.js';
import { unpushed, type Unpushed } from '../core/remote/known.js';
import { kindsOf } from '../core/lineage/version-index.js';
import { readModelManifests } from '../core/manifest/cache.js';
import type { Kind } from '../core/manifest/types.js';
import { listModels, listVersions, missingModel } from '../core/manifest/versions.js';
import { checkName } from '../core/names.js';
import { openStore, type Store } from '../core/store.js';
import { matches, parseFilter } from '../core/search/filter.js';
import { parseSortKey, sortRows } from '../core/search/sort.js';
import type { JsonMap, Scalar } from '../core/manifest/types.js';
import type { Layout } from '../store/layout.js';
import type { Where } from './where.js';

export type { Kind } from '../core/manifest/types.js';

export interface LsOptions extends Where {
  /** list this model's versions instead of every model */
  model?: string | undefined;
  /** with a model: keep the versions this filter matches, e.g. "metrics.auc >= 0.9 and tags.owner = 'risk'" */
  where?: string | undefined;
  /** with a model: sort keys in turn, e.g. ['-metrics.auc', 'version'] (minus for descending); default oldest first */
  sort?: readonly string[] | undefined;
  /** with a model: at most this many versions, after filtering and sorting (unsorted: the newest, still oldest first) */
  limit?: number | undefined;
}

export interface ModelRow {
  model: string;
  kind: Kind;
  /** the latest version */
  version: string;
  /** how many versions it has */
  versions: number;
  /** the stages the latest version holds */
  stages: string[];
  /** stage -> versions in it, stages in a stable order */
  by_stage: Record<string, string[]>;
  /** versions and events the default remote lacks, as far as the last push or pull saw (only with a default remote) */
  unpushed?: number;
}

export interface VersionRow {
  model: string;
  kind: Kind;
  version: string;
  hash: string;
  created_at: string;
  actor: string;
  stages: string[];
  /** gc pruned it: the manifest remains, its files are gone */
  pruned: boolean;
  message?: string;
  metrics: JsonMap;
  tags: Record<string, Scalar>;
  /** this version (if the default remote lacks it) and its events it lacks (only with a default remote) */
  unpushed?: number;
}

/** Every model (`models`, and the stages config.yaml marks as retired), or one model's versions (`versions`). */
export type LsResult = { model?: undefined; models: ModelRow[]; retiredStages: string[] } | { model: string; versions: VersionRow[] };

async function stateOf(store: Store, model: string, versions: string[]): Promise<{ state: StageState; pruned: Map<string, unknown>; pending?: Unpushed }> {
  const { state, pruned } = await currentState(store.layout, model);
  const pending = await unpushed(store.layout, store.config, model, versions, async () => (await readHistory(store.layout, model)).events);
  return { state, pruned, ...(pending ? { pending } : {}) };
}

function byStage(state: StageState): Record<string, string[]> {
  return Object.fromEntries([...state.stages.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function checkSearch(opts: LsOptions) {
  const sorts = (opts.sort ?? []).map((text) => parseSortKey(text, 'sort'));
  const filter = opts.where === undefined ? undefined : parseFilter(opts.where, 'where');
  if (opts.limit !== undefined && !(Number.isSafeInteger(opts.limit) && opts.limit >= 1)) {
    throw new MregError('USAGE', `limit ${JSON.stringify(opts.limit)}: expected a whole number of versions, 1 or more`, { data: { option: 'limit' } });
  }
  if (opts.model === undefined) {
    const given = opts.where !== undefined ? 'where' : sorts.length > 0 ? 'sort' : opts.limit !== undefined ? 'limit' : undefined;
    if (given) throw new MregError('USAGE', `${given} applies to one model's versions: name the model`, { data: { option: given } });
  }
  return { sorts, filter };
}

export async function ls(opts: LsOptions): Promise<LsResult> {
  if (opts.model !== undefined) checkName(opts.model);
  const { sorts, filter } = checkSearch(opts);
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const { layout } = store;
  if (opts.model === undefined) {
    const rows: ModelRow[] = [];
    for (const name of await listModels(layout)) {
      const versions = await listVersions(layout, name);
      if (versions.length === 0) continue;
      const { state, pending } = await stateOf(store, name, versions);
      const latest = versions[versions.length - 1]!;
      rows.push({ model: name, kind: 'model', version: latest, versions: versions.length, stages: stagesOf(state, latest), by_stage: byStage(state), ...(pending ? { unpushed: pending.total } : {}) });
    }
    // A name holds one kind: its latest manifest says which (from the lineage index while that file is unchanged).
    const kinds = await kindsOf(layout, rows.map((r) => ({ name: r.model, version: r.version })));
    for (const r of rows) r.kind = kinds.get(`${r.model}@${r.version}`) ?? r.kind;
    const retiredStages = Object.entries(store.config.stages).filter(([, s]) => s.retire).map(([name]) => name);
    return { models: rows, retiredStages };
  }
  const model = opts.model;
  const manifests = await readModelManifests(layout, model);
  if (manifests.length === 0) throw await missingModel(layout, model);
  const { state, pruned, pending } = await stateOf(store, model, manifests.map((m) => m.version));
  await dropProtectedPrunes(layout, store.config.retention.protect, new Map([[model, pruned]]));
  let found = manifests.map((m) => ({
    row: {
      model,
      kind: m.kind,
      version: m.version,
      hash: m.hash,
      created_at: m.created_at,
      actor: m.actor,
      stages: stagesOf(state, m.version),
      pruned: pruned.has(m.version),
      ...(m.message ? { message: m.message } : {}),
      metrics: m.metrics,
      tags: m.tags,
      ...(pending ? { unpushed: pending.byVersion.get(m.version) ?? 0 } : {}),
    } satisfies VersionRow,
    params: m.params,
  }));
  const searchable = (f: (typeof found)[number]) => ({ ...f.row, params: f.params });
  if (filter) found = found.filter((f) => matches(searchable(f), filter));
  let rows = found.map(searchable);
  if (sorts.length > 0) rows = sortRows(rows, sorts);
  // Unsorted rows stay oldest first, and a limit keeps the newest: what "the last n versions" means.
  if (opts.limit !== undefined) rows = sorts.length > 0 ? rows.slice(0, opts.limit) : rows.slice(-opts.limit);
  return { model, versions: rows.map(({ params: _params, ...row }) => row) };
}
