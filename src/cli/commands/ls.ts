// mreg ls [model]
import { checkName } from '../../core/names.js';
import { MregError } from '../../errors.js';
import { readModelManifests } from '../../core/manifest/cache.js';
import { kindsOf } from '../../core/lineage/version-index.js';
import type { Kind } from '../../core/manifest/types.js';
import { readHistory } from '../../core/lifecycle/history.js';
import { replay, stagesOf, type StageState } from '../../core/lifecycle/state.js';
import type { Layout } from '../../store/layout.js';
import { listModels, listVersions } from '../../core/manifest/versions.js';

async function stateOf(layout: Layout, model: string): Promise<StageState> {
  return replay((await readHistory(layout, model)).events);
}

/** stage -> versions, for one model, in a stable order */
function byStage(state: StageState): Record<string, string[]> {
  return Object.fromEntries([...state.stages.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const store = await openContextStore(ctx);
  const model = args[0] as string | undefined;
  if (model === undefined) {
    const rows: { model: string; kind: Kind; version: string; versions: number; stages: string[]; by_stage: Record<string, string[]> }[] = [];
    for (const name of await listModels(store.layout)) {
      const versions = await listVersions(store.layout, name);
      if (versions.length === 0) continue;
      const state = await stateOf(store.layout, name);
      const latest = versions[versions.length - 1]!;
      rows.push({ model: name, kind: 'model', version: latest, versions: versions.length, stages: stagesOf(state, latest), by_stage: byStage(state) });
    }
    // A name holds one kind: its latest manifest says which (from the lineage index while that file is unchanged).
    const kinds = await kindsOf(store.layout, rows.map((r) => ({ name: r.model, version: r.version })));
    for (const r of rows) r.kind = kinds.get(`${r.model}@${r.version}`) ?? r.kind;
    const stageText = (r: (typeof rows)[number]) =>
      Object.entries(r.by_stage)
        .filter(([stage]) => !store.config.stages[stage]?.retire)
        .map(([stage, vs]) => `${stage}=${vs.join(',')}`)
        .join(' ');
    ctx.render.result(
      rows,
      rows.length === 0
        ? 'no models registered yet'
        : table(rows.map((r) => [r.model, r.version, `${r.versions} version${r.versions === 1 ? '' : 's'}`, stageText(r), r.kind]), ['MODEL', 'LATEST', 'VERSIONS', 'STAGES', 'KIND']),
    );
    return EXIT_OK;
  }
  checkName(model);
  const manifests = await readModelManifests(store.layout, model);
  if (manifests.length === 0) throw new MregError('NOT_FOUND', `model ${model} has no versions`);
  const state = await stateOf(store.layout, model);
  const rows = manifests.map((m) => ({
    model,
    kind: m.kind,
    version: m.version,
    hash: m.hash,
    created_at: m.created_at,
    actor: m.actor,
    stages: stagesOf(state, m.version),
    ...(m.message ? { message: m.message } : {}),
  }));
  ctx.render.result(
    rows,
    table(
      [...rows].reverse().map((r) => [r.version, r.hash, r.created_at.replace(/\.\d+Z$/, 'Z'), r.stages.join(','), r.message?.split('\n')[0] ?? '']),
      ['VERSION', 'HASH', 'CREATED', 'STAGES', 'MESSAGE'],
    ),
  );
  return EXIT_OK;
}
