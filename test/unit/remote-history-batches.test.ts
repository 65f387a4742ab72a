// A remote's history batches (src/core/remote/history.ts) through a recording backend: read in name
// order whatever the listing's order, other names never read, the size bound over all batches, the
// pull budget's exact limits, batches split at half the read limit, and what merging hands the judge.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_HISTORY_BYTES, readHistory, readTrackedHistory, serializeEvent, type HistoryEvent } from '../../src/core/lifecycle/history.js';
import type { RemoteBackend } from '../../src/core/remote/backend.js';
import { mergeIntoLocal, pullBudget, pushBatch, readRemoteHistory } from '../../src/core/remote/history.js';
import { MregError } from '../../src/errors.js';
import { layoutOf } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';

const MiB = 1024 * 1024;
const ev = (id: string, more: Partial<HistoryEvent> = {}): HistoryEvent => ({ id, time: '2026-03-02T14:00:00.000Z', event: 'register', model: 'fraud', version: '1.0.0', actor: 't', ...more });
const text = (...events: HistoryEvent[]) => events.map((e) => `${serializeEvent(e)}\n`).join('');
const lineBytes = (e: HistoryEvent) => Buffer.byteLength(serializeEvent(e)) + 1;
const batch = (n: number) => `20260302T14000${n}Z-${'0'.repeat(15)}${n}.jsonl`;

/** A backend holding `objects` (key -> text) and listing `listed` under history/fraud/, recording reads and writes. */
function fake(objects: Record<string, string>, listed?: { name: string; size: number }[]) {
  const reads: { key: string; max: number }[] = [];
  const created: { key: string; text: string }[] = [];
  const backend = {
    label: 'origin (test)',
    list: async (prefix: string) => ({
      files: listed ?? Object.keys(objects).filter((k) => k.startsWith(prefix)).map((k) => ({ name: k.slice(prefix.length), size: Buffer.byteLength(objects[k]!) })),
      dirs: [],
    }),
    getText: async (key: string, max: number) => {
      reads.push({ key, max });
      return objects[key];
    },
    createOnly: async (key: string, body: string) => {
      created.push({ key, text: body });
      return 'created' as const;
    },
  } as unknown as RemoteBackend;
  return { backend, reads, created };
}

describe('reading a remote history', () => {
  it('reads batches in name order whatever the listing order, never reads other names, and skips a batch gone since the listing', async () => {
    const objects = {
      [`history/fraud/${batch(3)}`]: text(ev('c')),
      [`history/fraud/${batch(1)}`]: text(ev('a')),
      [`history/fraud/${batch(2)}`]: text(ev('b'), ev('a')),
      'history/fraud/notes.jsonl': text(ev('x')),
      'history/fraud/20260302T140000Z-zz.jsonl': text(ev('y')),
    };
    const { backend, reads } = fake(objects, [
      ...Object.keys(objects).map((k) => ({ name: k.slice('history/fraud/'.length), size: 10 })),
      { name: batch(4), size: 10 },
    ]);
    const read = await readRemoteHistory(backend, 'fraud');
    expect(read.events.map((e) => e.id)).toStrictEqual(['a', 'b', 'c']);
    expect([...read.ids]).toStrictEqual(['a', 'b', 'c']);
    expect(read.skipped).toBe(0);
    expect(reads).toStrictEqual([1, 2, 3, 4].map((n) => ({ key: `history/fraud/${batch(n)}`, max: 16 * MiB })));
  });

  it('refuses a listing whose batches add up past the history limit, before reading any; exactly the limit is read', async () => {
    const objects = { [`history/fraud/${batch(1)}`]: text(ev('a')), [`history/fraud/${batch(2)}`]: text(ev('b')) };
    const over = fake(objects, [
      { name: batch(1), size: MAX_HISTORY_BYTES / 2 },
      { name: batch(2), size: MAX_HISTORY_BYTES / 2 + 1 },
      { name: 'big-notes.txt', size: MAX_HISTORY_BYTES },
    ]);
    const err = await readRemoteHistory(over.backend, 'fraud').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MregError);
    expect(err).toMatchObject({ code: 'REMOTE', message: `remote origin (test): history/fraud/ holds more than ${MAX_HISTORY_BYTES} bytes of history` });
    expect(over.reads).toStrictEqual([]);
    const exact = fake(objects, [
      { name: batch(1), size: MAX_HISTORY_BYTES / 2 },
      { name: batch(2), size: MAX_HISTORY_BYTES / 2 },
      { name: 'big-notes.txt', size: MAX_HISTORY_BYTES },
    ]);
    expect((await readRemoteHistory(exact.backend, 'fraud')).events.map((e) => e.id)).toStrictEqual(['a', 'b']);
  });

  it('counts bad lines and other models\' events as skipped; keeps what keep accepts, knowing every id', async () => {
    const { backend } = fake({ [`history/fraud/${batch(1)}`]: `${text(ev('a'), ev('o', { model: 'churn' }), ev('b'))}garbage\n${text(ev('c'))}` });
    const read = await readRemoteHistory(backend, 'fraud', (e) => e.id !== 'b');
    expect(read.events.map((e) => e.id)).toStrictEqual(['a', 'c']);
    expect([...read.ids]).toStrictEqual(['a', 'b', 'c']);
    expect(read.skipped).toBe(2);
  });
});

describe('the pull budget', () => {
  const events = [ev('a'), ev('b', { reason: 'longer' }), ev('c')];
  const backendOf = () => fake({ [`history/fraud/${batch(1)}`]: text(...events) }).backend;
  const cost = events.reduce((s, e) => s + lineBytes(e), 0);

  it('takes one event and its line in bytes for each event kept, up to exactly the limits', async () => {
    const budget = pullBudget({ events: 3, bytes: cost });
    expect(budget).toStrictEqual({ events: 3, bytes: cost, limits: { events: 3, bytes: cost } });
    expect((await readRemoteHistory(backendOf(), 'fraud', () => true, budget)).events).toHaveLength(3);
    expect(budget).toStrictEqual({ events: 0, bytes: 0, limits: { events: 3, bytes: cost } });
    // Events not kept cost nothing.
    const spare = pullBudget({ events: 1, bytes: cost });
    expect((await readRemoteHistory(backendOf(), 'fraud', (e) => e.id === 'b', spare)).events.map((e) => e.id)).toStrictEqual(['b']);
    expect(spare).toMatchObject({ events: 0, bytes: cost - lineBytes(events[1]!) });
  });

  it('one event over the event limit, or one byte over the byte limit, is refused naming the limit', async () => {
    const few = await readRemoteHistory(backendOf(), 'fraud', () => true, pullBudget({ events: 2, bytes: cost })).catch((e: unknown) => e);
    expect(few).toBeInstanceOf(MregError);
    expect(few).toMatchObject({
      code: 'REFUSED',
      message: 'remote origin (test): the history it holds (at fraud) would add more than 2 events to the local history in one pull (the limit); nothing was written',
      data: { model: 'fraud', limit_events: 2, limit_bytes: cost },
    });
    expect((few as MregError).hint).toMatch(/^a remote that grew this much at once is suspect/);
    const small = await readRemoteHistory(backendOf(), 'fraud', () => true, pullBudget({ events: 3, bytes: cost - 1 })).catch((e: unknown) => e);
    expect(small).toMatchObject({ code: 'REFUSED', message: `remote origin (test): the history it holds (at fraud) would add more than ${cost - 1} bytes to the local history in one pull (the limit); nothing was written` });
  });

  it('the default limits', () => {
    expect(pullBudget()).toStrictEqual({ events: 100_000, bytes: 32 * MiB, limits: { events: 100_000, bytes: 32 * MiB } });
  });
});

describe('pushing batches', () => {
  it('splits at 8 MiB a batch: lines adding up to exactly 8 MiB share one, one byte more starts another', async () => {
    // A line's length grows one byte a character of its reason (the checksum's length is fixed):
    // measured on short events, so the 8 MiB ones are serialized only by pushBatch itself.
    const sized = (id: string, time: string, bytes: number) => {
      const short = ev(id, { time, reason: '' });
      return { ...short, reason: 'x'.repeat(bytes - lineBytes(short)) };
    };
    const first = sized('a', '2026-03-02T14:05:06.000Z', 4 * MiB);
    const one = fake({});
    await pushBatch(one.backend, 'fraud', [first, sized('b', '2026-03-02T15:00:00.000Z', 4 * MiB)]);
    expect(one.created).toHaveLength(1);
    const body = one.created[0]!.text;
    expect(Buffer.byteLength(body)).toBe(8 * MiB);
    expect(body.split('\n').map((l) => l.length)).toStrictEqual([4 * MiB - 1, 4 * MiB - 1, 0]);
    expect(one.created[0]!.key).toBe(`history/fraud/20260302T140506Z-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.jsonl`);

    const two = fake({});
    await pushBatch(two.backend, 'fraud', [first, sized('b', '2026-03-02T15:00:00.000Z', 4 * MiB + 1)]);
    expect(two.created.map((c) => Buffer.byteLength(c.text))).toStrictEqual([4 * MiB, 4 * MiB + 1]);
    expect(two.created.map((c) => c.key.slice('history/fraud/'.length, 'history/fraud/'.length + 16))).toStrictEqual(['20260302T140506Z', '20260302T150000Z']);
    expect(two.created.map((c) => (JSON.parse(c.text) as HistoryEvent).id)).toStrictEqual(['a', 'b']);
  });
});

describe('merging into the local history', () => {
  it('hands the judge what the history holds and what is new, and appends what it returns, to the place asked', async () => {
    const layout = layoutOf(join(tempDir('mreg-remote-history-'), '.modelreg'));
    const seen: { existing: string[]; fresh: string[] }[] = [];
    const judge = async (existing: HistoryEvent[], fresh: HistoryEvent[]) => {
      seen.push({ existing: existing.map((e) => e.id), fresh: fresh.map((e) => e.id) });
      return fresh.map((e) => (e.id === 'b' ? { ...e, rejected: 'not here' } : e));
    };
    expect((await mergeIntoLocal(layout, 'fraud', [ev('a'), ev('b')], () => true, 'tracked', judge)).map((e) => e.id)).toStrictEqual(['a', 'b']);
    expect((await readTrackedHistory(layout, 'fraud')).events).toStrictEqual([ev('a'), { ...ev('b'), rejected: 'not here' }]);
    expect(await mergeIntoLocal(layout, 'fraud', [ev('a'), ev('c')], () => true, undefined, judge)).toStrictEqual([ev('c')]);
    expect(seen).toStrictEqual([
      { existing: [], fresh: ['a', 'b'] },
      { existing: ['a', 'b'], fresh: ['c'] },
    ]);
    expect((await readTrackedHistory(layout, 'fraud')).events.map((e) => e.id)).toStrictEqual(['a', 'b']);
    expect((await readHistory(layout, 'fraud')).events.map((e) => e.id)).toStrictEqual(['a', 'b', 'c']);
  });
});
