// Blobs on demand: the default remote as the fallback of a store's blob source, so export, deploy and
// checks get a version's files even in a clone that holds only manifests. Loads no remote code at
// all unless a blob is actually missing.
import { createBlobSource, type BlobFallback, type BlobNeed, type BlobSource } from '../../store/blob-source.js';
import type { Store } from '../store.js';
import type { TransferListener } from './backend.js';
import { defaultRemote } from '../config/remotes.js';

/** A blob wanted, named for messages: fraud@1.2.0:model.onnx */
export type FetchNeed = BlobNeed;

/** Fetches missing blobs from the store's default remote (none configured: supplies nothing). */
/** `env` is the environment mreg runs with: an S3 remote's region and credentials come from it (absent: empty). */
export function remoteBlobFallback(store: Store, onTransfer?: TransferListener, env?: NodeJS.ProcessEnv): BlobFallback {
  return {
    async fetch(needs, sink) {
      const remote = defaultRemote(store.config.remotes ?? {});
      if (needs.length === 0 || !remote) return;
      const { uniqueJobs, downloadBlobs } = await import('./transfer.js');
      const { openRemote } = await import('./open.js');
      const backend = await openRemote(remote, env);
      try {
        await downloadBlobs(store.layout, backend, uniqueJobs(needs), onTransfer, sink);
      } finally {
        backend.close();
      }
    },
  };
}

export interface BlobSourceOptions {
  /** progress of blobs fetched from the default remote */
  onTransfer?: TransferListener | undefined;
  /** the environment mreg runs with (an S3 remote's region and credentials) */
  env?: NodeJS.ProcessEnv | undefined;
}

/** The blob source every operation uses unless it is handed one: this store, backed by its default remote. */
export function blobSourceFor(store: Store, options: BlobSourceOptions = {}): BlobSource {
  return createBlobSource(store.layout, remoteBlobFallback(store, options.onTransfer, options.env));
}

