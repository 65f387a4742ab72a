// How blob transfers are scheduled and reported (src/core/remote/transfer.ts), with a recording
// backend: one job per hash (the first label kept), blobs of 8 MiB and more moved first and one at a
// time, smaller ones eight at a time, the listener's exact events, the totals, and how a failed
// download is worded (corrupt bytes, a missing blob, anything else passed through as it is).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteBackend, TransferEvent } from '../../src/core/remote/backend.js';
import { downloadBlobs, localHasBlob, uniqueJobs, uploadBlobs, type BlobJob } from '../../src/core/remote/transfer.js';
import { MregError } from '../../src/errors.js';
import type { BlobRef, ProgressFn } from '../../src/store/blobs.js';
import { blobPath, layoutOf, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';

const MiB = 1024 * 1024;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const job = (name: string, size: number, label = `fraud@1.0.0:${name}`): BlobJob => ({ sha256: sha(name), size, label });

function layout(): Layout {
  const l = layoutOf(join(tempDir('mreg-transfer-jobs-'), '.modelreg'));
  mkdirSync(l.objects, { recursive: true });
  return l;
}

/** A backend that records which blobs move, in what order, and how many at once. */
function recorder(fail?: (ref: BlobRef) => unknown) {
  const order: string[] = [];
  let active = 0;
  let most = 0;
  const move = async (ref: BlobRef, progress?: ProgressFn) => {
    order.push(ref.sha256);
    active++;
    most = Math.max(most, active);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    progress?.(ref.size);
    active--;
    const err = fail?.(ref);
    if (err) throw err;
  };
  const backend = {
    label: 'origin (test)',
    putBlob: (_layout: Layout, ref: BlobRef, progress?: ProgressFn) => move(ref, progress),
    openBlob: async (ref: BlobRef) => {
      await move(ref);
      return (async function* () {
        yield Buffer.from(ref.sha256);
      })();
    },
  } as unknown as RemoteBackend;
  return { backend, order, most: () => most };
}

describe('scheduling transfers', () => {
  it('one job per hash, the first label kept, in the order first seen', () => {
    const a = job('a', 1, 'fraud@1.0.0:a.bin');
    const b = job('b', 2);
    expect(uniqueJobs([a, b, { ...a, label: 'fraud@2.0.0:a.bin' }, b])).toStrictEqual([a, b]);
    expect(uniqueJobs([])).toStrictEqual([]);
  });

  it('blobs of 8 MiB and more go first, one at a time; smaller ones eight at a time', async () => {
    const big = [job('big1', 8 * MiB), job('big2', 9 * MiB), job('big3', 8 * MiB)];
    const small = Array.from({ length: 12 }, (_, i) => job(`small${i}`, 8 * MiB - 1 - i));
    const r = recorder();
    const totals = await uploadBlobs(layout(), r.backend, [small[0]!, big[0]!, ...small.slice(1, 6), big[1]!, ...small.slice(6), big[2]!]);
    expect(r.order.slice(0, 3)).toStrictEqual(big.map((j) => j.sha256));
    expect(new Set(r.order.slice(3))).toStrictEqual(new Set(small.map((j) => j.sha256)));
    expect(r.most()).toBe(8);
    expect(totals).toStrictEqual({ count: 15, bytes: [...big, ...small].reduce((s, j) => s + j.size, 0) });

    const onlyBig = recorder();
    await uploadBlobs(layout(), onlyBig.backend, big);
    expect(onlyBig.most()).toBe(1);
  });

  it('reports start, progress and done for each blob, naming the direction, the blob and its label', async () => {
    const j = job('one', 42);
    for (const [direction, run] of [
      ['upload', (b: RemoteBackend, l: (e: TransferEvent) => void) => uploadBlobs(layout(), b, [j], l)],
      ['download', (b: RemoteBackend, l: (e: TransferEvent) => void) => downloadBlobs(layout(), b, [j], l, async (_job, bytes, onProgress) => {
        for await (const chunk of bytes) onProgress(chunk.length);
      })],
    ] as const) {
      const events: TransferEvent[] = [];
      const totals = await run(recorder().backend, (e) => events.push(e));
      const base = { direction, sha256: j.sha256, size: 42, label: 'fraud@1.0.0:one' };
      const progress = direction === 'upload' ? 42 : 64; // the fake download yields the 64 characters of the hash
      expect(events).toStrictEqual([
        { type: 'start', ...base },
        { type: 'progress', ...base, bytes: progress },
        { type: 'done', ...base, ms: expect.any(Number) },
      ]);
      // The time the transfer took: never negative, and not a clock reading.
      expect((events[2] as { ms: number }).ms).toBeGreaterThanOrEqual(0);
      expect((events[2] as { ms: number }).ms).toBeLessThan(60 * 60_000);
      expect(totals).toStrictEqual({ count: 1, bytes: 42 });
    }
  });

  it('a blob here counts only as a file of the expected size', async () => {
    const l = layout();
    const j = job('here', 4);
    expect(await localHasBlob(l, j)).toBe(false);
    mkdirSync(join(blobPath(l, j.sha256), '..'), { recursive: true });
    writeFileSync(blobPath(l, j.sha256), 'four');
    expect(await localHasBlob(l, j)).toBe(true);
    expect(await localHasBlob(l, { ...j, size: 5 })).toBe(false);
    const d = job('dir', 0);
    mkdirSync(blobPath(l, d.sha256), { recursive: true });
    expect(await localHasBlob(l, d)).toBe(false);
  });
});

describe('a failed download', () => {
  const j = job('weights', 7, 'fraud@1.2.0:model.onnx');
  const fetchWith = (sinkError: unknown) =>
    downloadBlobs(layout(), recorder().backend, [j], undefined, async () => {
      throw sinkError;
    }).catch((e: unknown) => e);

  it('corrupt bytes: named by artifact, blob and remote, with the reason after "is corrupt: ", and its data kept', async () => {
    const cause = new MregError('CORRUPT_BLOB', `blob ${j.sha256} is corrupt: its bytes hash to abc (7 bytes)`, { data: { actual: 'abc' } });
    const err = (await fetchWith(cause)) as MregError;
    expect(err).toBeInstanceOf(MregError);
    expect(err.code).toBe('CORRUPT_BLOB');
    expect(err.message).toBe(`fraud@1.2.0:model.onnx: blob ${j.sha256} from remote origin (test) is corrupt: its bytes hash to abc (7 bytes); it was not stored`);
    expect(err.data).toStrictEqual({ actual: 'abc', sha256: j.sha256, remote: 'origin (test)' });
    expect(err.cause).toBe(cause);
  });

  it('a missing blob: NOT_FOUND naming the artifact, its data kept; any other error as it is', async () => {
    const cause = new MregError('NOT_FOUND', 'blob x is not on remote origin', { data: { key: 'objects/x' } });
    const err = (await fetchWith(cause)) as MregError;
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'fraud@1.2.0:model.onnx: blob x is not on remote origin', data: { key: 'objects/x' } });
    expect(err.cause).toBe(cause);
    const denied = new MregError('REMOTE', 'access denied');
    expect(await fetchWith(denied)).toBe(denied);
    const plain = new Error('is corrupt: not an mreg error');
    expect(await fetchWith(plain)).toBe(plain);
  });

  it('an upload that fails rejects with the backend\'s error', async () => {
    const bad = job('bad', 1);
    const r = recorder((ref) => (ref.sha256 === bad.sha256 ? new MregError('REMOTE', 'denied') : undefined));
    const err = await uploadBlobs(layout(), r.backend, [bad]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REMOTE', message: 'denied' });
  });
});
