// All-or-nothing writes inside the store (src/store/atomic.ts): create-only never replaces what is
// there, replace swaps the whole file, and neither leaves a temp file behind.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTemp, TEMP_SUFFIX, writeCreateOnly, writeReplace } from '../../src/store/atomic.js';
import { layoutOf, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';

function storeLayout(): Layout {
  const layout = layoutOf(join(tempDir('mreg-atomic-'), '.modelreg'));
  mkdirSync(layout.tmp, { recursive: true });
  return layout;
}

describe('writeCreateOnly', () => {
  it('creates a file (and its directory) once, read-only by default; a second write changes nothing', async () => {
    const layout = storeLayout();
    const dest = join(layout.models, 'm', '1.0.0.yaml');
    expect(await writeCreateOnly(layout, dest, 'first')).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('first');
    expect(statSync(dest).mode & 0o777).toBe(0o444);
    expect(await writeCreateOnly(layout, dest, 'second')).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe('first');
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('concurrent writers to one name: exactly one creates it, with its whole content', async () => {
    const layout = storeLayout();
    const dest = join(layout.root, 'once.txt');
    const texts = Array.from({ length: 8 }, (_, i) => `writer ${i} `.repeat(1000));
    const created = await Promise.all(texts.map((t) => writeCreateOnly(layout, dest, t)));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(readFileSync(dest, 'utf8')).toBe(texts[created.indexOf(true)]);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });
});

describe('writeReplace', () => {
  it('replaces the whole file with the given mode, durable or not, leaving no temp file', async () => {
    const layout = storeLayout();
    const dest = join(layout.root, 'config.yaml');
    writeFileSync(join(layout.root, 'config.yaml'), 'old content that is longer');
    await writeReplace(layout, dest, 'new');
    expect(readFileSync(dest, 'utf8')).toBe('new');
    expect(statSync(dest).mode & 0o777).toBe(0o644);
    await writeReplace(layout, join(layout.cache, 'x.json'), '{}', 0o600, false);
    expect(readFileSync(join(layout.cache, 'x.json'), 'utf8')).toBe('{}');
    expect(statSync(join(layout.cache, 'x.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });
});

describe('openTemp', () => {
  it('opens a new temp file in tmp/ named for this process, creating tmp/ when it is missing', async () => {
    const layout = layoutOf(join(tempDir('mreg-atomic-'), '.modelreg'));
    const a = await openTemp(layout);
    const b = await openTemp(layout);
    await a.handle.close();
    await b.handle.close();
    expect(a.path).not.toBe(b.path);
    for (const { path } of [a, b]) {
      expect(path.startsWith(join(layout.tmp, `${process.pid}-`))).toBe(true);
      expect(path.endsWith(TEMP_SUFFIX)).toBe(true);
    }
    expect(readdirSync(layout.tmp)).toHaveLength(2);
  });
});
