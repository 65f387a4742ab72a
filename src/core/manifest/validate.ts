// Validation of untrusted manifest and metadata documents, field by field as shape.ts declares them. Every
// error names the file and the path of the offending key ("meta.yaml: training.duration_s: expected a number >= 0").
import { Checker } from './checker.js';
import { manifestChecksum, shortHash, versionDigest } from './hash.js';
import { DECLARED_FIELDS, DECLARED_KEYS, MANIFEST_FIELDS, YAML_ORDER, type FieldEntry } from './shape.js';
import type { Manifest, Metadata } from './types.js';

/** Checks the fields of `map` (already key-checked) in the table's order; the result holds them in that order. */
function checkFields(c: Checker, map: Record<string, unknown>, fields: readonly FieldEntry[], declared: boolean, after?: (key: string, earlier: Partial<Manifest>) => void): Partial<Manifest> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = map[field.key];
    if (value !== undefined || field.absent === 'required') {
      const check = declared && typeof field.declared === 'function' ? field.declared : field.check;
      out[field.key] = check(c, value, out as Partial<Manifest>);
    } else if (typeof field.absent === 'function') {
      out[field.key] = field.absent();
    }
    after?.(field.key, out as Partial<Manifest>);
  }
  return out as Partial<Manifest>;
}

/** A --meta file (YAML or JSON) as the user wrote it. */
export function validateMetadata(raw: unknown, label: string): Metadata {
  const c: Checker = new Checker(label, 'INVALID_INPUT');
  if (raw === null || raw === undefined) return { params: {}, metrics: {}, tags: {} };
  const map = c.map(raw, '');
  c.keys(map, '', DECLARED_KEYS);
  return checkFields(c, map, DECLARED_FIELDS, true) as Metadata;
}

/** A stored manifest, checked against the place it was found (model directory and file name). */
export function validateManifest(raw: unknown, label: string, expected?: { name: string; version: string }): Manifest {
  const c: Checker = new Checker(label, 'CORRUPT_MANIFEST');
  const map = c.map(raw, '');
  c.keys(map, '', YAML_ORDER);
  const manifest = checkFields(c, map, MANIFEST_FIELDS, false, (key, { name, version }) => {
    if (key === 'version' && expected && (expected.name !== name || expected.version !== version)) {
      c.fail('', `holds ${name}@${version}, but its place in the store says ${expected.name}@${expected.version}`);
    }
  }) as Manifest;
  const recomputed = versionDigest(manifest.artifacts, manifest, manifest.kind);
  if (recomputed !== manifest.digest) c.fail('digest', `does not match the manifest's content (${recomputed}): the manifest was edited`);
  if (manifest.hash !== shortHash(manifest.digest)) c.fail('hash', 'does not match digest');
  if (manifestChecksum(manifest) !== manifest.checksum) c.fail('checksum', 'does not match the manifest: the manifest was edited');
  return manifest;
}
