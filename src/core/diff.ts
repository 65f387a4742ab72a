// Comparing two versions: metrics (with the direction that counts as better), params, artifacts,
// the data and pipeline they were trained from, and what changed in their interface.
import type { Config, MetricDirection } from './config/config.js';
import type { Artifact, Json, Manifest } from './manifest/types.js';
import { canonicalJson } from './manifest/hash.js';
import { requiredBump, type Finding } from './formats/compare.js';
import { versionFindings } from './versioning/findings.js';

export interface MetricChange {
  a: Json | null;
  b: Json | null;
  delta: number | null;
  /** (b - a) / |a|, when both are numbers and a is not 0 */
  relative: number | null;
  /** which way is better for this metric, when known */
  direction: MetricDirection | null;
  /** true if b is better than a, false if worse, null if equal or unknown */
  improved: boolean | null;
}

export interface VersionDiff {
  a: { model: string; version: string; hash: string };
  b: { model: string; version: string; hash: string };
  metrics: Record<string, MetricChange>;
  params: Record<string, { a: Json | null; b: Json | null }>;
  tags: Record<string, { a: Json | null; b: Json | null }>;
  artifacts: {
    added: Artifact[];
    removed: Artifact[];
    changed: { path: string; a: { sha256: string; size: number }; b: { sha256: string; size: number } }[];
    unchanged: number;
  };
  data?: { a: Json | null; b: Json | null };
  pipeline?: { a: Json | null; b: Json | null };
  /** interface changes from a to b, each with the bump it requires (see declared changes) */
  findings: Finding[];
  /** the highest bump the findings require, if any */
  required: string | null;
}

const LOWER_IS_BETTER = /(loss|error|err$|^err|mse|rmse|mae|mape|latency|perplexity|ppl|duration|time|cost|size|fpr|fnr)/i;
const HIGHER_IS_BETTER = /(acc|auc|f1|precision|recall|r2|map|ndcg|bleu|rouge|iou|dice|score|throughput|tpr|hit|mrr)/i;

export function metricDirection(config: Config, name: string): MetricDirection | null {
  if (config.metrics[name]) return config.metrics[name]!;
  if (LOWER_IS_BETTER.test(name)) return 'lower';
  if (HIGHER_IS_BETTER.test(name)) return 'higher';
  return null;
}

const same = (x: Json | undefined, y: Json | undefined) => canonicalJson(x ?? null) === canonicalJson(y ?? null);

function changedKeys(a: Record<string, Json>, b: Record<string, Json>): Record<string, { a: Json | null; b: Json | null }> {
  const out: Record<string, { a: Json | null; b: Json | null }> = {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!same(a[key], b[key])) out[key] = { a: a[key] ?? null, b: b[key] ?? null };
  }
  return out;
}

export function diffVersions(config: Config, a: Manifest, b: Manifest): VersionDiff {
  const metrics: Record<string, MetricChange> = {};
  for (const name of [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort()) {
    const va = a.metrics[name] ?? null;
    const vb = b.metrics[name] ?? null;
    const numeric = typeof va === 'number' && typeof vb === 'number';
    const delta = numeric ? vb - va : null;
    const direction = metricDirection(config, name);
    metrics[name] = {
      a: va,
      b: vb,
      delta,
      relative: numeric && va !== 0 ? (vb - va) / Math.abs(va) : null,
      direction,
      improved: delta === null || delta === 0 || direction === null ? null : direction === 'higher' ? delta > 0 : delta < 0,
    };
  }
  const byPath = (list: Artifact[]) => new Map(list.map((x) => [x.path, x]));
  const pa = byPath(a.artifacts);
  const pb = byPath(b.artifacts);
  const artifacts: VersionDiff['artifacts'] = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [path, x] of pb) {
    const old = pa.get(path);
    if (!old) artifacts.added.push(x);
    else if (old.sha256 !== x.sha256) artifacts.changed.push({ path, a: { sha256: old.sha256, size: old.size }, b: { sha256: x.sha256, size: x.size } });
    else artifacts.unchanged++;
  }
  for (const [path, x] of pa) if (!pb.has(path)) artifacts.removed.push(x);

  const diff: VersionDiff = {
    a: { model: a.name, version: a.version, hash: a.hash },
    b: { model: b.name, version: b.version, hash: b.hash },
    metrics,
    params: changedKeys(a.params, b.params),
    tags: changedKeys(a.tags, b.tags),
    artifacts,
    findings: versionFindings(a, b),
    required: null,
  };
  diff.required = requiredBump(diff.findings) ?? null;
  if (!same(a.data, b.data)) diff.data = { a: a.data ?? null, b: b.data ?? null };
  if (!same(a.pipeline, b.pipeline)) diff.pipeline = { a: a.pipeline ?? null, b: b.pipeline ?? null };
  return diff;
}
