// Checking untrusted documents (manifests, --meta files, config, playbooks): each check names the file and
// the path of the offending key ("meta.yaml: training.duration_s: expected a number >= 0") and throws.
import { MregError, type ErrorCode } from '../../errors.js';
import type { Json, JsonMap, Scalar } from './types.js';

const MAX_DEPTH = 32;
const MAX_KEY_LENGTH = 200;

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
export function defineKey<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
