// The version hash (digest) and the manifest checksum: sha256 over a canonical JSON form (sorted keys) of
// the fields shape.ts marks as covered by each. The same inputs give the same digest on every run and machine.
import { createHash } from 'node:crypto';
import { checkKnownFields, MANIFEST_FIELDS } from './shape.js';
import type { Artifact, Json, Kind, Manifest, Metadata } from './types.js';

const DIGEST_FIELDS = MANIFEST_FIELDS.filter((f) => f.digest !== false);
/** Left out of the checksum: the checksum itself. */
const UNCHECKED = new Set<string>(MANIFEST_FIELDS.filter((f) => !f.checksum).map((f) => f.key));

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
  const fields: Partial<Manifest> = { ...meta, kind, artifacts };
  const identity: Record<string, Json> = {};
  for (const { key, digest } of DIGEST_FIELDS) {
    const value = fields[key];
    if (value !== undefined) identity[key] = typeof digest === 'function' ? (digest as (v: unknown) => Json)(value) : (value as Json);
  }
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
  const rest = Object.fromEntries(Object.entries(manifest).filter(([key]) => !UNCHECKED.has(key)));
  return `sha256:${createHash('sha256').update('mreg-manifest-1\n').update(canonicalJson(rest as unknown as Json)).digest('hex')}`;
}

/**
 * A new manifest from its fields: held in the table's order (as a manifest read back holds them), undefined
 * fields left out, sealed with its checksum. An unknown field is refused.
 */
export function sealManifest(fields: Omit<Manifest, 'checksum'>): Manifest {
  checkKnownFields(fields);
  const out: Record<string, unknown> = {};
  for (const { key } of MANIFEST_FIELDS) {
    const value = (fields as Partial<Manifest>)[key];
    if (key !== 'checksum' && value !== undefined) out[key] = value;
  }
  const sealed = out as Omit<Manifest, 'checksum'>;
  return { ...sealed, checksum: manifestChecksum(sealed) };
}
