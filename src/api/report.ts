// The web view's data and pages: gathers what the pages show (from the ls, history and changelog use
// cases, and from the domain: manifests, lineage and impact over one loaded graph, a fresh scan of the
// blobs), draws the pages (core/report/pages.ts), and for `report` writes them as a static site that
// it keeps whole on re-runs. `mreg ui` (api/ui.ts) serves the same pages.
import { lstat, mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MregError } from '../errors.js';
import { replayTarget, liveVersion } from '../core/lifecycle/target-state.js';
import { checkName } from '../core/names.js';
import type { ArtifactScan, ModelSummary, ModelView, TargetView, VersionView } from '../core/report/data.js';
import { scanFile } from '../core/scan/scan.js';
import { blobPath, type Layout } from '../store/layout.js';
import type { Manifest } from '../core/manifest/types.js';
import { numericMetrics } from '../core/report/data.js';
import { paths, renderIndex, renderModel, renderVersion, type PageOptions } from '../core/report/pages.js';
import { openStore } from '../core/store.js';
import type { LineageGraph } from '../core/lineage/graph.js';
import { impact, lineage, loadGraph } from '../core/lineage/query.js';
import { prunedVersions } from '../core/lifecycle/pruned.js';
import { readManifest } from '../core/manifest/versions.js';
import { cardOf } from './card.js';
import { changelog } from './changelog.js';
import { history } from './history.js';
import { ls } from './ls.js';
import type { Where } from './where.js';

export type { ModelSummary, ModelView } from '../core/report/data.js';

/** How many metrics get a column and a chart when config.yaml's `metrics:` names none. */
const HEADLINE_METRICS = 6;

/** Blobs larger than this are not scanned again for a page (register scanned them; `mreg scan` still does). */
export const REPORT_SCAN_MAX_BYTES = 256 * 2 ** 20;
/** Scans remembered by blob (content-addressed, so a blob's verdict holds while its file is unchanged). */
const SCAN_CACHE_ENTRIES = 20_000;
const scanCache = new Map<string, Omit<ArtifactScan, 'path'>>();

/**
 * Each artifact's blob scanned again now, as `mreg scan name@version` would: a page shows what today's
 * scanner says, not only what register said. Bounded: big blobs are skipped with a reason, a blob is
 * scanned once per process however many versions share it, and a missing or odd file is a reason, not an error.
 */
async function scanArtifacts(layout: Layout, manifest: Manifest): Promise<ArtifactScan[]> {
  const out: ArtifactScan[] = [];
  for (const a of manifest.artifacts) {
    const file = blobPath(layout, a.sha256);
    const st = await stat(file).catch(() => undefined);
    const notScanned = (reason: string): ArtifactScan => ({ path: a.path, status: 'not_scanned', globals: [], findings: [], reason });
    if (!st?.isFile()) {
      out.push(notScanned('its file is not in this store (pruned, or not pulled)'));
      continue;
    }
    if (st.size > REPORT_SCAN_MAX_BYTES) {
      out.push(notScanned(`larger than ${REPORT_SCAN_MAX_BYTES / 2 ** 20} MiB: run mreg scan ${manifest.name}@${manifest.version}`));
      continue;
    }
    const key = `${a.sha256} ${a.path.slice(a.path.lastIndexOf('.'))} ${st.size} ${st.mtimeMs}`;
    let verdict = scanCache.get(key);
    if (!verdict) {
      // The artifact's path, not the blob's, picks the reader (a .pt is read as PyTorch).
      verdict = await scanFile(file, a.path).then(
        (r) => ({ status: r.status, globals: r.globals, findings: r.findings }),
        (err: unknown) => {
          // The message would name the blob's path on this machine: not for a published page.
          if (err instanceof MregError) return { status: 'not_scanned' as const, globals: [], findings: [], reason: `its file could not be scanned (${err.code})` };
          throw err;
        },
      );
      if (scanCache.size >= SCAN_CACHE_ENTRIES) scanCache.delete(scanCache.keys().next().value!);
      scanCache.set(key, verdict);
    }
    out.push({ path: a.path, ...verdict });
  }
  return out;
}

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

/**
 * Everything the model page and its version pages show. `detail` limits the costly parts (lineage, the
 * card, the scan) to the versions a page shows them for: the live view draws one page per request.
 */
export async function gatherModel(where: Where & { model: string; detail?: 'all' | 'none' | { version: string } }, loaded?: { graph: LineageGraph }): Promise<ModelView> {
  const name = checkName(where.model);
  const store = await openStore({ store: where.store, cwd: where.cwd });
  const { config } = store;
  const listed = await ls({ ...where, model: name });
  if (listed.model === undefined) throw new MregError('NOT_FOUND', `model ${name} has no versions`);
  const rows = listed.versions;
  const { events } = await history({ ...where, model: name });
  const log = await changelog({ ...where, model: name });
  const kind = rows[rows.length - 1]!.kind;
  const detail = where.detail ?? 'all';
  const full = (version: string) => detail === 'all' || (typeof detail === 'object' && detail.version === version);
  // One lineage graph for every version's lineage and impact (a report shares one for every name): loading it reads the whole store's index.
  const graph = loaded?.graph ?? (await loadGraph(store.layout));
  const pruned = prunedVersions(events);
  const versions: VersionView[] = [];
  for (const row of rows) {
    const ref = `${name}@${row.version}`;
    // What show() gives, without re-reading the history for each version.
    const prune = row.pruned ? pruned.get(row.version) : undefined; // ls counts only prunes of unprotected versions
    const manifest = { ...(await readManifest(store.layout, name, row.version)), stages: row.stages, ...(prune ? { pruned: { time: prune.time, actor: prune.actor } } : {}) };
    const deep = full(row.version);
    // A version the lineage index cannot place (a damaged manifest elsewhere) still gets its page, without lineage.
    const lineageResult = deep
      ? await lineage(store, { ref }, graph).catch((err: unknown) => {
          if (err instanceof MregError) return null;
          throw err;
        })
      : null;
    versions.push({
      manifest,
      lineage: lineageResult,
      changelog: log.versions.find((e) => e.version === row.version) ?? null,
      signatures: events.filter((e) => e.event === 'sign' && e.version === row.version),
      checks: events.filter((e) => e.event === 'check' && e.version === row.version),
      // The model page of a data set shows every version's impact; a version page, its own.
      impact: kind === 'model' || (typeof detail === 'object' && !deep) ? null : (await impact(store, { component: ref }, graph)).affected,
      ...(deep
        ? {
            scan: await scanArtifacts(store.layout, manifest),
            card: await cardOf(where, manifest, lineageResult).then((c) => ({ markdown: c.markdown, hand_written: c.hand_written })),
          }
        : {}),
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
  /** the directory the pages are written to (created; pages already there are overwritten, pages an earlier report wrote there that no longer exist are removed) */
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
  /** pages an earlier report wrote into `out` that this one did not, removed (relative to `out`) */
  removed: string[];
  models: string[];
}

/** Writes a file through a temp file and a rename, so a reader (a web server publishing `out`) never sees half a page. */
async function writePage(path: string, html: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, html);
  await rename(temp, path);
}

/** The list of pages a report wrote into its directory: the only files a later report may remove. */
export const REPORT_MANIFEST = '.mreg-report.json';
/** What a page's path may look like: the manifest is read back from disk, so it is checked as hostile. */
const PAGE_PATH = /^(?:index\.html|m\/[^/\\]+\/[^/\\]+\.html)$/;

async function ownedPages(out: string): Promise<string[]> {
  const text = await readFile(join(out, REPORT_MANIFEST), 'utf8').catch(() => undefined);
  if (text === undefined || text.length > 64 * 2 ** 20) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const pages = (doc as { pages?: unknown })?.pages;
  return Array.isArray(pages) ? pages.filter((p): p is string => typeof p === 'string' && PAGE_PATH.test(p) && !p.split('/').some((seg) => seg === '..' || seg === '.')) : [];
}

/** Removes a page an earlier report wrote, only if it and the folders above it are what they were made as (no symlinks followed). */
async function removeStale(out: string, rel: string): Promise<boolean> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = await lstat(join(out, ...parts.slice(0, i))).catch(() => undefined);
    if (!dir?.isDirectory()) return false;
  }
  const file = await lstat(join(out, rel)).catch(() => undefined);
  if (!file?.isFile()) return false;
  await unlink(join(out, rel));
  // A model's folder goes with its last page; a folder holding anything else stays.
  if (parts.length === 3) await rmdir(join(out, parts[0]!, parts[1]!)).catch(() => undefined);
  return true;
}

export async function report(opts: ReportOptions): Promise<ReportResult> {
  if (!opts.out) throw new MregError('USAGE', 'out: give the directory to write the pages to', { data: { option: 'out' } });
  const wanted = opts.models?.length ? new Set(opts.models.map((m) => checkName(m))) : undefined;
  const where: Where = { cwd: opts.cwd, store: opts.store, ...(opts.env ? { env: opts.env } : {}) };
  const all = await gatherModels(where);
  for (const name of wanted ?? []) if (!all.some((m) => m.name === name)) throw new MregError('NOT_FOUND', `model ${name} has no versions`, { data: { option: 'models' } });
  const models = wanted ? all.filter((m) => wanted.has(m.name)) : all;
  const out = resolve(opts.cwd, opts.out);
  const before = await ownedPages(out);
  const pageOpts: PageOptions = { generated: (opts.now ?? new Date()).toISOString(), linked: (name) => models.some((m) => m.name === name) };
  const pages: string[] = [];
  const put = async (rel: string, html: string) => {
    await writePage(join(out, rel), html);
    pages.push(rel);
  };
  // Pages that are linked to are written before the pages that link to them, and stale pages are removed
  // only once nothing written links to them: a host serving `out` meanwhile serves whole pages, old or new,
  // and no link that leads nowhere.
  const { layout } = await openStore({ store: opts.store, cwd: opts.cwd });
  const graph = await loadGraph(layout);
  for (const summary of models) {
    const view = await gatherModel({ ...where, model: summary.name }, { graph });
    for (const v of view.versions) await put(paths.version(view.name, v.manifest.version), renderVersion(view, v.manifest.version, pageOpts)!);
    await put(paths.model(view.name), renderModel(view, pageOpts));
  }
  await put(paths.index(), renderIndex(models, pageOpts));
  const written = new Set(pages);
  const stale = before.filter((rel) => !written.has(rel));
  // The list is rewritten before anything is removed: interrupted, the next run still knows what it owns.
  await writePage(join(out, REPORT_MANIFEST), `${JSON.stringify({ written_by: 'mreg report', pages: [...new Set([...pages, ...stale])].sort() }, null, 1)}\n`);
  const removed: string[] = [];
  for (const rel of stale) if (await removeStale(out, rel)) removed.push(rel);
  if (stale.length) await writePage(join(out, REPORT_MANIFEST), `${JSON.stringify({ written_by: 'mreg report', pages: [...pages].sort() }, null, 1)}\n`);
  return { out, index: join(out, paths.index()), pages, removed, models: models.map((m) => m.name) };
}
