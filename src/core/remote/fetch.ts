// Blobs on demand: before export (or deploy) copies a version's files, blobs missing from the local
// store are fetched from the default remote, verified while they stream. Loads no remote code at
// all when every blob is already here.
import type { BlobRef } from '../../store/blobs.js';
import type { Store } from '../store.js';
import type { TransferListener } from './backend.js';
import { defaultRemote } from '../config/remotes.js';

export interface FetchNeed extends BlobRef {
  /** the artifact that needs it, for messages: fraud@1.2.0:model.onnx */
  label: string;
}

/**
 * Returns how many blobs were fetched; blobs no remote can supply are left for the caller to report.
 * `env` is the environment mreg runs with: an S3 remote's region and credentials (absent: empty).
 */
export async function ensureBlobsLocal(store: Store, needs: FetchNeed[], onTransfer?: TransferListener, env?: NodeJS.ProcessEnv): Promise<number> {
  const { localHasBlob, uniqueJobs, downloadBlobs } = await import('./transfer.js');
  const jobs = uniqueJobs(needs);
  const missing: FetchNeed[] = [];
  for (const job of jobs) if (!(await localHasBlob(store.layout, job))) missing.push(job);
  const remote = defaultRemote(store.config.remotes ?? {});
  if (missing.length === 0 || !remote) return 0;
  const { openRemote } = await import('./open.js');
  const backend = await openRemote(remote, env);
  try {
    return (await downloadBlobs(store.layout, backend, missing, onTransfer)).count;
  } finally {
    backend.close();
  }
}
