// The stat cache (src/store/stat-cache.ts): a hit only for exactly the recorded stat, never for an
// entry recorded within the racy window of the file's mtime, and a damaged file is an empty cache.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceStat } from '../../src/store/blobs.js';
import { layoutOf } from '../../src/store/layout.js';
import { MAX_ENTRIES, openStatCache, RACY_NS, statCachePath } from '../../src/store/stat-cache.js';
import { tempDir } from '../helpers/cli.js';

const SHA = 'ab'.repeat(32);
const SECOND = 1_000_000_000n;
const stat = (over: Partial<SourceStat> = {}): SourceStat => ({ dev: 1n, ino: 42n, size: 100n, mtimeNs: 1000n * SECOND, ctimeNs: 1000n * SECOND, ...over });

function layout() {
  const l = layoutOf(join(tempDir('mreg-statcache-'), '.modelreg'));
  mkdirSync(l.cache, { recursive: true });
  return l;
}

describe('stat cache', () => {
  it('answers for exactly the recorded stat, after a save and a reopen', async () => {
    const l = layout();
    const clock = { now: 1000n * SECOND + RACY_NS + 1n };
    const cache = await openStatCache(l, { now: () => clock.now });
    cache.record(stat(), SHA);
    await cache.save();
    const again = await openStatCache(l);
    expect(again.lookup(stat())).toBe(SHA);
    for (const changed of [{ dev: 2n }, { ino: 43n }, { size: 101n }, { mtimeNs: 1000n * SECOND + 1n }, { ctimeNs: 1001n * SECOND }]) {
      expect(again.lookup(stat(changed))).toBeUndefined();
    }
  });

  it('does not trust an entry recorded within the racy window of the mtime (racily clean)', async () => {
    const l = layout();
    const racy = await openStatCache(l, { now: () => 1000n * SECOND + RACY_NS - 1n });
    racy.record(stat(), SHA);
    expect(racy.lookup(stat())).toBeUndefined();
    const clean = await openStatCache(l, { now: () => 1000n * SECOND + RACY_NS });
    clean.record(stat(), SHA);
    expect(clean.lookup(stat())).toBe(SHA);
  });

  it('is empty when its file is damaged or disabled, and rewrites a sound file', async () => {
    const l = layout();
    for (const junk of ['not json', '{"format":1,"entries":[["1:42","100","x","1","zz","1"]]}', '{"format":2,"entries":[]}', '[]']) {
      writeFileSync(statCachePath(l), junk);
      const cache = await openStatCache(l, { now: () => 2000n * SECOND });
      expect(cache.lookup(stat())).toBeUndefined();
      cache.record(stat(), SHA);
      await cache.save();
      expect((await openStatCache(l)).lookup(stat())).toBe(SHA);
    }
    const disabled = await openStatCache(l, { disabled: true });
    expect(disabled.lookup(stat())).toBeUndefined();
  });

  it('keeps at most MAX_ENTRIES entries, dropping the oldest recorded', async () => {
    const l = layout();
    const cache = await openStatCache(l, { now: () => 2000n * SECOND });
    for (let i = 0; i < MAX_ENTRIES + 10; i++) cache.record(stat({ ino: BigInt(i) }), SHA);
    await cache.save();
    const doc = JSON.parse(readFileSync(statCachePath(l), 'utf8')) as { entries: unknown[] };
    expect(doc.entries.length).toBe(MAX_ENTRIES);
    const again = await openStatCache(l);
    expect(again.lookup(stat({ ino: 0n }))).toBeUndefined();
    expect(again.lookup(stat({ ino: BigInt(MAX_ENTRIES + 9) }))).toBe(SHA);
  });
});
