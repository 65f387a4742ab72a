// Validation of untrusted manifest and metadata documents. Every error names the file and the path
// of the offending key ("meta.yaml: training.duration_s: expected a number >= 0").
import valid from 'semver/functions/valid.js';
import { MregError, type ErrorCode } from '../../errors.js';
import { parseSignature } from '../formats/signature.js';
import type { Dim, InputTensor, InterfaceFormat, ModelInterface, Tensor } from '../formats/types.js';
import { nameProblem } from '../names.js';
import { manifestChecksum, shortHash, versionDigest } from './hash.js';
import { declaredLineage, storedLineage } from './lineage.js';
import { CHANGE_ID_PATTERN, isChangeType, KINDS, MAX_SUMMARY_LENGTH, type Kind } from './types.js';
import type { Artifact, ConsumedChange, DeclaredSignature, GitState, Json, JsonMap, Manifest, Metadata, Scalar, UnsafeAllowed } from './types.js';

const MAX_DEPTH = 32;
const MAX_KEY_LENGTH = 200;
const HEX64 = /^[0-9a-f]{64}$/;

export class Checker {
  constructor(
    readonly label: string,
    readonly code: ErrorCode,
  ) {}

  fail(path: string, message: string): never {
    throw new MregError(this.code, `${this.label}: ${path ? `${path}: ` : ''}${message}`);
  }

  map(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'expected a mapping');
    return value as Record<string, unknown>;
  }

  keys(map: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(map)) {
      if (!allowed.includes(key)) this.fail(path ? `${path}.${key}` : key, `unknown key (expected one of: ${allowed.join(', ')})`);
    }
  }

  string(value: unknown, path: string, max = 10_000): string {
    if (typeof value !== 'string') this.fail(path, 'expected a string');
    if (value.length > max) this.fail(path, `longer than ${max} characters`);
    return value;
  }

  number(value: unknown, path: string, min = -Infinity): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      this.fail(path, min === -Infinity ? 'expected a finite number' : `expected a number >= ${min}`);
    }
    return value;
  }

  key(key: string, path: string): void {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
      this.fail(path, `invalid key ${JSON.stringify(key.slice(0, 40))} (1-${MAX_KEY_LENGTH} printable characters)`);
    }
  }

  json(value: unknown, path: string, depth = 0): Json {
    if (depth > MAX_DEPTH) this.fail(path, `nested deeper than ${MAX_DEPTH} levels`);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.fail(path, 'NaN and infinite numbers cannot be stored');
      return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => this.json(v, `${path}[${i}]`, depth + 1));
    if (typeof value === 'object' && !(value instanceof Date)) {
      const out: JsonMap = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        this.key(k, path);
        defineKey(out, k, this.json(v, `${path}.${k}`, depth + 1));
      }
      return out;
    }
    return this.fail(path, value instanceof Date ? 'dates must be quoted strings' : `unsupported value of type ${typeof value}`);
  }

  jsonMap(value: unknown, path: string): JsonMap {
    return this.json(this.map(value, path), path) as JsonMap;
  }

  scalarMap(value: unknown, path: string): Record<string, Scalar> {
    const out: Record<string, Scalar> = {};
    for (const [k, v] of Object.entries(this.map(value, path))) {
      this.key(k, path);
      if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
        this.fail(`${path}.${k}`, 'expected a string, number or boolean');
      }
      defineKey(out, k, v);
    }
    return out;
  }
}

/** Sets a key even when it is "__proto__", as an own property, never touching the prototype. */
function defineKey<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const DATA_KEYS = ['name', 'version', 'hash', 'uri', 'description'] as const;
const TRAINING_KEYS = ['duration_s', 'started_at', 'finished_at', 'compute', 'cost'] as const;
export const META_KEYS = ['message', 'params', 'metrics', 'tags', 'data', 'pipeline', 'architecture', 'framework', 'training', 'requirements', 'signature', 'lineage'] as const;

function reference(c: Checker, value: unknown, path: string): JsonMap {
  const map = c.map(value, path);
  c.keys(map, path, DATA_KEYS);
  const out: JsonMap = {};
  for (const key of DATA_KEYS) if (map[key] !== undefined) out[key] = c.string(map[key], `${path}.${key}`);
  return out;
}

function training(c: Checker, value: unknown, path: string): JsonMap {
  const map = c.map(value, path);
  c.keys(map, path, TRAINING_KEYS);
  const out: JsonMap = {};
  if (map.duration_s !== undefined) out.duration_s = c.number(map.duration_s, `${path}.duration_s`, 0);
  for (const key of ['started_at', 'finished_at'] as const) if (map[key] !== undefined) out[key] = c.string(map[key], `${path}.${key}`, 100);
  for (const key of ['compute', 'cost'] as const) if (map[key] !== undefined) out[key] = c.jsonMap(map[key], `${path}.${key}`);
  return out;
}

/** Parses the metadata part shared by --meta files and manifests; `map` has been key-checked. */
function metadataFields(c: Checker, map: Record<string, unknown>): Metadata {
  const meta: Metadata = {
    params: map.params === undefined ? {} : c.jsonMap(map.params, 'params'),
    metrics: map.metrics === undefined ? {} : c.jsonMap(map.metrics, 'metrics'),
    tags: map.tags === undefined ? {} : c.scalarMap(map.tags, 'tags'),
  };
  if (map.message !== undefined) meta.message = c.string(map.message, 'message');
  if (map.data !== undefined) meta.data = reference(c, map.data, 'data');
  if (map.pipeline !== undefined) meta.pipeline = reference(c, map.pipeline, 'pipeline');
  if (map.architecture !== undefined) meta.architecture = c.jsonMap(map.architecture, 'architecture');
  if (map.framework !== undefined) meta.framework = c.scalarMap(map.framework, 'framework');
  if (map.training !== undefined) meta.training = training(c, map.training, 'training');
  if (map.requirements !== undefined) meta.requirements = c.jsonMap(map.requirements, 'requirements');
  if (map.signature !== undefined) meta.signature = signature(c, map.signature);
  return meta;
}

function signature(c: Checker, value: unknown): DeclaredSignature {
  try {
    const { inputs, outputs } = parseSignature(value, 'signature');
    return { inputs, outputs };
  } catch (err) {
    if (err instanceof MregError) c.fail('', err.message);
    throw err;
  }
}

const INTERFACE_FORMATS: readonly InterfaceFormat[] = ['onnx', 'safetensors', 'gguf'];
const MAX_TENSOR_NAME = 4096;
const MAX_RANK = 256;

/**
 * The `schema` of a stored manifest: for each model file (an artifact path of this version), the interface read
 * from its header. Checked for shape only; its content was derived from the artifacts when they were stored.
 */
function schema(c: Checker, value: unknown, artifacts: readonly Artifact[]): Record<string, ModelInterface> {
  const paths = new Set(artifacts.map((a) => a.path));
  const out: Record<string, ModelInterface> = {};
  for (const [path, raw] of Object.entries(c.map(value, 'schema'))) {
    const where = `schema.${path}`;
    if (!paths.has(path)) c.fail(where, 'is not an artifact of this version');
    const m = c.map(raw, where);
    c.keys(m, where, ['format', 'inputs', 'outputs', 'weights', 'metadata']);
    if (!INTERFACE_FORMATS.includes(m.format as InterfaceFormat)) c.fail(`${where}.format`, `expected one of: ${INTERFACE_FORMATS.join(', ')}`);
    const iface: ModelInterface = {
      format: m.format as InterfaceFormat,
      inputs: tensors(c, m.inputs, `${where}.inputs`, true),
      outputs: tensors(c, m.outputs, `${where}.outputs`, false),
    };
    if (m.weights !== undefined) iface.weights = tensors(c, m.weights, `${where}.weights`, false);
    if (m.metadata !== undefined) {
      const meta: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.map(m.metadata, `${where}.metadata`))) {
        defineKey(meta, k, c.string(v, `${where}.metadata.${k}`));
      }
      iface.metadata = meta;
    }
    defineKey(out, path, iface);
  }
  return out;
}

function tensors(c: Checker, value: unknown, path: string, inputs: boolean): InputTensor[] {
  if (!Array.isArray(value)) c.fail(path, 'expected a list');
  return value.map((raw, i) => {
    const where = `${path}[${i}]`;
    const m = c.map(raw, where);
    c.keys(m, where, inputs ? ['name', 'dtype', 'shape', 'optional'] : ['name', 'dtype', 'shape']);
    const shape = m.shape;
    if (!Array.isArray(shape) || shape.length > MAX_RANK) c.fail(`${where}.shape`, `expected a list of at most ${MAX_RANK} dimensions`);
    const dims: Dim[] = shape.map((d, j) => {
      if (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) return d;
      if (typeof d === 'string' && d.length > 0 && d.length <= MAX_TENSOR_NAME) return d;
      return c.fail(`${where}.shape[${j}]`, 'expected a whole number >= 0 or a dimension name');
    });
    const tensor: Tensor = { name: c.string(m.name, `${where}.name`, MAX_TENSOR_NAME), dtype: c.string(m.dtype, `${where}.dtype`, 64), shape: dims };
    if (m.optional !== undefined && m.optional !== true) c.fail(`${where}.optional`, 'expected true (or no key)');
    return m.optional === true ? { ...tensor, optional: true } : tensor;
  });
}

const MAX_CHANGES = 10_000;

function changes(c: Checker, value: unknown): ConsumedChange[] {
  if (!Array.isArray(value)) c.fail('changes', 'expected a list');
  if (value.length > MAX_CHANGES) c.fail('changes', `more than ${MAX_CHANGES} entries`);
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const where = `changes[${i}]`;
    const m = c.map(raw, where);
    c.keys(m, where, ['id', 'type', 'summary']);
    const id = c.string(m.id, `${where}.id`, 100);
    if (!CHANGE_ID_PATTERN.test(id)) c.fail(`${where}.id`, `invalid change id ${JSON.stringify(id)}`);
    if (seen.has(id)) c.fail(`${where}.id`, `change ${id} appears twice`);
    seen.add(id);
    if (!isChangeType(m.type)) c.fail(`${where}.type`, 'expected major, minor or patch');
    return { id, type: m.type, summary: c.string(m.summary, `${where}.summary`, MAX_SUMMARY_LENGTH) };
  });
}

/** A --meta file (YAML or JSON) as the user wrote it. */
export function validateMetadata(raw: unknown, label: string): Metadata {
  const c: Checker = new Checker(label, 'INVALID_INPUT');
  if (raw === null || raw === undefined) return { params: {}, metrics: {}, tags: {} };
  const map = c.map(raw, '');
  c.keys(map, '', META_KEYS);
  const meta = metadataFields(c, map);
  if (map.lineage !== undefined) meta.lineage = declaredLineage(c, map.lineage);
  return meta;
}

/** Returns why `path` is not a safe relative artifact path, or undefined. */
export function artifactPathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 4096) return 'must be 1 to 4096 characters';
  if (path.includes('\0') || path.includes('\\')) return 'contains a NUL or backslash';
  if (path.startsWith('/')) return 'is absolute';
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return `has an empty, '.' or '..' segment`;
    if (Buffer.byteLength(segment) > 255) return 'has a segment longer than 255 bytes';
  }
  return undefined;
}

function unsafeList(c: Checker, value: unknown): UnsafeAllowed[] {
  if (!Array.isArray(value)) c.fail('unsafe_allowed', 'expected a list');
  return value.map((item, i) => {
    const path = `unsafe_allowed[${i}]`;
    const m = c.map(item, path);
    c.keys(m, path, ['path', 'globals']);
    if (!Array.isArray(m.globals)) c.fail(`${path}.globals`, 'expected a list');
    return { path: c.string(m.path, `${path}.path`, 4096), globals: m.globals.map((g, j) => c.string(g, `${path}.globals[${j}]`, 1000)) };
  });
}

const MANIFEST_KEYS = ['format', 'name', 'kind', 'version', 'hash', 'digest', 'created_at', 'actor', 'git', 'artifacts', 'changes', 'schema', 'unsafe_allowed', 'checksum', ...META_KEYS] as const;

/** A stored manifest, checked against the place it was found (model directory and file name). */
export function validateManifest(raw: unknown, label: string, expected?: { name: string; version: string }): Manifest {
  const c: Checker = new Checker(label, 'CORRUPT_MANIFEST');
  const map = c.map(raw, '');
  c.keys(map, '', MANIFEST_KEYS);
  if (map.format !== 1) c.fail('format', 'expected 1 (written by a newer mreg?)');
  const name = c.string(map.name, 'name', 200);
  if (nameProblem(name)) c.fail('name', `invalid model name: it ${nameProblem(name)}`);
  if (!KINDS.includes(map.kind as Kind)) c.fail('kind', `expected one of: ${KINDS.join(', ')}`);
  const kind = map.kind as Kind;
  const version = c.string(map.version, 'version', 256);
  if (valid(version) !== version) c.fail('version', 'not a valid semantic version');
  if (expected && (expected.name !== name || expected.version !== version)) {
    c.fail('', `holds ${name}@${version}, but its place in the store says ${expected.name}@${expected.version}`);
  }
  const digest = c.string(map.digest, 'digest', 100);
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) c.fail('digest', 'expected sha256:<64 hex digits>');
  const hash = c.string(map.hash, 'hash', 100);
  const createdAt = c.string(map.created_at, 'created_at', 100);
  if (Number.isNaN(Date.parse(createdAt))) c.fail('created_at', 'expected an ISO 8601 time');
  const actor = c.string(map.actor, 'actor', 1000);
  if (!Array.isArray(map.artifacts) || map.artifacts.length === 0) c.fail('artifacts', 'expected a non-empty list');
  const artifacts: Artifact[] = (map.artifacts as unknown[]).map((a, i) => {
    const path = `artifacts[${i}]`;
    const m = c.map(a, path);
    c.keys(m, path, ['path', 'sha256', 'size']);
    const rel = c.string(m.path, `${path}.path`, 4096);
    const problem = artifactPathProblem(rel);
    if (problem) c.fail(`${path}.path`, `unsafe path ${JSON.stringify(rel)}: it ${problem}`);
    const sha256 = c.string(m.sha256, `${path}.sha256`, 64);
    if (!HEX64.test(sha256)) c.fail(`${path}.sha256`, 'expected 64 lowercase hex digits');
    const size = c.number(m.size, `${path}.size`, 0);
    if (!Number.isSafeInteger(size)) c.fail(`${path}.size`, 'expected a whole number');
    return { path: rel, sha256, size };
  });
  const seen = new Set<string>();
  for (const a of artifacts) {
    if (seen.has(a.path)) c.fail('artifacts', `path ${JSON.stringify(a.path)} appears twice`);
    seen.add(a.path);
  }
  let git: GitState | undefined;
  if (map.git !== undefined) {
    const g = c.map(map.git, 'git');
    c.keys(g, 'git', ['commit', 'dirty', 'branch']);
    const dirty = g.dirty;
    if (typeof dirty !== 'boolean') c.fail('git.dirty', 'expected true or false');
    git = { commit: c.string(g.commit, 'git.commit', 100), dirty };
    if (g.branch !== undefined) git = { ...git, branch: c.string(g.branch, 'git.branch', 1000) };
  }
  const meta = metadataFields(c, map);
  if (map.lineage !== undefined) meta.lineage = storedLineage(c, map.lineage);
  const consumed = map.changes === undefined ? undefined : changes(c, map.changes);
  const interfaces = map.schema === undefined ? undefined : schema(c, map.schema, artifacts);
  const unsafeAllowed = map.unsafe_allowed === undefined ? undefined : unsafeList(c, map.unsafe_allowed);
  const recomputed = versionDigest(artifacts, meta, kind);
  if (recomputed !== digest) c.fail('digest', `does not match the manifest's content (${recomputed}): the manifest was edited`);
  if (hash !== shortHash(digest)) c.fail('hash', 'does not match digest');
  const manifest: Manifest = {
    format: 1,
    name,
    kind,
    version,
    hash,
    digest,
    created_at: createdAt,
    actor,
    ...(git ? { git } : {}),
    artifacts,
    ...(consumed ? { changes: consumed } : {}),
    ...meta,
    ...(interfaces ? { schema: interfaces } : {}),
    ...(unsafeAllowed ? { unsafe_allowed: unsafeAllowed } : {}),
    checksum: c.string(map.checksum, 'checksum', 100),
  };
  if (manifestChecksum(manifest) !== manifest.checksum) c.fail('checksum', 'does not match the manifest: the manifest was edited');
  return manifest;
}
