// Pull (src/core/remote/pull.ts) and the remote history (src/core/remote/history.ts) between two real
// stores and a directory remote: what a pull plans, writes and fetches, conflicts refused before any
// write, history merged by id once, tampered history lines skipped, pruned versions' blobs not fetched.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { appendEvents, readHistory, type HistoryEvent } from '../../src/core/lifecycle/history.js';
import type { RemoteBackend } from '../../src/core/remote/backend.js';
import { DirectoryRemote } from '../../src/core/remote/directory.js';
import { eventVersions, mergeIntoLocal, pushBatch, readRemoteHistory } from '../../src/core/remote/history.js';
import { pull, pullFrom, type PullRequest } from '../../src/core/remote/pull.js';
import { push } from '../../src/core/remote/push.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';
import { blobPath, manifestPath, pulledHistoryPath, pulledManifestPath } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';


const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

interface Side {
  dir: string;
  store: Store;
  add(model: string, version: string, files: Record<string, string>): Promise<void>;
  has(content: string): boolean;
}

async function side(remoteDir: string): Promise<Side> {
  const dir = tempDir('mreg-pull-');
  await initStore({ cwd: dir });
  const store = await openStore({ cwd: dir });
  store.config.remotes = { origin: { name: 'origin', url: remoteDir, default: true } };
  return {
    dir,
    store,
    async add(model, version, files) {
      const inputs: string[] = [];
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(join(dir, model, version), { recursive: true });
        writeFileSync(join(dir, model, version, name), content);
        inputs.push(`${model}/${version}/${name}`);
      }
      await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model, inputs, version });
    },
    has(content) {
      return existsSync(blobPath(store.layout, sha256(content)));
    },
  };
}

async function world(): Promise<{ remoteDir: string; a: Side; b: Side; backend(): Promise<RemoteBackend> }> {
  const remoteDir = tempDir('mreg-pull-');
  return { remoteDir, a: await side(remoteDir), b: await side(remoteDir), backend: () => new DirectoryRemote(`origin (${remoteDir})`, remoteDir).open() };
}


const doPull = (s: Side, req: Partial<PullRequest> = {}) => pull(s.store, { refs: [], ...req });

describe('pull', () => {
  it('from an empty remote: nothing without refs, NOT_FOUND for a ref', async () => {
    const { a, remoteDir } = await world();
    expect(await doPull(a)).toStrictEqual({ remote: 'origin', url: remoteDir, versions: [], blobs: { downloaded: 0, present: 0, bytes: 0 }, events: 0, skipped_events: 0, signatures: 0, warnings: [] });
    const err = await failure(doPull(a, { refs: ['fraud@1.0.0'] }));
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: `remote origin (${remoteDir}) holds no registry yet (nothing has been pushed to it)` });
    expect(existsSync(a.store.layout.pulled)).toBe(false);
  });

  it('brings manifests and history into the pulled area, and blobs only of the versions named', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.10.0', { 'm.bin': 'fraud ten', 'n.bin': 'fraud ten n' });
    await a.add('fraud', '1.9.0', { 'm.bin': 'fraud nine' });
    await a.add('churn', '1.0.0', { 'm.bin': 'churn one' });
    await appendEvents(a.store.layout, 'fraud', [{ event: 'promote', model: 'fraud', version: '1.9.0', stage: 'staging', actor: 'tester' }]);
    await push(a.store, { refs: [] });

    const first = await doPull(b);
    expect(first.versions).toStrictEqual([
      { model: 'churn', version: '1.0.0', hash: expect.any(String), new: true },
      { model: 'fraud', version: '1.9.0', hash: expect.any(String), new: true },
      { model: 'fraud', version: '1.10.0', hash: expect.any(String), new: true },
    ]);
    expect(first).toMatchObject({ blobs: { downloaded: 0, present: 0, bytes: 0 }, events: 4, skipped_events: 0, warnings: [] });
    expect(readFileSync(join(b.store.layout.pulled, '.gitignore'), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(pulledManifestPath(b.store.layout, 'fraud', '1.10.0'), 'utf8')).toBe(readFileSync(manifestPath(a.store.layout, 'fraud', '1.10.0'), 'utf8'));
    expect(existsSync(manifestPath(b.store.layout, 'fraud', '1.10.0'))).toBe(false);
    expect(existsSync(pulledHistoryPath(b.store.layout, 'fraud'))).toBe(true);
    expect((await readHistory(b.store.layout, 'fraud')).events.map((e) => e.id)).toStrictEqual((await readHistory(a.store.layout, 'fraud')).events.map((e) => e.id));
    expect(b.has('fraud ten')).toBe(false);

    const named = await doPull(b, { refs: ['fraud@1.10.0'] });
    expect(named).toMatchObject({ blobs: { downloaded: 2, present: 0, bytes: 20 }, events: 0 });
    expect(named.versions.map((v) => `${v.version} ${v.new}`)).toStrictEqual(['1.9.0 false', '1.10.0 false']);
    expect(b.has('fraud ten') && b.has('fraud ten n')).toBe(true);
    expect(b.has('fraud nine')).toBe(false);
    expect((await doPull(b, { refs: ['fraud@1.10.0'] })).blobs).toStrictEqual({ downloaded: 0, present: 2, bytes: 0 });

    const all = await doPull(b, { all: true, models: ['fraud'] });
    expect(all.blobs).toStrictEqual({ downloaded: 1, present: 2, bytes: 10 });
    expect(all.versions.map((v) => v.model)).toStrictEqual(['fraud', 'fraud']);
    expect(b.has('churn one')).toBe(false);
    expect((await doPull(b, { refs: ['churn@1.0.0'] })).versions.map((v) => `${v.model}@${v.version}`)).toStrictEqual(['churn@1.0.0']);
    expect(b.has('churn one')).toBe(true);
  });

  it('into the tracked files for a fresh clone; every pruned version is left without blobs', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', { 'm.bin': 'fraud one' });
    await a.add('fraud', '2.0.0', { 'm.bin': 'fraud two' });
    await appendEvents(a.store.layout, 'fraud', [{ event: 'prune', model: 'fraud', version: '1.0.0', actor: 'gc' }]);
    await push(a.store, { refs: [] });
    const result = await doPull(b, { all: true, into: 'tracked' });
    expect(result.blobs).toStrictEqual({ downloaded: 1, present: 0, bytes: 9 });
    expect(b.has('fraud two')).toBe(true);
    expect(b.has('fraud one')).toBe(false);
    expect(existsSync(manifestPath(b.store.layout, 'fraud', '2.0.0'))).toBe(true);
    // Only the record of what the remote holds (for unpushed counts) goes to the pulled area.
    expect(readdirSync(b.store.layout.pulled).sort()).toStrictEqual(['.gitignore', 'remotes']);
  });

  it('refuses versions held with other content here, naming each, before writing anything', async () => {
    const { a, b, remoteDir } = await world();
    await a.add('fraud', '1.0.0', { 'm.bin': 'from a' });
    await a.add('fraud', '2.0.0', { 'm.bin': 'from a two' });
    await a.add('fraud', '3.0.0', { 'm.bin': 'from a three' });
    await push(a.store, { refs: [] });
    await b.add('fraud', '1.0.0', { 'm.bin': 'from b' });
    await b.add('fraud', '2.0.0', { 'm.bin': 'from b two' });
    const err = await failure(doPull(b, { refs: ['fraud@3.0.0'] }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message.match(/\S+(?= exists on remote)/g)).toStrictEqual(['fraud@1.0.0', 'fraud@2.0.0']);
    expect(err.message).toContain(`exists on remote origin (${remoteDir}) with other content`);
    expect(err.data).toMatchObject({ command: 'mreg rebase-version fraud@1.0.0 fraud@2.0.0 --remote origin' });
    expect(existsSync(b.store.layout.pulled)).toBe(false);
    expect(b.has('from a three')).toBe(false);
  });

  it('warns of an exclusive stage that two machines filled, and counts tampered history lines as skipped', async () => {
    const { a, b, remoteDir } = await world();
    await a.add('fraud', '1.0.0', { 'm.bin': 'one' });
    await a.add('fraud', '2.0.0', { 'm.bin': 'two' });
    await push(a.store, { refs: [] });
    await doPull(b);
    // Each side promotes through staging, as this store's rules ask (production is entered from staging).
    const through = (version: string, actor: string) => (['staging', 'production'] as const).map((stage) => ({ event: 'promote', model: 'fraud', version, stage, actor }));
    await appendEvents(a.store.layout, 'fraud', through('1.0.0', 'alice'));
    await appendEvents(b.store.layout, 'fraud', through('2.0.0', 'bob'));
    await push(a.store, { refs: [] });
    const history = join(remoteDir, 'history', 'fraud');
    const batch = readdirSync(history).find((n) => readFileSync(join(history, n), 'utf8').includes('alice'))!;
    writeFileSync(join(history, batch), readFileSync(join(history, batch), 'utf8') + '{"torn": \n');
    const result = await doPull(b);
    expect(result).toMatchObject({ events: 2, skipped_events: 1 });
    // staging is not exclusive: the two versions there are no conflict; production's two are.
    expect(result.warnings).toStrictEqual([{ code: 'STAGE_CONFLICT', message: expect.stringMatching(/^fraud: exclusive stage production holds 2 versions: /), command: 'mreg promote fraud@2.0.0 production' }]);
  });

  it('pullFrom a named backend needs no configured remote', async () => {
    const { a, b, backend } = await world();
    await a.add('fraud', '1.0.0', { 'm.bin': 'one' });
    await push(a.store, { refs: [] });
    b.store.config.remotes = {};
    const result = await pullFrom(b.store, await backend(), { refs: ['fraud@1.0.0'] }, { remote: 'x', url: 'y' });
    expect(result).toMatchObject({ remote: 'x', url: 'y', blobs: { downloaded: 1 } });
  });
});

describe('remote history', () => {
  const event = (id: string, version: string, time: string, model = 'fraud'): HistoryEvent => ({ id, time, event: 'register', model, version, actor: 't' });

  it('pushes a batch named by its first time and content hash, once; reads every id once in name order', async () => {
    const { backend, remoteDir } = await world();
    const remote = await backend();
    await pushBatch(remote, 'fraud', []);
    expect(existsSync(join(remoteDir, 'history'))).toBe(false);
    const first = [event('e1', '1.0.0', '2026-03-02T14:05:06.789Z'), event('e2', '1.0.1', '2026-03-02T15:00:00.000Z')];
    await pushBatch(remote, 'fraud', first);
    const names = readdirSync(join(remoteDir, 'history', 'fraud'));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^20260302T140506Z-[0-9a-f]{16}\.jsonl$/);
    const text = readFileSync(join(remoteDir, 'history', 'fraud', names[0]!), 'utf8');
    expect(names[0]!.slice(17, 33)).toBe(sha256(text).slice(0, 16));
    await pushBatch(remote, 'fraud', first); // the same batch again: already there
    await pushBatch(remote, 'fraud', [event('e2', '1.0.1', '2026-03-02T15:00:00.000Z'), event('e0', '0.9.0', '2026-01-01T00:00:00.000Z')]);
    writeFileSync(join(remoteDir, 'history', 'fraud', 'notes.jsonl'), `${JSON.stringify(event('x', '9.9.9', '2026-01-01T00:00:00.000Z'))}\n`);
    const read = await readRemoteHistory(remote, 'fraud');
    expect(read.events.map((e) => e.id)).toStrictEqual(['e1', 'e2', 'e0']);
    expect(read.skipped).toBe(0);
  });

  it('skips lines of another model and lines that fail their checksum', async () => {
    const { backend, remoteDir } = await world();
    const remote = await backend();
    await pushBatch(remote, 'fraud', [event('e1', '1.0.0', '2026-03-02T14:00:00.000Z'), event('e2', '1.0.0', '2026-03-02T14:00:01.000Z', 'churn')]);
    const dir = join(remoteDir, 'history', 'fraud');
    const name = readdirSync(dir)[0]!;
    writeFileSync(join(dir, name), readFileSync(join(dir, name), 'utf8').replace('"actor":"t"', '"actor":"u"').replace(/^([^\n]*)"actor":"u"/, '$1"actor":"t"'));
    const read = await readRemoteHistory(remote, 'fraud');
    expect(read.events.map((e) => e.id)).toStrictEqual(['e1']);
    expect(read.skipped).toBe(1);
  });

  it('merges only new events about versions here, oldest first, stable on equal times', async () => {
    const { a } = await world();
    await a.add('fraud', '1.0.0', { 'm.bin': 'one' });
    const local = (await readHistory(a.store.layout, 'fraud')).events;
    const remote = [
      local[0]!,
      event('late', '1.0.0', '2026-03-02T15:00:00.000Z'),
      event('tie-a', '1.0.0', '2026-03-02T14:00:00.000Z'),
      event('tie-b', '1.0.0', '2026-03-02T14:00:00.000Z'),
      event('elsewhere', '2.0.0', '2026-03-02T13:00:00.000Z'),
      { ...event('displacing', '1.0.0', '2026-03-02T13:00:00.000Z'), displaced: [{ version: '2.0.0', left: ['production'] }] },
    ];
    expect(eventVersions(remote[5]!)).toStrictEqual(['1.0.0', '2.0.0']);
    const merged = await mergeIntoLocal(a.store.layout, 'fraud', remote, (v) => v === '1.0.0');
    expect(merged.map((e) => e.id)).toStrictEqual(['tie-a', 'tie-b', 'late']);
    expect((await readHistory(a.store.layout, 'fraud')).events.map((e) => e.id)).toStrictEqual([local[0]!.id, 'tie-a', 'tie-b', 'late']);
    expect(existsSync(pulledHistoryPath(a.store.layout, 'fraud'))).toBe(true);
    expect(await mergeIntoLocal(a.store.layout, 'fraud', remote, (v) => v === '1.0.0', 'tracked')).toStrictEqual([]);
  });
});
