// What `mreg scan` looks at: files and directories on disk, or the artifacts of registered
// versions (their blobs, named by their artifact paths so the right reader is chosen).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MregError } from '../errors.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { blobPath } from '../store/layout.js';
import type { Store } from '../core/store.js';
import { readManifest } from '../core/manifest/versions.js';
import { scanFile, type FileScan } from '../core/scan/scan.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Scans each path (a file, or every file under a directory) or, if no such path exists, each version reference. */
export async function scanTargets(targets: string[], cwd: string, openStore: () => Promise<Store>): Promise<FileScan[]> {
  const results: FileScan[] = [];
  let store: Store | undefined;
  for (const target of targets) {
    const st = await stat(join(cwd, target)).catch(() => undefined);
    if (st?.isDirectory()) for (const file of await filesUnder(join(cwd, target))) results.push(await scanFile(file, file.slice(cwd.length + 1)));
    else if (st) results.push(await scanFile(join(cwd, target), target));
    else {
      store ??= await openStore();
      const { model, version } = await resolveRef(store, target).catch((err: unknown) => {
        if (err instanceof MregError && ['NOT_FOUND', 'INVALID_NAME', 'INVALID_VERSION'].includes(err.code)) {
          throw new MregError('INVALID_INPUT', `${target}: no such file or directory, nor a registered version (${err.message})`);
        }
        throw err;
      });
      const manifest = await readManifest(store.layout, model, version);
      for (const a of manifest.artifacts) results.push(await scanFile(blobPath(store.layout, a.sha256), `${model}@${version}:${a.path}`));
    }
  }
  return results;
}
