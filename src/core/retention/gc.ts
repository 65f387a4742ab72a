// Garbage collection: prunes versions outside the retention policy and not upstream of a kept
// version (recorded as history events; manifests stay), then deletes blobs no kept version references and temp files, but only those
// older than the grace period, so a register running at the same moment is never broken (register
// freshens every blob it reuses, and checks its blobs again after writing its manifest).
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import compare from 'semver/functions/compare.js';
import type { RetentionPolicy } from '../config/config.js';
import { MregError } from '../../errors.js';
import { appendEvents, type NewEvent } from '../lifecycle/history.js';
import { RELATIONS, type Manifest } from '../manifest/types.js';
import { acquireLock, withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { effectivePrunes, protectedByState, protectedVersions, readRecords } from '../lifecycle/pruned.js';

export interface GcRequest {
  dryRun?: boolean | undefined;
  /** keep only the last N versions (and protected ones) this run, instead of the configured policy */
  keepLast?: number | undefined;
  actor: string;
  now?: Date;
}

export interface PrunedVersion {
  model: string;
  version: string;
  created_at: string;
}

export interface GcReport {
  dry_run: boolean;
  pruned: PrunedVersion[];
  blobs_deleted: number;
  bytes_reclaimed: number;
  temp_files_removed: number;
  /** unreferenced blobs left alone because they are younger than the grace period */
  blobs_in_grace: number;
}

function policyFor(store: Store, model: string, keepLast: number | undefined): RetentionPolicy {
  if (keepLast !== undefined) return { keepLast };
  return store.config.retention.models[model] ?? store.config.retention.defaults;
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

export async function collectGarbage(store: Store, req: GcRequest): Promise<GcReport> {
  if (req.keepLast !== undefined && (!Number.isInteger(req.keepLast) || req.keepLast < 1)) throw new MregError('USAGE', `keepLast ${req.keepLast}: expected a whole number >= 1`, { data: { option: 'keepLast' } });
  const { layout, config } = store;
  const now = (req.now ?? new Date()).getTime();
  const grace = config.retention.graceMs;
  const dryRun = Boolean(req.dryRun);
  const lock = await acquireLock(layout, 'gc', { timeoutMs: 0 }).catch((err: unknown) => {
    if (err instanceof MregError && err.code === 'LOCKED') throw new MregError('LOCKED', 'another mreg gc is running on this store');
    throw err;
  });
  try {
    const report: GcReport = { dry_run: dryRun, pruned: [], blobs_deleted: 0, bytes_reclaimed: 0, temp_files_removed: 0, blobs_in_grace: 0 };
    // Decide per model first, then keep whatever a kept version was made from (its lineage), so a
    // production model's training data is never collected from under it.
    // A prune event (a remote's too) counts only for a version nothing here protects.
    const records = await readRecords(layout);
    const protection = protectedVersions(records, config.retention.protect);
    const plans: { model: string; alive: Manifest[]; keep: Set<string> }[] = [];
    for (const [model, { manifests, events }] of records) {
      const pruned = effectivePrunes(events, protection.get(model));
      const policy = policyFor(store, model, req.keepLast);
      const keep = new Set<string>();
      const alive = manifests.filter((m) => !pruned.has(m.version)).sort((a, b) => compare(a.version, b.version));
      if (policy.keepLast === undefined && policy.keepForMs === undefined) for (const m of alive) keep.add(m.version);
      if (policy.keepLast !== undefined) for (const m of alive.slice(-policy.keepLast)) keep.add(m.version);
      if (policy.keepForMs !== undefined) for (const m of alive) if (now - Date.parse(m.created_at) < policy.keepForMs) keep.add(m.version);
      // Protected stages, and the live version of every target and the one a rollback would return to.
      for (const version of protectedByState(events, config.retention.protect).keys()) keep.add(version);
      plans.push({ model, alive, keep });
    }
    const byModel = new Map(plans.map((p) => [p.model, p]));
    const queue = plans.flatMap((p) => p.alive.filter((m) => p.keep.has(m.version)));
    while (queue.length > 0) {
      const m = queue.pop()!;
      for (const relation of RELATIONS) {
        for (const ref of m.lineage?.[relation] ?? []) {
          if (!('name' in ref)) continue;
          const upstream = byModel.get(ref.name);
          const found = upstream?.alive.find((x) => x.version === ref.version);
          if (upstream && found && !upstream.keep.has(found.version)) {
            upstream.keep.add(found.version);
            queue.push(found);
          }
        }
      }
    }

    const referenced = new Set<string>();
    for (const { model, alive, keep } of plans) {
      const prune = alive.filter((m) => !keep.has(m.version));
      for (const m of prune) report.pruned.push({ model, version: m.version, created_at: m.created_at });
      if (!dryRun && prune.length > 0) {
        const pruneEvents: NewEvent[] = prune.map((m) => ({ event: 'prune', model, version: m.version, actor: req.actor }));
        await withLock(layout, `model-${model}`, () => appendEvents(layout, model, pruneEvents));
      }
      for (const m of alive) if (keep.has(m.version)) for (const a of m.artifacts) referenced.add(a.sha256);
    }

    for (const fan of await entries(layout.objects)) {
      for (const name of await entries(join(layout.objects, fan))) {
        if (referenced.has(name)) continue;
        const path = join(layout.objects, fan, name);
        const st = await lstat(path).catch(() => undefined);
        if (!st?.isFile()) continue;
        if (now - st.mtimeMs < grace) {
          report.blobs_in_grace++;
          continue;
        }
        if (!dryRun) await unlink(path).catch(() => undefined);
        report.blobs_deleted++;
        report.bytes_reclaimed += st.size;
      }
    }
    for (const name of await entries(layout.tmp)) {
      const path = join(layout.tmp, name);
      const st = await lstat(path).catch(() => undefined);
      if (!st || now - st.mtimeMs < grace) continue;
      if (!dryRun) await unlink(path).catch(() => undefined);
      report.temp_files_removed++;
    }
    return report;
  } finally {
    await lock.release();
  }
}
