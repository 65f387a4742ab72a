// Exporting a version: its files written to a directory, every blob re-hashed on the way (fetched
// from the default remote first when this store lacks it), nothing left behind unless all checked out.
import type { Artifact } from '../core/manifest/types.js';
import type { Store } from '../core/store.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { materializeVersion } from '../core/lifecycle/materialize.js';
import type { TransferListener } from '../core/remote/backend.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import { readManifest } from '../core/manifest/versions.js';
import type { BlobSource } from '../store/blob-source.js';

export interface ExportResult {
  model: string;
  version: string;
  hash: string;
  dir: string;
  artifacts: Artifact[];
}

export interface ExportOptions {
  force?: boolean;
  onProgress?: (file: string, bytes: number) => void;
  /** blobs fetched from the default remote first */
  onTransfer?: TransferListener;
  /** where the blobs come from; by default this store, backed by its default remote (onTransfer reports those fetches) */
  blobs?: BlobSource;
}

export async function exportVersion(store: Store, refText: string, targetDir: string, options: ExportOptions = {}): Promise<ExportResult> {
  const { model, version } = await resolveRef(store, refText);
  const manifest = await readManifest(store.layout, model, version);
  const blobs = options.blobs ?? blobSourceFor(store, { onTransfer: options.onTransfer });
  const dir = await materializeVersion(blobs, manifest, targetDir, { force: options.force, onProgress: options.onProgress });
  return { model, version, hash: manifest.hash, dir, artifacts: manifest.artifacts };
}
