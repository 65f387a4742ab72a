// Garbage collection's edges (src/core/retention/gc.ts): a store without objects/ or tmp/, a lock
// error that is not another gc, keep_for's exact end, that only kept versions keep their parents,
// parents that are pruned or missing, symlinks among the blobs, and the prune events' lock.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendEvents, readHistory, type NewEvent } from '../../src/core/lifecycle/history.js';
import { readManifest } from '../../src/core/manifest/versions.js';
import { collectGarbage, type GcRequest } from '../../src/core/retention/gc.js';
import { blobPath } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { scratchStore } from '../helpers/store.js';

const HOUR = 3_600_000;
const LATER = () => new Date(Date.now() + 2 * HOUR);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function fixture() {
  const base = await scratchStore('mreg-gc-edges-');
  const { store } = base;
  return {
    ...base,
    async events(model: string, events: Omit<NewEvent, 'model' | 'actor'>[]) {
      await appendEvents(store.layout, model, events.map((e) => ({ model, actor: 'tester', ...e }) as NewEvent));
    },
    gc(req: Partial<GcRequest> = {}) {
      return collectGarbage(store, { actor: 'collector', now: LATER(), ...req });
    },
    has(content: string) {
      return existsSync(blobPath(store.layout, sha256(content)));
    },
  };
}

const pruned = (report: { pruned: { model: string; version: string }[] }) => report.pruned.map((p) => `${p.model}@${p.version}`);

describe('collectGarbage, edges', () => {
  it('a store without objects/ or tmp/ collects nothing and does not fail', async () => {
    const f = await fixture();
    rmSync(f.store.layout.objects, { recursive: true, force: true });
    rmSync(f.store.layout.tmp, { recursive: true, force: true });
    expect(await f.gc()).toStrictEqual({ dry_run: false, pruned: [], blobs_deleted: 0, bytes_reclaimed: 0, temp_files_removed: 0, blobs_in_grace: 0 });
  });

  it('a lock error that is not another gc holding it passes through as it is', async () => {
    const f = await fixture();
    rmSync(f.store.layout.locks, { recursive: true, force: true });
    writeFileSync(f.store.layout.locks, 'a file where the locks directory should be');
    const err = (await f.gc().catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).not.toBe('LOCKED');
    expect(err.message).not.toBe('another mreg gc is running on this store');
    expect(['ENOTDIR', 'EEXIST']).toContain(err.code);
  });

  it('keep_for keeps a version younger than it, and not one exactly keep_for old', async () => {
    const f = await fixture();
    await f.add('fraud', '1.0.0', 'one');
    await f.add('fraud', '2.0.0', 'two');
    const created = Date.parse((await readManifest(f.store.layout, 'fraud', '1.0.0')).created_at);
    const created2 = Date.parse((await readManifest(f.store.layout, 'fraud', '2.0.0')).created_at);
    f.store.config.retention = { ...f.store.config.retention, defaults: { keepForMs: 10 * HOUR }, models: {} };
    // 1.0.0 is exactly keep_for old; 2.0.0 (registered after it) is younger unless both share a millisecond.
    const report = await f.gc({ dryRun: true, now: new Date(created + 10 * HOUR) });
    expect(pruned(report)).toStrictEqual(created2 === created ? ['fraud@1.0.0', 'fraud@2.0.0'] : ['fraud@1.0.0']);
    expect(pruned(await f.gc({ dryRun: true, now: new Date(created + 10 * HOUR - 1) }))).toStrictEqual([]);
  });

  it('the models: policy of a model wins over the defaults, and other models follow the defaults', async () => {
    const f = await fixture();
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await f.add('fraud', v, `fraud ${v}`);
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await f.add('churn', v, `churn ${v}`);
    f.store.config.retention = { ...f.store.config.retention, defaults: { keepLast: 2 }, models: { churn: { keepLast: 1 } } };
    expect(pruned(await f.gc({ dryRun: true })).sort()).toStrictEqual(['churn@1.0.0', 'churn@2.0.0', 'fraud@1.0.0']);
  });

  it('a version that is not kept does not keep what it was made from', async () => {
    const f = await fixture();
    await f.add('raw', '1.0.0', 'raw one');
    await f.add('raw', '2.0.0', 'raw two');
    await f.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
    await f.add('fraud', '2.0.0', 'fraud two', ['raw@2.0.0']);
    const report = await f.gc({ keepLast: 1 });
    expect(pruned(report).sort()).toStrictEqual(['fraud@1.0.0', 'raw@1.0.0']);
    expect(f.has('raw one')).toBe(false);
    expect(f.has('raw two')).toBe(true);
  });

  it('a kept version whose parent is already pruned, or names a model that is not here, keeps nothing else', async () => {
    const f = await fixture();
    await f.add('raw', '1.0.0', 'raw one');
    await f.add('raw', '2.0.0', 'raw two');
    await f.add('raw', '3.0.0', 'raw three');
    await f.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
    await f.events('raw', [{ event: 'prune', version: '1.0.0' }]);
    await f.events('fraud', [{ event: 'promote', version: '1.0.0', stage: 'production' }]);
    // The parent pruned before: not pruned again, and no other raw version is kept in its place.
    expect(pruned(await f.gc({ keepLast: 1 }))).toStrictEqual(['raw@2.0.0']);
    const prunes = (await readHistory(f.store.layout, 'raw')).events.filter((e) => e.event === 'prune').map((e) => e.version);
    expect(prunes).toStrictEqual(['1.0.0', '2.0.0']);
  });

  it('a parent whose model has no version left alive keeps nothing, and fails nothing', async () => {
    const f = await fixture();
    await f.add('raw', '1.0.0', 'raw one');
    await f.add('raw', '2.0.0', 'raw two');
    await f.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
    await f.events('raw', [{ event: 'prune', version: '1.0.0' }, { event: 'prune', version: '2.0.0' }]);
    expect(pruned(await f.gc({ keepLast: 1 }))).toStrictEqual([]);
    expect(f.has('fraud one')).toBe(true);
  });

  it('a symlink among the blobs is neither counted nor removed', async () => {
    const f = await fixture();
    const target = join(f.dir, 'elsewhere');
    writeFileSync(target, 'not a blob');
    const link = blobPath(f.store.layout, sha256('linked'));
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(target, link);
    expect(await f.gc()).toMatchObject({ blobs_deleted: 0, bytes_reclaimed: 0, blobs_in_grace: 0 });
    expect(readFileSync(link, 'utf8')).toBe('not a blob');
  });

  it('prune events take the lock of their model only: a lock held under another name does not hold them up', async () => {
    const f = await fixture();
    await f.add('fraud', '1.0.0', 'one');
    await f.add('fraud', '2.0.0', 'two');
    const { acquireLock } = await import('../../src/store/lock.js');
    // Another model's lock, and a lock with no name at all (a store-wide lock would be one).
    const held = [await acquireLock(f.store.layout, 'model-churn'), await acquireLock(f.store.layout, '')];
    try {
      expect(pruned(await f.gc({ keepLast: 1 }))).toStrictEqual(['fraud@1.0.0']);
    } finally {
      for (const lock of held) await lock.release();
    }
  });

  it('an old temp file is removed and counted, a young one is not; an old unreferenced blob is reclaimed by its size', async () => {
    const f = await fixture();
    mkdirSync(f.store.layout.tmp, { recursive: true });
    const old = join(f.store.layout.tmp, 'old');
    writeFileSync(old, 'x');
    utimesSync(old, new Date(0), new Date(0));
    writeFileSync(join(f.store.layout.tmp, 'young'), 'y');
    const report = await f.gc({ now: new Date() });
    expect(report.temp_files_removed).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(join(f.store.layout.tmp, 'young'))).toBe(true);
  });

  it('without a time given, gc judges ages by the clock: a blob written just now is in its grace period', async () => {
    const f = await fixture();
    const stray = blobPath(f.store.layout, sha256('stray'));
    mkdirSync(join(stray, '..'), { recursive: true });
    writeFileSync(stray, 'stray');
    expect(await collectGarbage(f.store, { actor: 'collector' })).toStrictEqual({ dry_run: false, pruned: [], blobs_deleted: 0, bytes_reclaimed: 0, temp_files_removed: 0, blobs_in_grace: 1 });
    utimesSync(stray, new Date(0), new Date(0));
    expect(await collectGarbage(f.store, { actor: 'collector', dryRun: false })).toMatchObject({ blobs_deleted: 1, bytes_reclaimed: 5 });
  });

  it('a pull of the child model only: a version past keep-last is pruned, its parent in a model this store does not hold stops nothing', async () => {
    const a = await fixture();
    await a.add('raw', '1.0.0', 'raw one');
    await a.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
    await a.add('fraud', '2.0.0', 'fraud two');
    const remote = tempDir('mreg-gc-edges-remote-');
    a.store.config.remotes = { origin: { name: 'origin', url: remote, default: true } };
    const { push } = await import('../../src/core/remote/push.js');
    const { pull } = await import('../../src/core/remote/pull.js');
    await push(a.store, { refs: [] });
    const b = await fixture();
    b.store.config.remotes = a.store.config.remotes;
    await pull(b.store, { refs: [], models: ['fraud'] });
    expect(pruned(await b.gc({ keepLast: 1 }))).toStrictEqual(['fraud@1.0.0']);
  });
});
