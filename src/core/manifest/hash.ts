// The version hash: sha256 over a canonical JSON form (sorted keys) of the artifact list and the
// declared metadata. Time, actor, git state, message, consumed changes and the interface read from
// the files are left out, so the same inputs give the same hash on every run and machine.
import { createHash } from 'node:crypto';
import type { Artifact, Json, Kind, Manifest, Metadata } from './types.js';
import { METADATA_SECTIONS } from './types.js';

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Undefined members are absent, as they are once written to YAML and read back.
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
}

export function versionDigest(artifacts: Artifact[], meta: Metadata, kind: Kind = 'model'): string {
  const sorted = [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const identity: Record<string, Json> = {
    kind,
    artifacts: sorted.map((a) => [a.path, a.sha256, a.size]),
    params: meta.params,
    metrics: meta.metrics,
    tags: meta.tags,
  };
  for (const section of METADATA_SECTIONS) {
    const value = meta[section];
    if (value !== undefined) identity[section] = value;
  }
  // A declared signature is a claim about the model, like params: it is part of what the version is.
  // (The interface read from the files, `schema`, is not: the artifact hashes already pin it down.)
  if (meta.signature !== undefined) identity.signature = meta.signature as unknown as Json;
  // Lineage is declared too: the same files made from other data are another version.
  if (meta.lineage !== undefined) identity.lineage = meta.lineage as unknown as Json;
  return `sha256:${createHash('sha256').update('mreg-version-1\n').update(canonicalJson(identity)).digest('hex')}`;
}

export function shortHash(digest: string): string {
  return digest.slice('sha256:'.length, 'sha256:'.length + 12);
}

/**
 * A checksum over the whole manifest (every field but itself), so verify also notices edits to
 * fields the version hash leaves out, such as the actor or the time.
 */
export function manifestChecksum(manifest: Omit<Manifest, 'checksum'> & { checksum?: string }): string {
  const { checksum: _ignored, ...rest } = manifest;
  return `sha256:${createHash('sha256').update('mreg-manifest-1\n').update(canonicalJson(rest as unknown as Json)).digest('hex')}`;
}
