// The version manifest: what a version is made of and what made it. Written once, never rewritten.

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
}

export interface GitState {
  commit: string;
  dirty: boolean;
  branch?: string;
}

export interface Manifest extends Metadata {
  format: 1;
  name: string;
  kind: 'model';
  version: string;
  hash: string; // first 12 hex digits of digest, for people
  digest: string; // sha256:<64 hex> over the canonical artifacts and declared metadata
  created_at: string; // ISO 8601, UTC
  actor: string;
  git?: GitState;
  artifacts: Artifact[];
  checksum: string; // sha256:<64 hex> over all the other fields, to catch any edit
}

export const METADATA_SECTIONS = ['data', 'pipeline', 'architecture', 'framework', 'training', 'requirements'] as const;
