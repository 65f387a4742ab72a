// Comparing two versions: metrics (better or worse), params, artifacts, data, pipeline and interface changes.
import { diffVersions, type VersionDiff } from '../core/diff.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { readManifest } from '../core/manifest/versions.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { MetricChange, VersionDiff } from '../core/diff.js';
export type { Json } from '../core/manifest/types.js';

export interface DiffOptions extends Where {
  /** the version compared from: model@1.2.0, model@production, ... */
  from: string;
  /** the version compared to */
  to: string;
}

export async function diff(opts: DiffOptions): Promise<VersionDiff> {
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const [ra, rb] = await Promise.all([opts.from, opts.to].map((ref) => resolveRef(store, ref)));
  const [a, b] = await Promise.all([readManifest(store.layout, ra!.model, ra!.version), readManifest(store.layout, rb!.model, rb!.version)]);
  return diffVersions(store.config, a, b);
}
