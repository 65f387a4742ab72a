// The manifest's shape, declared once: every top-level field, how its value is checked, whether the version
// digest and the checksum cover it, and where it goes in the YAML file. validate.ts, yaml.ts and hash.ts
// derive from this table; types.ts holds the TypeScript type, and the table must cover exactly its keys.
import { MregError } from '../../errors.js';
import type { Checker } from './checker.js';
import * as check from './fields.js';
import { declaredLineage, storedLineage } from './lineage.js';
import type { Artifact, Json, Manifest } from './types.js';

export interface Field<K extends keyof Manifest = keyof Manifest> {
  /** When the field is absent: 'required' runs the check anyway (which fails), 'optional' leaves it out, a function gives it a value. */
  absent: 'required' | 'optional' | (() => NonNullable<Manifest[K]>);
  /** Checks an untrusted value; `earlier` holds the fields above it in this table, already checked. */
  check: (c: Checker, value: unknown, earlier: Partial<Manifest>) => NonNullable<Manifest[K]>;
  /** A --meta file may declare it (it is part of `Metadata`); a function when a --meta file may write it another way. */
  declared?: true | ((c: Checker, value: unknown) => NonNullable<Manifest[K]>);
  /** Part of the version digest (what the version is), as is or in the form a function gives. */
  digest: boolean | ((value: NonNullable<Manifest[K]>) => Json);
  /** Part of the checksum (every field but the checksum itself, so verify notices any edit). */
  checksum: boolean;
  /** Its place in the YAML file, read top to bottom (1 first). */
  yaml: number;
}

const byPath = (a: Artifact, b: Artifact) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Every field, in the order a manifest object holds them (and `show --json` prints them). What the digest leaves
 * out is descriptive or derived: the time, actor, git state, message and consumed changes describe how the version
 * came to be, and `schema` is read from the artifacts (already hashed), so a newer mreg that reads more from a
 * header does not turn identical files into a new version. The same inputs give the same digest on every machine.
 */
export const MANIFEST_SHAPE: { readonly [K in keyof Manifest]-?: Field<K> } = {
  format: { absent: 'required', check: check.formatNumber, digest: false, checksum: true, yaml: 1 },
  name: { absent: 'required', check: check.modelName, digest: false, checksum: true, yaml: 2 },
  kind: { absent: 'required', check: check.kind, digest: true, checksum: true, yaml: 3 },
  version: { absent: 'required', check: check.version, digest: false, checksum: true, yaml: 4 },
  /** the first 12 hex digits of the digest, for people */
  hash: { absent: 'required', check: (c, v) => c.string(v, 'hash', 100), digest: false, checksum: true, yaml: 5 },
  digest: { absent: 'required', check: check.digest, digest: false, checksum: true, yaml: 6 },
  created_at: { absent: 'required', check: (c, v) => check.time(c, v, 'created_at'), digest: false, checksum: true, yaml: 7 },
  actor: { absent: 'required', check: (c, v) => c.string(v, 'actor', 1000), digest: false, checksum: true, yaml: 8 },
  git: { absent: 'optional', check: check.git, digest: false, checksum: true, yaml: 11 },
  // Hashed as [path, sha256, size] triples sorted by path: the order files were given in is not another version.
  artifacts: { absent: 'required', check: check.artifacts, digest: (list) => [...list].sort(byPath).map((a) => [a.path, a.sha256, a.size]), checksum: true, yaml: 12 },
  changes: { absent: 'optional', check: check.changes, digest: false, checksum: true, yaml: 10 },
  params: { absent: () => ({}), check: (c, v) => c.jsonMap(v, 'params'), declared: true, digest: true, checksum: true, yaml: 13 },
  metrics: { absent: () => ({}), check: (c, v) => c.jsonMap(v, 'metrics'), declared: true, digest: true, checksum: true, yaml: 14 },
  tags: { absent: () => ({}), check: (c, v) => c.scalarMap(v, 'tags'), declared: true, digest: true, checksum: true, yaml: 15 },
  message: { absent: 'optional', check: (c, v) => c.string(v, 'message'), declared: true, digest: false, checksum: true, yaml: 9 },
  data: { absent: 'optional', check: (c, v) => check.reference(c, v, 'data'), declared: true, digest: true, checksum: true, yaml: 17 },
  pipeline: { absent: 'optional', check: (c, v) => check.reference(c, v, 'pipeline'), declared: true, digest: true, checksum: true, yaml: 18 },
  architecture: { absent: 'optional', check: (c, v) => c.jsonMap(v, 'architecture'), declared: true, digest: true, checksum: true, yaml: 19 },
  framework: { absent: 'optional', check: (c, v) => c.scalarMap(v, 'framework'), declared: true, digest: true, checksum: true, yaml: 20 },
  training: { absent: 'optional', check: (c, v) => check.training(c, v, 'training'), declared: true, digest: true, checksum: true, yaml: 21 },
  requirements: { absent: 'optional', check: (c, v) => c.jsonMap(v, 'requirements'), declared: true, digest: true, checksum: true, yaml: 22 },
  // A declared signature is a claim about the model, like params: it is part of what the version is.
  signature: { absent: 'optional', check: check.signature, declared: true, digest: (s) => s as unknown as Json, checksum: true, yaml: 23 },
  // Stored: exact versions only. Declared: ranges, stages and strings as on the command line, resolved at register
  // time. Hashed: the same files made from other data are another version.
  lineage: { absent: 'optional', check: storedLineage, declared: declaredLineage, digest: (l) => l as unknown as Json, checksum: true, yaml: 16 },
  schema: { absent: 'optional', check: (c, v, earlier) => check.schema(c, v, earlier.artifacts ?? []), digest: false, checksum: true, yaml: 24 },
  /** artifacts that mreg scan found unsafe and that were registered anyway */
  unsafe_allowed: { absent: 'optional', check: check.unsafeAllowed, digest: false, checksum: true, yaml: 25 },
  // The scan's verdict is derived from the artifacts (already hashed) by a scanner that learns over time: a newer
  // mreg that warns about more must not turn identical files into a new version, so it is not hashed either.
  scan: { absent: 'optional', check: (c, v, earlier) => check.scanVerdicts(c, v, earlier.artifacts ?? []), digest: false, checksum: true, yaml: 26 },
  checksum: { absent: 'required', check: (c, v) => c.string(v, 'checksum', 100), digest: false, checksum: false, yaml: 27 },
};

export type FieldEntry = Field & { key: keyof Manifest };

/** The table as a list, in its order. */
export const MANIFEST_FIELDS: readonly FieldEntry[] = Object.entries(MANIFEST_SHAPE).map(([key, field]) => ({ ...(field as Field), key: key as keyof Manifest }));

const inYamlOrder = (fields: readonly FieldEntry[]) => [...fields].sort((a, b) => a.yaml - b.yaml).map((f) => f.key);

/** The keys in the order a manifest file lists them. */
export const YAML_ORDER: readonly (keyof Manifest)[] = inYamlOrder(MANIFEST_FIELDS);

/** The fields a --meta file may declare, and their keys in YAML order (as error messages list them). */
export const DECLARED_FIELDS: readonly FieldEntry[] = MANIFEST_FIELDS.filter((f) => f.declared !== undefined);
export const DECLARED_KEYS: readonly string[] = inYamlOrder(DECLARED_FIELDS);

export function isManifestKey(key: string): key is keyof Manifest {
  return Object.hasOwn(MANIFEST_SHAPE, key);
}

/** Refuses a manifest about to be written with a field the table does not know: it would be hashed but never stored. */
export function checkKnownFields(manifest: object): void {
  for (const [key, value] of Object.entries(manifest)) {
    if (value !== undefined && !isManifestKey(key)) {
      throw new MregError('INVALID_INPUT', `manifest: ${key}: unknown key (expected one of: ${YAML_ORDER.join(', ')})`);
    }
  }
}
