// The version manifest: what a version is made of and what made it. Written once, never rewritten.
import type { ChangeType } from '../change-type.js';
import type { InputTensor, ModelInterface, Tensor } from '../formats/types.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonMap = Record<string, Json>;
export type Scalar = string | number | boolean;

export interface Artifact {
  /** relative path with '/' separators, validated so it can never leave an export directory */
  path: string;
  sha256: string;
  size: number;
}

/** What the user declares about a version (flags and --meta). All of it except `message` is hashed. */
export interface Metadata {
  message?: string;
  params: JsonMap; // hyperparameters and configuration
  metrics: JsonMap; // training metrics and validation scores
  tags: Record<string, Scalar>;
  data?: JsonMap; // training data: name, version, hash, uri
  pipeline?: JsonMap; // feature engineering pipeline: name, version, hash, uri
  architecture?: JsonMap; // model architecture: name, family, parameters, ...
  framework?: Record<string, Scalar>; // framework and library versions: {pytorch: "2.3.1", python: "3.11"}
  training?: JsonMap; // duration_s, started_at, finished_at, compute, cost
  requirements?: JsonMap; // deployment environment requirements
  signature?: DeclaredSignature; // the interface, declared for formats mreg cannot read (pickle, SavedModel, ...)
  lineage?: Lineage; // exact references to what this version was made from (see Lineage)
}

/** A `signature:` block of a --meta file, normalised (dtype aliases resolved, -1 dimensions as '?'). */
export interface DeclaredSignature {
  inputs: InputTensor[];
  outputs: Tensor[];
}

/** A change file's id: lowercase letters, digits and '-', the same file name on every file system, and safe in a path. */
export const CHANGE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,79}$/;
/** The longest summary a change file (and so a manifest's `changes`) may hold. */
export const MAX_SUMMARY_LENGTH = 10_000;

/** A pending change file consumed by this version: its id, its type for this model, and its summary. */
export interface ConsumedChange {
  id: string;
  type: ChangeType;
  summary: string;
}

export interface GitState {
  commit: string;
  dirty: boolean;
  branch?: string;
}

export interface Manifest extends Metadata {
  format: 1;
  name: string;
  kind: Kind;
  version: string;
  hash: string; // first 12 hex digits of digest, for people
  digest: string; // sha256:<64 hex> over the canonical artifacts and declared metadata
  created_at: string; // ISO 8601, UTC
  actor: string;
  git?: GitState;
  artifacts: Artifact[];
  /** the change files this version consumed; descriptive, like `message`, so not part of the digest */
  changes?: ConsumedChange[];
  /**
   * The interface read from each model file's header, keyed by artifact path. Derived from the artifacts
   * (already hashed), so not part of the digest: a newer mreg that reads more from a header must not turn
   * identical files into a new version. The checksum covers it.
   */
  schema?: Record<string, ModelInterface>;
  /** artifacts that mreg scan found unsafe and that were registered anyway with --allow-unsafe */
  unsafe_allowed?: UnsafeAllowed[];
  /**
   * The scanner's verdict on each artifact it did not find safe, keyed by artifact path: `warning` (review its
   * imports) or `unsafe` (registered with allowUnsafe). Derived from the artifacts like `schema`, so not hashed.
   */
  scan?: Record<string, ScanVerdict>;
  checksum: string; // sha256:<64 hex> over all the other fields, to catch any edit
}

export type ScanVerdict = 'warning' | 'unsafe';

export interface UnsafeAllowed {
  path: string;
  /** the imports that make it unsafe, as module.name */
  globals: string[];
}

/** What a name holds; a name holds one kind for all its versions. */
export const KINDS = ['model', 'dataset', 'features', 'pipeline'] as const;
export type Kind = (typeof KINDS)[number];

/** A registered version, by exact version (a range or stage given at register time is resolved first). */
export interface RegisteredRef {
  name: string;
  version: string;
}

/** Something mreg does not hold: a URI, optionally pinned to the sha256 of its content. */
export interface ExternalRef {
  uri: string;
  sha256?: string;
}

export type LineageRef = RegisteredRef | ExternalRef;

/** The relations a version records, as keys of its `lineage:` section. */
export const RELATIONS = ['parents', 'data', 'features', 'pipeline'] as const;
export type Relation = (typeof RELATIONS)[number];

/**
 * Exact, resolvable references to what a version was made from. Unlike the free descriptive `data:` and
 * `pipeline:` sections, each entry names a registered version or an external node, so the graph can be walked.
 */
export type Lineage = { [R in Relation]?: LineageRef[] };
