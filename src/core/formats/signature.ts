// Validates a `signature:` block declared in an untrusted meta file (YAML or JSON) and turns it into a
// ModelInterface. Every error names the path of the bad value, e.g. "signature.inputs[1].shape".

import { MregError } from '../../errors.js';
import { UNKNOWN_DIM, type Dim, type InputTensor, type ModelInterface, type Tensor } from './types.js';

const MAX_TENSORS = 10_000;
const MAX_RANK = 64;
const MAX_NAME_LENGTH = 256;
const MAX_DTYPE_LENGTH = 64;

/** Spellings people use for the same types as the ONNX reader's names, so a declared signature compares cleanly. */
const DTYPE_ALIASES: Readonly<Record<string, string>> = {
  float: 'float32', double: 'float64', half: 'float16',
  fp32: 'float32', fp16: 'float16', fp64: 'float64', bf16: 'bfloat16',
};

const INPUT_KEYS = new Set(['name', 'dtype', 'shape', 'optional', 'default']);
const OUTPUT_KEYS = new Set(['name', 'dtype', 'shape']);

/** `value` is the parsed `signature` value; `path` is how errors refer to it. */
export function parseSignature(value: unknown, path = 'signature'): ModelInterface {
  const sig = object(value, path);
  knownKeys(sig, new Set(['inputs', 'outputs']), path);
  const inputs = list(sig.inputs, `${path}.inputs`).map((v, i) => input(v, `${path}.inputs[${i}]`));
  const outputs = list(sig.outputs, `${path}.outputs`).map((v, i) => tensor(v, `${path}.outputs[${i}]`, OUTPUT_KEYS));
  noDuplicates(inputs, `${path}.inputs`);
  noDuplicates(outputs, `${path}.outputs`);
  return { format: 'signature', inputs, outputs };
}

function input(value: unknown, path: string): InputTensor {
  const t = tensor(value, path, INPUT_KEYS);
  const raw = value as Record<string, unknown>;
  const hasDefault = Object.hasOwn(raw, 'default');
  if (raw.optional !== undefined && typeof raw.optional !== 'boolean') fail(`${path}.optional`, 'expected true or false');
  if (raw.optional === false && hasDefault) fail(path, 'has a default but says optional: false');
  return raw.optional === true || hasDefault ? { ...t, optional: true } : t;
}

function tensor(value: unknown, path: string, allowed: Set<string>): Tensor {
  const raw = object(value, path);
  knownKeys(raw, allowed, path);
  return { name: name(raw.name, `${path}.name`), dtype: dtype(raw.dtype, `${path}.dtype`), shape: shape(raw.shape, `${path}.shape`) };
}

function name(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(path, 'expected a non-empty name');
  if (value.length > MAX_NAME_LENGTH) fail(path, `longer than ${MAX_NAME_LENGTH} characters`);
  // Control characters would garble every message and table that shows the name.
  if (/\p{Cc}/u.test(value)) fail(path, 'contains control characters');
  return value;
}

function dtype(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(path, 'expected a type name such as float32');
  const normal = value.trim().toLowerCase();
  if (normal.length > MAX_DTYPE_LENGTH || !/^[a-z0-9_(),.]+$/.test(normal)) {
    fail(path, `${describe(value)} is not a type name such as float32`);
  }
  return DTYPE_ALIASES[normal] ?? normal;
}

function shape(value: unknown, path: string): Dim[] {
  const expected = 'expected a list of integers or names';
  if (!Array.isArray(value)) fail(path, expected);
  if (value.length > MAX_RANK) fail(path, `more than ${MAX_RANK} dimensions`);
  return value.map((d: unknown, i) => {
    if (typeof d === 'number') {
      if (d === -1) return UNKNOWN_DIM; // the common "variable" marker in exported signatures
      if (!Number.isSafeInteger(d) || d < 0) fail(path, `${expected}: item ${i} is ${d} (use a name, or -1 for a variable dimension)`);
      return d;
    }
    if (typeof d === 'string' && d.trim() !== '' && d.length <= MAX_NAME_LENGTH && !/\p{Cc}/u.test(d)) return d.trim();
    return fail(path, `${expected}: item ${i} is ${describe(d)}`);
  });
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined) fail(path, 'required (use [] for none)');
  if (!Array.isArray(value)) fail(path, 'expected a list');
  if (value.length > MAX_TENSORS) fail(path, `more than ${MAX_TENSORS} entries`);
  return value;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected a mapping');
  return value as Record<string, unknown>;
}

function knownKeys(value: Record<string, unknown>, allowed: Set<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) fail(`${path}.${describe(key)}`, `unknown key (expected one of ${[...allowed].join(', ')})`);
  }
}

function noDuplicates(tensors: Tensor[], path: string): void {
  const seen = new Map<string, number>();
  tensors.forEach((t, i) => {
    const first = seen.get(t.name);
    if (first !== undefined) fail(`${path}[${i}].name`, `'${t.name}' is already used by ${path}[${first}]`);
    seen.set(t.name, i);
  });
}

/** A short, printable rendering of a bad value: user input can be long or hold control characters. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (typeof value !== 'string') return short.replace(/\p{Cc}/gu, '?');
  // Quoted unless it is a plain word, so blanks and odd characters are visible.
  return /^[\w.-]+$/.test(short) ? short : JSON.stringify(short);
}

function fail(path: string, detail: string): never {
  throw new MregError('INVALID_INPUT', `${path}: ${detail}`, { data: { path } });
}
