// Moving blobs between the local store and a remote, a few at a time, with progress per transfer.
// Downloads are hashed while they stream and enter objects/ only on a match (store/blobs.ts).
import { lstat } from 'node:fs/promises';
import { MregError } from '../../errors.js';
import { ingestStream, type BlobRef, type ProgressFn } from '../../store/blobs.js';
import { blobPath, type Layout } from '../../store/layout.js';
import type { RemoteBackend, TransferDirection, TransferListener } from './backend.js';
import { mapLimit } from '../concurrency.js';
import { withRetry } from './retry.js';

/** A blob to move, with the artifact that names it for people (`fraud@1.2.0:model.onnx`). */
export interface BlobJob extends BlobRef {
  label: string;
}

export interface TransferTotals {
  count: number;
  bytes: number;
}

/** Small blobs move several at a time; a large one already uses parallel parts of its own. */
const SMALL_CONCURRENCY = 8;
const LARGE_CONCURRENCY = 1;
const LARGE = 8 * 1024 * 1024;

export function uniqueJobs(jobs: BlobJob[]): BlobJob[] {
  const seen = new Map<string, BlobJob>();
  for (const job of jobs) if (!seen.has(job.sha256)) seen.set(job.sha256, job);
  return [...seen.values()];
}

async function inBatches(jobs: BlobJob[], fn: (job: BlobJob) => Promise<void>): Promise<void> {
  const large = jobs.filter((j) => j.size >= LARGE);
  const small = jobs.filter((j) => j.size < LARGE);
  await mapLimit(large, LARGE_CONCURRENCY, fn);
  await mapLimit(small, SMALL_CONCURRENCY, fn);
}

function tracked(direction: TransferDirection, job: BlobJob, listener: TransferListener | undefined, run: (progress: (bytes: number) => void) => Promise<void>): Promise<void> {
  const base = { direction, sha256: job.sha256, size: job.size, label: job.label };
  const started = Date.now();
  listener?.({ type: 'start', ...base });
  return run((bytes) => listener?.({ type: 'progress', ...base, bytes })).then(() => listener?.({ type: 'done', ...base, ms: Date.now() - started }));
}

export async function localHasBlob(layout: Layout, ref: BlobRef): Promise<boolean> {
  const st = await lstat(blobPath(layout, ref.sha256)).catch(() => undefined);
  return Boolean(st?.isFile() && st.size === ref.size);
}

export async function uploadBlobs(layout: Layout, backend: RemoteBackend, jobs: BlobJob[], listener?: TransferListener): Promise<TransferTotals> {
  const totals = { count: 0, bytes: 0 };
  await inBatches(jobs, (job) =>
    tracked('upload', job, listener, async (progress) => {
      await backend.putBlob(layout, job, progress);
      totals.count++;
      totals.bytes += job.size;
    }),
  );
  return totals;
}

/**
 * Downloads blobs into the local store. A dropped connection restarts that blob (its partial temp
 * file is deleted); bytes that do not hash to the blob's name are an error naming it, never stored.
 * `sink` is how the bytes enter the store (a blob source hands in its own); it must verify them.
 */
export async function downloadBlobs(
  layout: Layout,
  backend: RemoteBackend,
  jobs: BlobJob[],
  listener?: TransferListener,
  sink: (job: BlobJob, bytes: AsyncIterable<Uint8Array>, onProgress: ProgressFn) => Promise<unknown> = (job, bytes, onProgress) => ingestStream(layout, job, bytes, onProgress),
): Promise<TransferTotals> {
  const totals = { count: 0, bytes: 0 };
  await inBatches(jobs, (job) =>
    tracked('download', job, listener, async (progress) => {
      try {
        await withRetry(async () => sink(job, await backend.openBlob(job), progress));
      } catch (err) {
        if (err instanceof MregError && err.code === 'CORRUPT_BLOB') {
          const detail = err.message.replace(/^.*?is corrupt: /, '');
          throw new MregError('CORRUPT_BLOB', `${job.label}: blob ${job.sha256} from remote ${backend.label} is corrupt: ${detail}; it was not stored`, {
            data: { ...err.data, sha256: job.sha256, remote: backend.label },
            cause: err,
          });
        }
        if (err instanceof MregError && err.code === 'NOT_FOUND') throw new MregError('NOT_FOUND', `${job.label}: ${err.message}`, { data: err.data, cause: err });
        throw err;
      }
      totals.count++;
      totals.bytes += job.size;
    }),
  );
  return totals;
}
