// Exporting a version: its files written to a directory, every blob re-hashed on the way (fetched
// from the default remote first when this store lacks it), nothing left behind unless all checked out.
import { resolve } from 'node:path';
import type { Artifact } from '../core/manifest/types.js';
import { openStore } from '../core/store.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { materializeVersion } from '../core/lifecycle/materialize.js';
import type { TransferListener } from '../core/remote/backend.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import { readManifest } from '../core/manifest/versions.js';
import type { BlobSource } from '../store/blob-source.js';
import type { Where } from './where.js';

export interface ExportResult {
  model: string;
  version: string;
  hash: string;
  dir: string;
  artifacts: Artifact[];
}

export interface ExportOptions extends Where {
  /** the version: model, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
  /** the directory to write the files into (created if needed; relative to cwd) */
  dir: string;
  /** overwrite files that exist */
  force?: boolean | undefined;
  onProgress?: (file: string, bytes: number) => void;
  /** blobs fetched from the default remote first */
  onTransfer?: TransferListener;
  /** where the blobs come from; by default this store, backed by its default remote (onTransfer reports those fetches) */
  blobs?: BlobSource;
}

export async function exportVersion(options: ExportOptions): Promise<ExportResult> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const { model, version } = await resolveRef(store, options.ref);
  const manifest = await readManifest(store.layout, model, version);
  const blobs = options.blobs ?? blobSourceFor(store, { onTransfer: options.onTransfer, env: options.env });
  const dir = await materializeVersion(blobs, manifest, resolve(options.cwd, options.dir), { force: options.force, onProgress: options.onProgress });
  return { model, version, hash: manifest.hash, dir, artifacts: manifest.artifacts };
}
