// How the value of each manifest field is checked (the fields themselves are listed in shape.ts): the
// structured ones, artifacts, git state, consumed changes, interfaces, declared metadata sections.
import valid from 'semver/functions/valid.js';
import { MregError } from '../../errors.js';
import { parseSignature } from '../formats/signature.js';
import { INTERFACE_FORMAT_NAMES } from '../formats/registry.js';
import type { Dim, InputTensor, InterfaceFormat, ModelInterface, Tensor } from '../formats/types.js';
import { nameProblem } from '../names.js';
import { defineKey, type Checker } from './checker.js';
import { isChangeType } from '../change-type.js';
import { CHANGE_ID_PATTERN, KINDS, MAX_SUMMARY_LENGTH, type Kind } from './types.js';
import type { Artifact, ConsumedChange, DeclaredSignature, GitState, JsonMap, ScanVerdict, UnsafeAllowed } from './types.js';

const HEX64 = /^[0-9a-f]{64}$/;

export function formatNumber(c: Checker, value: unknown): 1 {
  if (value !== 1) c.fail('format', 'expected 1 (written by a newer mreg?)');
  return 1;
}

export function modelName(c: Checker, value: unknown): string {
  const name = c.string(value, 'name', 200);
  if (nameProblem(name)) c.fail('name', `invalid model name: it ${nameProblem(name)}`);
  return name;
}

export function kind(c: Checker, value: unknown): Kind {
  if (!KINDS.includes(value as Kind)) c.fail('kind', `expected one of: ${KINDS.join(', ')}`);
  return value as Kind;
}

export function version(c: Checker, value: unknown): string {
  const text = c.string(value, 'version', 256);
  if (valid(text) !== text) c.fail('version', 'not a valid semantic version');
  return text;
}

export function digest(c: Checker, value: unknown): string {
  const text = c.string(value, 'digest', 100);
  if (!/^sha256:[0-9a-f]{64}$/.test(text)) c.fail('digest', 'expected sha256:<64 hex digits>');
  return text;
}

export function time(c: Checker, value: unknown, path: string): string {
  const text = c.string(value, path, 100);
  if (Number.isNaN(Date.parse(text))) c.fail(path, 'expected an ISO 8601 time');
  return text;
}

export function git(c: Checker, value: unknown): GitState {
  const g = c.map(value, 'git');
  c.keys(g, 'git', ['commit', 'dirty', 'branch']);
  const dirty = g.dirty;
  if (typeof dirty !== 'boolean') c.fail('git.dirty', 'expected true or false');
  const state: GitState = { commit: c.string(g.commit, 'git.commit', 100), dirty };
  return g.branch === undefined ? state : { ...state, branch: c.string(g.branch, 'git.branch', 1000) };
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

/** A path as a case-insensitive or normalising file system (macOS, Windows) sees it. */
function foldedPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/**
 * Why a version's artifact paths cannot all exist as files in one directory tree, or undefined when they can:
 * a file that is also a directory of another path (`a` and `a/b`), or two paths that differ only in case or
 * Unicode normalisation (`A.bin` and `a.bin`, NFC and NFD `é`), which one file system stores as one file.
 */
export function artifactPathsConflict(paths: readonly string[]): string | undefined {
  const byFolded = new Map<string, string>();
  for (const path of paths) {
    const key = foldedPath(path);
    const other = byFolded.get(key);
    if (other !== undefined && other !== path) {
      return `${JSON.stringify(other)} and ${JSON.stringify(path)} differ only in case or Unicode normalisation, and would be one file on macOS and Windows`;
    }
    byFolded.set(key, path);
  }
  for (const path of paths) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const file = byFolded.get(foldedPath(segments.slice(0, i).join('/')));
      if (file !== undefined) return `${JSON.stringify(file)} is a file, and ${JSON.stringify(path)} needs it to be a directory`;
    }
  }
  return undefined;
}

export function artifacts(c: Checker, value: unknown): Artifact[] {
  if (!Array.isArray(value) || value.length === 0) c.fail('artifacts', 'expected a non-empty list');
  const list: Artifact[] = value.map((a, i) => {
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
  for (const a of list) {
    if (seen.has(a.path)) c.fail('artifacts', `path ${JSON.stringify(a.path)} appears twice`);
    seen.add(a.path);
  }
  const conflict = artifactPathsConflict(list.map((a) => a.path));
  if (conflict !== undefined) c.fail('artifacts', `paths that cannot coexist: ${conflict}`);
  return list;
}

const MAX_CHANGES = 10_000;

export function changes(c: Checker, value: unknown): ConsumedChange[] {
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

const DATA_KEYS = ['name', 'version', 'hash', 'uri', 'description'] as const;
const TRAINING_KEYS = ['duration_s', 'started_at', 'finished_at', 'compute', 'cost'] as const;

/** The descriptive `data:` and `pipeline:` sections. */
export function reference(c: Checker, value: unknown, path: string): JsonMap {
  const map = c.map(value, path);
  c.keys(map, path, DATA_KEYS);
  const out: JsonMap = {};
  for (const key of DATA_KEYS) if (map[key] !== undefined) out[key] = c.string(map[key], `${path}.${key}`);
  return out;
}

export function training(c: Checker, value: unknown, path: string): JsonMap {
  const map = c.map(value, path);
  c.keys(map, path, TRAINING_KEYS);
  const out: JsonMap = {};
  if (map.duration_s !== undefined) out.duration_s = c.number(map.duration_s, `${path}.duration_s`, 0);
  for (const key of ['started_at', 'finished_at'] as const) if (map[key] !== undefined) out[key] = c.string(map[key], `${path}.${key}`, 100);
  for (const key of ['compute', 'cost'] as const) if (map[key] !== undefined) out[key] = c.jsonMap(map[key], `${path}.${key}`);
  return out;
}

export function signature(c: Checker, value: unknown): DeclaredSignature {
  try {
    const { inputs, outputs } = parseSignature(value, 'signature');
    return { inputs, outputs };
  } catch (err) {
    if (err instanceof MregError) c.fail('', err.message);
    throw err;
  }
}

// The model formats whose interface mreg reads from headers: the only ones a stored `schema` can name.
const INTERFACE_FORMATS: readonly InterfaceFormat[] = INTERFACE_FORMAT_NAMES;

function interfaceFormat(c: Checker, value: unknown, path: string): InterfaceFormat {
  if (!INTERFACE_FORMATS.includes(value as InterfaceFormat)) c.fail(path, `expected one of: ${INTERFACE_FORMATS.join(', ')}`);
  return value as InterfaceFormat;
}

const MAX_TENSOR_NAME = 4096;
const MAX_RANK = 256;

/**
 * The `schema` of a stored manifest: for each model file (an artifact path of this version), the interface read
 * from its header. Checked for shape only; its content was derived from the artifacts when they were stored.
 */
export function schema(c: Checker, value: unknown, artifacts: readonly Artifact[]): Record<string, ModelInterface> {
  const paths = new Set(artifacts.map((a) => a.path));
  const out: Record<string, ModelInterface> = {};
  for (const [path, raw] of Object.entries(c.map(value, 'schema'))) {
    const where = `schema.${path}`;
    if (!paths.has(path)) c.fail(where, 'is not an artifact of this version');
    const m = c.map(raw, where);
    c.keys(m, where, ['format', 'inputs', 'outputs', 'weights', 'metadata']);
    const iface: ModelInterface = {
      format: interfaceFormat(c, m.format, `${where}.format`),
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

export function unsafeAllowed(c: Checker, value: unknown): UnsafeAllowed[] {
  if (!Array.isArray(value)) c.fail('unsafe_allowed', 'expected a list');
  return value.map((item, i) => {
    const path = `unsafe_allowed[${i}]`;
    const m = c.map(item, path);
    c.keys(m, path, ['path', 'globals']);
    if (!Array.isArray(m.globals)) c.fail(`${path}.globals`, 'expected a list');
    return { path: c.string(m.path, `${path}.path`, 4096), globals: m.globals.map((g, j) => c.string(g, `${path}.globals[${j}]`, 1000)) };
  });
}

/** `scan: {path: warning|unsafe}`: the scanner's verdict on artifacts of this version it did not find safe. */
export function scanVerdicts(c: Checker, value: unknown, artifacts: readonly Artifact[]): Record<string, ScanVerdict> {
  const paths = new Set(artifacts.map((a) => a.path));
  const out: Record<string, ScanVerdict> = {};
  for (const [path, raw] of Object.entries(c.map(value, 'scan'))) {
    if (!paths.has(path)) c.fail(`scan.${path}`, 'is not an artifact of this version');
    if (raw !== 'warning' && raw !== 'unsafe') c.fail(`scan.${path}`, "expected 'warning' or 'unsafe'");
    defineKey(out, path, raw as ScanVerdict);
  }
  return out;
}
