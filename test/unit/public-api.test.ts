// The public API is the use-case layer, and docs/api.md shows every operation it exports.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
const operations = Object.entries(api).filter(([, value]) => typeof value === 'function' && !/^[A-Z]/.test(value.name));

describe('public API', () => {
  it('exports the operations (not the domain modules) and the error type', () => {
    expect(operations.length).toBeGreaterThan(35);
    expect(api.MregError).toBeTypeOf('function');
    expect(Object.keys(api)).not.toContain('openStore');
  });

  it.each(operations.map(([name]) => name))('docs/api.md has an example of %s', (name) => {
    expect(doc).toMatch(new RegExp(`\\b${name}\\(`));
  });
});
