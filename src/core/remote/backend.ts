// The remote layout (the same keys under an S3 prefix or in a directory) and the few operations
// every kind of remote offers. Keys are built here from validated names only.
import type { BlobRef, ProgressFn } from '../../store/blobs.js';
import type { Layout } from '../../store/layout.js';

export const REMOTE_FORMAT = 1;

/** Written once by the first push: marks a location as an mreg remote and says which layout it uses. */
export const MARKER_KEY = 'mreg-remote.json';

/** Blobs fan out like the local store's objects/ directory. */
export function blobKey(sha256: string): string {
  return `objects/${sha256.slice(0, 2)}/${sha256}`;
}

export const MODELS_PREFIX = 'models/';

export function versionsPrefix(model: string): string {
  return `models/${model}/`;
}

export function manifestKey(model: string, version: string): string {
  return `models/${model}/${version}.yaml`;
}

/**
 * A model's history is a set of batch objects, one per push that brought new events, each created
 * once under a name that holds the hash of its content: two machines pushing at once write two
 * different objects and never overwrite each other. Readers merge batches by event id.
 */
export function historyPrefix(model: string): string {
  return `history/${model}/`;
}

/**
 * A version's signatures, one object per signing key, flat under the model so one listing finds
 * them all: signatures/<model>/<version>@<key fingerprint>.json ('@' is never part of a version).
 */
export function signaturesPrefix(model: string): string {
  return `signatures/${model}/`;
}

export function signatureKey(model: string, version: string, file: string): string {
  return `signatures/${model}/${version}@${file}`;
}

export const BATCH_NAME = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}\.jsonl$/;

export type CreateResult = 'created' | 'exists';

export interface Listing {
  /** objects directly under the prefix (their names, without the prefix) */
  files: { name: string; size: number }[];
  /** "sub-directories" directly under the prefix (names without the trailing slash) */
  dirs: string[];
}

export interface RemoteBackend {
  /** how errors and progress name this remote: `origin (s3://bucket/prefix)` */
  readonly label: string;
  /** whether a complete copy of the blob is on the remote (by size and, where kept, its recorded hash) */
  hasBlob(ref: BlobRef): Promise<boolean>;
  /**
   * Uploads a local blob, re-hashing every byte read from the store; it becomes visible under its
   * final key only once complete and verified. Safe to repeat.
   */
  putBlob(layout: Layout, ref: BlobRef, onProgress?: ProgressFn): Promise<void>;
  /** The bytes of a remote blob, unverified (the caller hashes them before they enter the store). */
  openBlob(ref: BlobRef): Promise<AsyncIterable<Uint8Array>>;
  /** One level of the layout under `prefix` (which ends with '/'), bounded in size. */
  list(prefix: string): Promise<Listing>;
  /** A small object's text, or undefined when there is none; larger than maxBytes is an error. */
  getText(key: string, maxBytes: number): Promise<string | undefined>;
  /** Creates the object only if nothing is at `key` yet; never replaces what is there. */
  createOnly(key: string, text: string): Promise<CreateResult>;
  close(): void;
}

export type TransferDirection = 'upload' | 'download';

/** What the CLI shows while blobs move: start, bytes so far, done. */
export type TransferEvent =
  | { type: 'start'; direction: TransferDirection; sha256: string; size: number; label: string }
  | { type: 'progress'; direction: TransferDirection; sha256: string; size: number; label: string; bytes: number }
  | { type: 'done'; direction: TransferDirection; sha256: string; size: number; label: string; ms: number };

export type TransferListener = (event: TransferEvent) => void;
