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
import { LINK_TYPES, type BlobSource, type LinkType } from '../store/blob-source.js';
import { MregError } from '../errors.js';

export type { LinkType } from '../store/blob-source.js';
import type { Where } from './where.js';

export interface ExportResult {
  model: string;
  version: string;
  hash: string;
  dir: string;
  artifacts: Artifact[];
  /** how the files were made from the blobs */
  link: LinkType;
}

export interface ExportOptions extends Where {
  /** the version: model, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
  /** the directory to write the files into (created if needed; relative to cwd) */
  dir: string;
  /** overwrite files that exist */
  force?: boolean | undefined;
  /**
   * how each file is made from its blob: copy (default), reflink (a copy-on-write clone, a copy where
   * the file system cannot), hardlink or symlink (no space, no time; the store's read-only blob
   * itself). Every blob is re-hashed whichever is chosen.
   */
  link?: LinkType | undefined;
  onProgress?: (file: string, bytes: number) => void;
  /** blobs fetched from the default remote first */
  onTransfer?: TransferListener;
  /** where the blobs come from; by default this store, backed by its default remote (onTransfer reports those fetches) */
  blobs?: BlobSource;
}

/** Checks a link type given by a caller (`option` names it in errors). */
export function checkLinkType(value: unknown, option = 'link'): LinkType {
  if (value === undefined) return 'copy';
  if (typeof value !== 'string' || !(LINK_TYPES as readonly string[]).includes(value)) {
    throw new MregError('USAGE', `${option} ${JSON.stringify(value)}: expected ${LINK_TYPES.join(', ')}`, { data: { option } });
  }
  return value as LinkType;
}

export async function exportVersion(options: ExportOptions): Promise<ExportResult> {
  const link = checkLinkType(options.link);
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const { model, version } = await resolveRef(store, options.ref);
  const manifest = await readManifest(store.layout, model, version);
  const blobs = options.blobs ?? blobSourceFor(store, { onTransfer: options.onTransfer, env: options.env });
  const dir = await materializeVersion(blobs, manifest, resolve(options.cwd, options.dir), { force: options.force, link, onProgress: options.onProgress, protect: store.config.retention.protect });
  return { model, version, hash: manifest.hash, dir, artifacts: manifest.artifacts, link };
}
