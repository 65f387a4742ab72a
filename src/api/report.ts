// The web view's data and pages: gathers what the pages show from the other use cases (ls, show,
// history, changelog, lineage, impact), draws the pages (core/report/pages.ts), and for `report`
// writes them as a static site. `mreg ui` (api/ui.ts) serves the same pages.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MregError } from '../errors.js';
import { replayTarget, liveVersion } from '../core/lifecycle/target-state.js';
import { checkName } from '../core/names.js';
import type { ModelSummary, ModelView, TargetView, VersionView } from '../core/report/data.js';
import { numericMetrics } from '../core/report/data.js';
import { paths, renderIndex, renderModel, renderVersion, type PageOptions } from '../core/report/pages.js';
import { openStore } from '../core/store.js';
import { cardOf } from './card.js';
import { changelog } from './changelog.js';
import { history } from './history.js';
import { impact } from './impact.js';
import { lineage } from './lineage.js';
import { ls } from './ls.js';
import { show } from './show.js';
import type { Where } from './where.js';

export type { ModelSummary, ModelView } from '../core/report/data.js';

/** How many metrics get a column and a chart when config.yaml's `metrics:` names none. */
const HEADLINE_METRICS = 6;

/** Every name in the store with its latest version, stages and live targets: the models page. */
export async function gatherModels(where: Where): Promise<ModelSummary[]> {
  const listed = await ls(where);
  if (listed.model !== undefined) return [];
  const out: ModelSummary[] = [];
  for (const row of listed.models) {
    const { events } = await history({ ...where, model: row.model });
    const targets = [...new Set(events.filter((e) => e.event === 'deploy' || e.event === 'rollback').map((e) => String(e.target)))].sort();
    const live = targets.flatMap((target) => {
      const version = liveVersion(replayTarget(events, target));
      return version === undefined ? [] : [{ target, version }];
    });
    const by_stage = Object.fromEntries(Object.entries(row.by_stage).filter(([stage]) => !listed.retiredStages.includes(stage)));
    out.push({ name: row.model, kind: row.kind, latest: row.version, versions: row.versions, by_stage, live });
  }
  return out;
}

/** Everything the model page and its version pages show. */
export async function gatherModel(where: Where & { model: string }): Promise<ModelView> {
  const name = checkName(where.model);
  const { config } = await openStore({ store: where.store, cwd: where.cwd });
  const listed = await ls({ ...where, model: name });
  if (listed.model === undefined) throw new MregError('NOT_FOUND', `model ${name} has no versions`);
  const rows = listed.versions;
  const { events } = await history({ ...where, model: name });
  const log = await changelog({ ...where, model: name });
  const kind = rows[rows.length - 1]!.kind;
  const versions: VersionView[] = [];
  for (const row of rows) {
    const ref = `${name}@${row.version}`;
    const manifest = await show({ ...where, ref });
    // A version the lineage index cannot place (a damaged manifest elsewhere) still gets its page, without lineage.
    const graph = await lineage({ ...where, ref }).catch((err: unknown) => {
      if (err instanceof MregError) return null;
      throw err;
    });
    versions.push({
      manifest,
      lineage: graph,
      changelog: log.versions.find((e) => e.version === row.version) ?? null,
      signatures: events.filter((e) => e.event === 'sign' && e.version === row.version),
      checks: events.filter((e) => e.event === 'check' && e.version === row.version),
      impact: kind === 'model' ? null : (await impact({ ...where, component: ref })).affected,
      card: await cardOf(where, manifest, graph).then((c) => ({ markdown: c.markdown, hand_written: c.hand_written })),
    });
  }
  // Headline metrics: those config.yaml ranks, then the most common numeric ones.
  const counts = new Map<string, number>();
  for (const v of versions) for (const k of Object.keys(numericMetrics(v.manifest.metrics))) counts.set(k, (counts.get(k) ?? 0) + 1);
  const ranked = Object.keys(config.metrics).filter((k) => counts.has(k));
  const rest = [...counts.entries()].filter(([k]) => !ranked.includes(k)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  const headline = [...ranked, ...rest].slice(0, Math.max(HEADLINE_METRICS, ranked.length));
  // The stage deltas compare against: production when configured, else the first exclusive stage.
  const stageName = config.stages.production ? 'production' : Object.entries(config.stages).find(([, s]) => s.exclusive)?.[0];
  const holder = stageName === undefined ? undefined : rows.find((r) => r.stages.includes(stageName));
  const targetNames = new Set([...Object.keys(config.targets), ...events.filter((e) => e.event === 'deploy' || e.event === 'rollback').map((e) => String(e.target))]);
  const targets: TargetView[] = [...targetNames].sort().flatMap((target) => {
    const state = replayTarget(events, target);
    if (state.lastOutcome === undefined && state.interrupted === undefined) return [];
    const live = liveVersion(state) ?? null;
    const stage = config.targets[target]?.stage ?? null;
    const last = state.lastOutcome;
    return [
      {
        target,
        live,
        deployed_at: state.liveEvent?.time ?? null,
        deployed_by: state.liveEvent?.actor ?? null,
        last: last
          ? { event: last.event, phase: String(last.phase), version: last.version, time: last.time, ...(typeof last.failed_step === 'string' ? { failed_step: last.failed_step } : {}), ...(typeof last.error === 'string' ? { error: last.error } : {}) }
          : null,
        stage,
        drift: stage === null || live === null ? null : !rows.some((r) => r.version === live && r.stages.includes(stage)),
      },
    ];
  });
  return {
    name,
    kind,
    versions,
    headline,
    directions: { ...config.metrics },
    production: stageName !== undefined && holder ? { stage: stageName, version: holder.version } : null,
    timeline: events,
    targets,
  };
}

export interface ReportOptions extends Where {
  /** the directory the pages are written to (created; pages already there are overwritten) */
  out: string;
  /** only these models (default: every name in the store) */
  models?: readonly string[] | undefined;
  /** the time shown in the footer (default: now) */
  now?: Date;
}

export interface ReportResult {
  /** the output directory, absolute */
  out: string;
  /** the index page, absolute */
  index: string;
  /** every page written, relative to `out` */
  pages: string[];
  models: string[];
}

/** Writes a file through a temp file and a rename, so a reader (a web server publishing `out`) never sees half a page. */
async function writePage(path: string, html: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, html);
  await rename(temp, path);
}

export async function report(opts: ReportOptions): Promise<ReportResult> {
  if (!opts.out) throw new MregError('USAGE', 'out: give the directory to write the pages to', { data: { option: 'out' } });
  const wanted = opts.models?.length ? new Set(opts.models.map((m) => checkName(m))) : undefined;
  const where: Where = { cwd: opts.cwd, store: opts.store, ...(opts.env ? { env: opts.env } : {}) };
  const all = await gatherModels(where);
  for (const name of wanted ?? []) if (!all.some((m) => m.name === name)) throw new MregError('NOT_FOUND', `model ${name} has no versions`, { data: { option: 'models' } });
  const models = wanted ? all.filter((m) => wanted.has(m.name)) : all;
  const out = resolve(opts.cwd, opts.out);
  const pageOpts: PageOptions = { generated: (opts.now ?? new Date()).toISOString(), linked: (name) => models.some((m) => m.name === name) };
  const pages: string[] = [];
  const put = async (rel: string, html: string) => {
    await writePage(join(out, rel), html);
    pages.push(rel);
  };
  for (const summary of models) {
    const view = await gatherModel({ ...where, model: summary.name });
    await put(paths.model(view.name), renderModel(view, pageOpts));
    for (const v of view.versions) await put(paths.version(view.name, v.manifest.version), renderVersion(view, v.manifest.version, pageOpts)!);
  }
  await put(paths.index(), renderIndex(models, pageOpts));
  return { out, index: join(out, paths.index()), pages, models: models.map((m) => m.name) };
}
