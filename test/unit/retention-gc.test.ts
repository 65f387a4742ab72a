// Garbage collection (src/core/retention/gc.ts) called directly on a real store: which versions each
// policy keeps, that whatever a kept version references (every artifact, its lineage, its stages, the
// versions a deploy target may roll back to) survives, the grace period, dry runs, and the gc lock.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import type { RetentionConfig } from '../../src/core/config/config.js';
import { appendEvents, readHistory, type NewEvent } from '../../src/core/lifecycle/history.js';
import { collectGarbage, type GcRequest } from '../../src/core/retention/gc.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';
import { MregError } from '../../src/errors.js';
import { blobPath } from '../../src/store/layout.js';
import { acquireLock } from '../../src/store/lock.js';
import { tempDir } from '../helpers/cli.js';

const ENV = { MREG_ACTOR: 'tester@example.com' };
const HOUR = 3_600_000;
/** Later than every blob's grace period, so age alone never keeps a blob. */
const LATER = () => new Date(Date.now() + 2 * HOUR);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Fixture {
  dir: string;
  store: Store;
  /** registers `files` (name -> content) as model@version, with optional lineage references */
  add(model: string, version: string, files: Record<string, string>, parents?: string[]): Promise<void>;
  events(model: string, events: Omit<NewEvent, 'model' | 'actor'>[]): Promise<void>;
  retention(policy: Partial<RetentionConfig>): void;
  gc(req?: Partial<GcRequest>): ReturnType<typeof collectGarbage>;
  has(content: string): boolean;
}

async function fixture(): Promise<Fixture> {
  const dir = tempDir('mreg-gc-');
  await initStore({ cwd: dir });
  const store = await openStore({ cwd: dir });
  return {
    dir,
    store,
    async add(model, version, files, parents) {
      const inputs: string[] = [];
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(join(dir, model, version), { recursive: true });
        writeFileSync(join(dir, model, version, name), content);
        inputs.push(`${model}/${version}/${name}`);
      }
      await register({ cwd: dir, env: ENV, model, inputs, version, ...(parents ? { parents } : {}) });
    },
    async events(model, events) {
      await appendEvents(store.layout, model, events.map((e) => ({ model, actor: 'tester', ...e }) as NewEvent));
    },
    retention(policy) {
      store.config.retention = { ...store.config.retention, ...policy };
    },
    gc(req = {}) {
      return collectGarbage(store, { actor: 'collector', now: LATER(), ...req });
    },
    has(content) {
      return existsSync(blobPath(store.layout, sha256(content)));
    },
  };
}

const pruned = (report: { pruned: { model: string; version: string }[] }) => report.pruned.map((p) => `${p.model}@${p.version}`);

describe('collectGarbage', () => {
  it('with no policy keeps every version and deletes only unreferenced blobs past the grace period', async () => {
    const f = await fixture();
    await f.add('fraud', '1.0.0', { 'a.bin': 'weights a' });
    const stray = blobPath(f.store.layout, sha256('stray bytes'));
    mkdirSync(join(stray, '..'), { recursive: true });
    writeFileSync(stray, 'stray bytes');
    const young = await f.gc({ now: new Date() });
    expect(young).toStrictEqual({ dry_run: false, pruned: [], blobs_deleted: 0, bytes_reclaimed: 0, temp_files_removed: 0, blobs_in_grace: 1 });
    expect(existsSync(stray)).toBe(true);
    const old = await f.gc();
    expect(old).toStrictEqual({ dry_run: false, pruned: [], blobs_deleted: 1, bytes_reclaimed: 11, temp_files_removed: 0, blobs_in_grace: 0 });
    expect(existsSync(stray)).toBe(false);
    expect(f.has('weights a')).toBe(true);
  });

  it('keepLast keeps the highest versions by semver and every artifact of each kept version', async () => {
    const f = await fixture();
    await f.add('fraud', '1.10.0', { 'a.bin': 'ten a', 'b.bin': 'ten b' });
    await f.add('fraud', '1.9.0', { 'a.bin': 'nine a', 'b.bin': 'nine b' });
    await f.add('fraud', '1.2.0', { 'a.bin': 'two a', 'b.bin': 'two b' });
    const report = await f.gc({ keepLast: 2 });
    expect(pruned(report)).toStrictEqual(['fraud@1.2.0']);
    expect(report.pruned[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(report.blobs_deleted).toBe(2);
    expect(report.bytes_reclaimed).toBe(10);
    for (const kept of ['ten a', 'ten b', 'nine a', 'nine b']) expect(f.has(kept)).toBe(true);
    expect(f.has('two a') || f.has('two b')).toBe(false);
    const { events } = await readHistory(f.store.layout, 'fraud');
    expect(events.filter((e) => e.event === 'prune').map((e) => [e.version, e.actor])).toStrictEqual([['1.2.0', 'collector']]);
    // A pruned version is not pruned again.
    expect(pruned(await f.gc({ keepLast: 2 }))).toStrictEqual([]);
    expect(pruned(await f.gc({ keepLast: 1 }))).toStrictEqual(['fraud@1.9.0']);
  });

  it('a dry run reports exactly what a real run then does, and changes nothing', async () => {
    const f = await fixture();
    await f.add('fraud', '1.0.0', { 'a.bin': 'one' });
    await f.add('fraud', '2.0.0', { 'a.bin': 'two' });
    writeFileSync(join(f.store.layout.tmp, 'left-over'), 'partial');
    const dry = await f.gc({ keepLast: 1, dryRun: true });
    expect(dry).toMatchObject({ dry_run: true, pruned: [expect.objectContaining({ model: 'fraud', version: '1.0.0' })], blobs_deleted: 1, bytes_reclaimed: 3, temp_files_removed: 1 });
    expect(f.has('one')).toBe(true);
    expect(existsSync(join(f.store.layout.tmp, 'left-over'))).toBe(true);
    expect((await readHistory(f.store.layout, 'fraud')).events.some((e) => e.event === 'prune')).toBe(false);
    const real = await f.gc({ keepLast: 1 });
    expect(real).toStrictEqual({ ...dry, dry_run: false });
    expect(f.has('one')).toBe(false);
    expect(existsSync(join(f.store.layout.tmp, 'left-over'))).toBe(false);
  });

  it('keeps temp files and unreferenced blobs younger than the grace period, counting the blobs', async () => {
    const f = await fixture();
    await f.add('fraud', '1.0.0', { 'a.bin': 'one' });
    await f.add('fraud', '2.0.0', { 'a.bin': 'two' });
    writeFileSync(join(f.store.layout.tmp, 'fresh'), 'partial');
    const now = new Date();
    const report = await f.gc({ keepLast: 1, now });
    expect(report).toMatchObject({ pruned: [expect.objectContaining({ version: '1.0.0' })], blobs_deleted: 0, blobs_in_grace: 1, temp_files_removed: 0 });
    expect(f.has('one')).toBe(true);
    // Exactly at the grace period's end the blob is old enough.
    const path = blobPath(f.store.layout, sha256('one'));
    const mtime = statSync(path).mtimeMs;
    const atEnd = await f.gc({ now: new Date(Math.ceil(mtime) + f.store.config.retention.graceMs) });
    expect(atEnd).toMatchObject({ blobs_deleted: 1, blobs_in_grace: 0, temp_files_removed: 0 });
    // A directory where a blob should be is not a blob.
    mkdirSync(join(f.store.layout.objects, 'ab', 'ab'.padEnd(64, '0')), { recursive: true });
    utimesSync(join(f.store.layout.tmp, 'fresh'), new Date(0), new Date(0));
    expect(await f.gc()).toMatchObject({ blobs_deleted: 0, blobs_in_grace: 0, temp_files_removed: 1 });
  });

  it('the configured policy: per model over the defaults, keep_for by age, protected stages', async () => {
    const f = await fixture();
    await f.add('fraud', '1.0.0', { 'a.bin': 'f1' });
    await f.add('fraud', '2.0.0', { 'a.bin': 'f2' });
    await f.add('fraud', '3.0.0', { 'a.bin': 'f3' });
    await f.add('churn', '1.0.0', { 'a.bin': 'c1' });
    await f.add('churn', '2.0.0', { 'a.bin': 'c2' });
    await f.events('fraud', [{ event: 'promote', version: '1.0.0', stage: 'production' }]);
    await f.events('churn', [{ event: 'promote', version: '1.0.0', stage: 'archived' }]);
    f.retention({ defaults: { keepLast: 1 }, models: { churn: { keepLast: 2 } } });
    expect(pruned(await f.gc({ dryRun: true }))).toStrictEqual(['fraud@2.0.0']);
    // keepLast given to the run wins over the policy of every model.
    expect(pruned(await f.gc({ dryRun: true, keepLast: 1 }))).toStrictEqual(['churn@1.0.0', 'fraud@2.0.0']);
    // Versions younger than keep_for stay; at keep_for they go.
    f.retention({ defaults: { keepForMs: 10 * HOUR }, models: {} });
    const now = new Date();
    expect(pruned(await f.gc({ dryRun: true, now }))).toStrictEqual([]);
    expect(pruned(await f.gc({ dryRun: true, now: new Date(now.getTime() + 10 * HOUR) }))).toStrictEqual(['churn@1.0.0', 'churn@2.0.0', 'fraud@2.0.0', 'fraud@3.0.0']);
    // Both rules at once: either one keeps a version.
    f.retention({ defaults: { keepLast: 1, keepForMs: 10 * HOUR } });
    expect(pruned(await f.gc({ dryRun: true, now }))).toStrictEqual([]);
  });

  it('keeps the live version of every deploy target and the one a rollback returns to', async () => {
    const f = await fixture();
    for (const v of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) await f.add('fraud', v, { 'a.bin': `fraud ${v}` });
    await f.events('fraud', [
      { event: 'deploy', version: '1.0.0', target: 'prod', phase: 'succeeded', op: 'a' },
      { event: 'deploy', version: '2.0.0', target: 'prod', phase: 'succeeded', op: 'b' },
      { event: 'rollback', version: '1.0.0', target: 'prod', phase: 'succeeded', op: 'c' },
      { event: 'deploy', version: '3.0.0', target: 'prod', phase: 'succeeded', op: 'd' },
    ]);
    // prod's stack is now 1.0.0, 3.0.0: both stay, whatever keepLast says; 2.0.0 was rolled back from.
    expect(pruned(await f.gc({ keepLast: 1 }))).toStrictEqual(['fraud@2.0.0']);
  });

  it('keeps the last two versions a target was deployed with, for a target with deploys only', async () => {
    const f = await fixture();
    for (const v of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) await f.add('fraud', v, { 'a.bin': `fraud ${v}` });
    await f.events('fraud', ['1.0.0', '2.0.0', '3.0.0'].map((version, i) => ({ event: 'deploy', version, target: 'edge', phase: 'succeeded', op: `op${i}` })));
    expect(pruned(await f.gc({ keepLast: 1 }))).toStrictEqual(['fraud@1.0.0']);
  });

  it('the grace period ends exactly grace after the last write, for blobs and temp files alike', async () => {
    const f = await fixture();
    const grace = f.store.config.retention.graceMs;
    const stray = blobPath(f.store.layout, sha256('stray'));
    mkdirSync(join(stray, '..'), { recursive: true });
    writeFileSync(stray, 'stray');
    mkdirSync(f.store.layout.tmp, { recursive: true });
    writeFileSync(join(f.store.layout.tmp, 'partial'), 'partial');
    const written = new Date(1_700_000_000_000); // a whole second: mtimeMs is exact
    for (const path of [stray, join(f.store.layout.tmp, 'partial')]) utimesSync(path, written, written);
    expect(await f.gc({ now: new Date(written.getTime() + grace - 1) })).toMatchObject({ blobs_deleted: 0, blobs_in_grace: 1, temp_files_removed: 0 });
    expect(await f.gc({ now: new Date(written.getTime() + grace) })).toMatchObject({ blobs_deleted: 1, blobs_in_grace: 0, temp_files_removed: 1 });
  });

  it('keeps what a kept version was made from, across models and through a chain', async () => {
    const f = await fixture();
    await f.add('raw', '1.0.0', { 'r.csv': 'raw one' });
    await f.add('raw', '2.0.0', { 'r.csv': 'raw two' });
    await f.add('raw', '3.0.0', { 'r.csv': 'raw three' });
    await f.add('clean', '1.0.0', { 'c.csv': 'clean one' }, ['raw@1.0.0']);
    await f.add('clean', '2.0.0', { 'c.csv': 'clean two' });
    await f.add('clean', '3.0.0', { 'c.csv': 'clean three' });
    await f.add('fraud', '1.0.0', { 'm.bin': 'fraud one' }, ['clean@1.0.0', 'https://example.com/paper']);
    await f.add('fraud', '2.0.0', { 'm.bin': 'fraud two' });
    await f.events('fraud', [{ event: 'promote', version: '1.0.0', stage: 'production' }]);
    const report = await f.gc({ keepLast: 1 });
    expect(pruned(report).sort()).toStrictEqual(['clean@2.0.0', 'raw@2.0.0']);
    for (const kept of ['raw one', 'clean one', 'fraud one', 'raw three', 'clean three', 'fraud two']) expect(f.has(kept)).toBe(true);
  });

  it('refuses a keepLast that is not a whole number of at least one, and a second gc with LOCKED', async () => {
    const f = await fixture();
    for (const keepLast of [0, 1.5, -1]) {
      const err = await f.gc({ keepLast }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MregError);
      expect(err).toMatchObject({ code: 'USAGE', message: `keepLast ${keepLast}: expected a whole number >= 1`, data: { option: 'keepLast' } });
    }
    const held = await acquireLock(f.store.layout, 'gc');
    try {
      const err = await f.gc().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'LOCKED', message: 'another mreg gc is running on this store' });
    } finally {
      await held.release();
    }
    // The lock is released after a run, also after a failing one.
    await f.gc();
    await f.gc();
  });
});
