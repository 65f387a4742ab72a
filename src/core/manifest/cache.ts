// A derived, disposable cache of validated manifests, one file per model under .modelreg/cache/
// (kept out of git). An entry is used only while the manifest file's size, mtime, ctime and inode
// are unchanged (a manifest is written once, by a rename, so its stat changes with its content);
// anything else is read and validated afresh. verify never uses it.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from './types.js';
import { writeReplace } from '../../store/atomic.js';
import { manifestPath, pulledManifestPath, type Layout } from '../../store/layout.js';
import { listVersions, readManifest } from './versions.js';

const CACHE_FORMAT = 1;

interface CacheFile {
  format: number;
  entries: Record<string, { key: string; manifest: Manifest }>;
}

function cachePath(layout: Layout, model: string): string {
  return join(layout.cache, 'manifests', `${model}.json`);
}

/** The key of the file that holds the version (tracked first, then pulled): a switch of file changes the key. */
async function fileKey(layout: Layout, model: string, version: string): Promise<string> {
  const tracked = await stat(manifestPath(layout, model, version), { bigint: true }).catch(() => undefined);
  const st = tracked ?? (await stat(pulledManifestPath(layout, model, version), { bigint: true }));
  return `${tracked ? 't' : 'p'}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
}

async function readCache(path: string): Promise<CacheFile['entries']> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as CacheFile;
    if (parsed?.format === CACHE_FORMAT && parsed.entries && typeof parsed.entries === 'object') return parsed.entries;
  } catch {
    // missing or damaged: rebuilt below
  }
  return Object.create(null) as CacheFile['entries'];
}

/** Every manifest of a model, lowest version first. */
export async function readModelManifests(layout: Layout, model: string): Promise<Manifest[]> {
  const versions = await listVersions(layout, model);
  const path = cachePath(layout, model);
  const cached = await readCache(path);
  const keys = await Promise.all(versions.map((v) => fileKey(layout, model, v)));
  let changed = Object.keys(cached).length !== versions.length;
  const fresh: CacheFile['entries'] = Object.create(null) as CacheFile['entries'];
  const manifests: Manifest[] = [];
  for (const [i, version] of versions.entries()) {
    const key = keys[i]!;
    const entry = cached[version];
    let manifest: Manifest;
    // Not re-hashed: on ls of a model with 1,000 versions that cost more than the rest of the listing.
    if (entry?.key === key && entry.manifest?.version === version) {
      manifest = entry.manifest;
    } else {
      manifest = await readManifest(layout, model, version);
      changed = true;
    }
    fresh[version] = { key, manifest };
    manifests.push(manifest);
  }
  if (changed) {
    // Best effort: a read-only store simply goes without a cache.
    await writeReplace(layout, path, JSON.stringify({ format: CACHE_FORMAT, entries: fresh } satisfies CacheFile), 0o644, false).catch(() => undefined);
  }
  return manifests;
}
