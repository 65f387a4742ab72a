// Declared metadata from the command line: `k=v` assignments (numbers and booleans keep their
// type) merged over a --meta file; a flag wins over the file for the same key.
import { MregError } from '../../errors.js';
import type { Json, Metadata, Scalar } from './types.js';

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

export function typedValue(text: string): Scalar {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) {
    const n = Number(text);
    // Keep the text when the number would not survive a round trip (huge integers, 1e999).
    if (Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n))) return n;
  }
  return text;
}

export function parseAssignments(items: string[], flag: string): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? '' : item.slice(0, eq);
    if (eq <= 0 || key.trim() !== key || key.length > 200 || /[\u0000-\u001f]/.test(key)) {
      throw new MregError('USAGE', `${flag} ${JSON.stringify(item)}: expected key=value`);
    }
    if (Object.hasOwn(out, key)) throw new MregError('USAGE', `${flag} ${key} is given twice`);
    Object.defineProperty(out, key, { value: typedValue(item.slice(eq + 1)), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export interface FlagMetadata {
  params?: Record<string, Scalar>;
  metrics?: Record<string, Scalar>;
  tags?: Record<string, Scalar>;
  message?: string;
}

export function mergeMetadata(file: Metadata, flags: FlagMetadata): Metadata {
  const merged: Metadata = {
    ...file,
    params: { ...file.params, ...(flags.params as Record<string, Json>) },
    metrics: { ...file.metrics, ...(flags.metrics as Record<string, Json>) },
    tags: { ...file.tags, ...flags.tags },
  };
  if (flags.message !== undefined) merged.message = flags.message;
  return merged;
}
