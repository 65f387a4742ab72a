// The stat cache: a derived, disposable map from a source file's stat (device, inode, size, mtime
// and ctime in ns) to the sha256 of its bytes, so register can skip hashing a file that has not
// changed. It lives in .modelreg/cache/ (never committed), and is rebuilt when missing or unreadable.
// Only register's reading of *source* files may use it: blobs are always re-hashed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReplace } from './atomic.js';
import type { SourceStat } from './blobs.js';
import type { Layout } from './layout.js';

/**
 * An entry recorded less than this after the file's mtime is not trusted (git's "racily clean"
 * rule): a write in the same timestamp tick as the read that recorded it would leave the stat
 * unchanged. 2 s covers the coarsest timestamps in use (FAT); ns file systems lose little by it.
 */
export const RACY_NS = 2_000_000_000n;
/** Bounds the file (and its memory) whatever a store has seen; the oldest entries go first. */
export const MAX_ENTRIES = 50_000;
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const FORMAT = 1;
const HEX64 = /^[0-9a-f]{64}$/;
const DIGITS = /^[0-9]{1,30}$/;

interface Entry {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  sha256: string;
  recordedNs: bigint;
}

export interface StatCache {
  /** The sha256 recorded for exactly this stat, if the entry is trustworthy. */
  lookup(stat: SourceStat): string | undefined;
  /** Records the sha256 of the bytes read while the file had `stat` (unchanged before and after). */
  record(stat: SourceStat, sha256: string): void;
  /** Writes the cache if anything was recorded; a failure to write is ignored (it is only a cache). */
  save(): Promise<void>;
}

export function statCachePath(layout: Layout): string {
  return join(layout.cache, 'stat-cache.json');
}

const keyOf = (stat: SourceStat) => `${stat.dev}:${stat.ino}`;

/** Parses the cache file; anything unexpected throws, and the caller starts from an empty cache. */
function parse(text: string): Map<string, Entry> {
  const doc = JSON.parse(text) as { format?: unknown; entries?: unknown };
  if (doc?.format !== FORMAT || !Array.isArray(doc.entries)) throw new Error('not a stat cache');
  const map = new Map<string, Entry>();
  for (const row of doc.entries.slice(0, MAX_ENTRIES)) {
    if (!Array.isArray(row) || row.length !== 6) throw new Error('bad row');
    const [key, size, mtimeNs, ctimeNs, sha256, recordedNs] = [row[0], row[1], row[2], row[3], row[4], row[5]];
    if (typeof key !== 'string' || !/^[0-9]{1,30}:[0-9]{1,30}$/.test(key)) throw new Error('bad key');
    for (const n of [size, mtimeNs, ctimeNs, recordedNs]) if (typeof n !== 'string' || !DIGITS.test(n)) throw new Error('bad number');
    if (typeof sha256 !== 'string' || !HEX64.test(sha256)) throw new Error('bad sha256');
    map.set(key, { size: BigInt(size), mtimeNs: BigInt(mtimeNs), ctimeNs: BigInt(ctimeNs), sha256, recordedNs: BigInt(recordedNs) });
  }
  return map;
}

/** The cache (empty when disabled, missing or unreadable). `now` gives the wall clock in ns, for tests. */
export async function openStatCache(layout: Layout, options: { disabled?: boolean; now?: () => bigint } = {}): Promise<StatCache> {
  const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  let entries = new Map<string, Entry>();
  if (!options.disabled) {
    try {
      const text = await readFile(statCachePath(layout), 'utf8');
      if (text.length <= MAX_FILE_BYTES) entries = parse(text);
    } catch {
      entries = new Map(); // missing, unreadable or damaged: rebuilt from what this run hashes
    }
  }
  let dirty = false;
  return {
    lookup(stat) {
      if (options.disabled) return undefined;
      const e = entries.get(keyOf(stat));
      if (!e || e.size !== stat.size || e.mtimeNs !== stat.mtimeNs || e.ctimeNs !== stat.ctimeNs) return undefined;
      if (e.recordedNs - stat.mtimeNs < RACY_NS) return undefined; // racily clean: hash again
      return e.sha256;
    },
    record(stat, sha256) {
      entries.delete(keyOf(stat)); // re-inserted last: the map's order is the eviction order
      entries.set(keyOf(stat), { size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, sha256, recordedNs: now() });
      dirty = true;
    },
    async save() {
      if (!dirty) return;
      const rows = [...entries].slice(-MAX_ENTRIES).map(([key, e]) => [key, `${e.size}`, `${e.mtimeNs}`, `${e.ctimeNs}`, e.sha256, `${e.recordedNs}`]);
      const text = JSON.stringify({ format: FORMAT, entries: rows });
      await writeReplace(layout, statCachePath(layout), text, 0o644, false).catch(() => undefined);
      dirty = false;
    },
  };
}
