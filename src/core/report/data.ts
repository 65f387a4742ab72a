// The plain data the web view's pages are drawn from, gathered by the report use case (src/api/report.ts)
// from the other use cases; the pages (pages.ts) are pure functions of it.
import type { ChangelogEntry } from '../versioning/changelog.js';
import type { HistoryEvent } from '../lifecycle/history.js';
import type { AffectedVersion, LineageResult } from '../lineage/query.js';
import type { JsonMap, Kind, Manifest, Scalar } from '../manifest/types.js';
import type { ScanFinding, ScanStatus } from '../scan/scan.js';

export type MetricDirection = 'higher' | 'lower';

/** A row of the models page. */
export interface ModelSummary {
  name: string;
  kind: Kind;
  latest: string;
  versions: number;
  /** stage -> versions in it (retired stages left out) */
  by_stage: Record<string, string[]>;
  /** what each deploy target runs, from the history */
  live: { target: string; version: string }[];
}

/** What a deploy target runs, replayed from the model's history (never by asking the adapter: the view only reads). */
export interface TargetView {
  target: string;
  live: string | null;
  deployed_at: string | null;
  deployed_by: string | null;
  last: { event: string; phase: string; version: string; time: string; failed_step?: string; error?: string } | null;
  /** the stage a successful deploy promotes into (config.yaml), when set */
  stage: string | null;
  /** the live version is not (or no longer) in the target's stage; null when the target has no stage */
  drift: boolean | null;
}

/** One version, as the model and version pages need it. */
export interface VersionView {
  manifest: Manifest & { stages: string[]; pruned?: { time: string; actor: string } };
  lineage: LineageResult | null;
  changelog: ChangelogEntry | null;
  /** `sign` events of the history */
  signatures: HistoryEvent[];
  /** `check` events of the history */
  checks: HistoryEvent[];
  /** for data sets, feature sets and pipelines: what was made from this version */
  impact: AffectedVersion[] | null;
  /** each artifact's blob scanned again when the page was drawn (absent: not scanned, e.g. a page drawn from code) */
  scan?: ArtifactScan[];
  /** the model card (Markdown), and whether a hand-written card was merged into it */
  card?: { markdown: string; hand_written: boolean };
}

/** What the scanner says of one stored artifact now; `not_scanned` says why it could not look. */
export interface ArtifactScan {
  path: string;
  status: ScanStatus | 'not_scanned';
  globals: string[];
  findings: ScanFinding[];
  reason?: string;
}

export interface ModelView {
  name: string;
  kind: Kind;
  /** oldest first (semver order) */
  versions: VersionView[];
  /** the metric columns of the versions table and the charts */
  headline: string[];
  directions: Record<string, MetricDirection>;
  /** the stage the deltas compare against ('production' when configured), and the version in it */
  production: { stage: string; version: string } | null;
  /** the history's register, promote, demote, deploy and rollback events, oldest first */
  timeline: HistoryEvent[];
  targets: TargetView[];
}

/** Numbers only: what a chart or a delta can use. */
export function numericMetrics(metrics: JsonMap): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

export type { Scalar };
