// What `mreg scan` looks at: files and directories on disk, or the artifacts of registered
// versions (their blobs, named by their artifact paths so the right reader is chosen).
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { MregError, quoteInput } from '../errors.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { blobPath } from '../store/layout.js';
import { openStore, type Store } from '../core/store.js';
import { readManifest } from '../core/manifest/versions.js';
import { scanFile, type FileScan } from '../core/scan/scan.js';
import type { Where } from './where.js';

export type { FileScan, ScanFinding, ScanStatus, Severity } from '../core/scan/scan.js';

export interface ScanOptions extends Where {
  /** paths (a file, or every file under a directory; absolute, or relative to cwd) or, where no such path exists, version references */
  targets: readonly string[];
}

export interface ScanResult {
  /** no file is unsafe */
  ok: boolean;
  files: FileScan[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Scans each target without running anything; the store is opened only if a target is a version. */
export async function scan(opts: ScanOptions): Promise<ScanResult> {
  if (opts.targets.length === 0) throw new MregError('USAGE', 'targets: give at least one path or version');
  const cwd = resolve(opts.cwd);
  const files: FileScan[] = [];
  let store: Store | undefined;
  for (const target of opts.targets) {
    // Absolute paths are taken as they are; relative ones from cwd. Files are named as the target spells them.
    const full = resolve(cwd, target);
    const st = await stat(full).catch(() => undefined);
    if (st?.isDirectory()) for (const file of await filesUnder(full)) files.push(await scanFile(file, join(target, relative(full, file))));
    else if (st) files.push(await scanFile(full, target));
    else {
      store ??= await openStore({ store: opts.store, cwd: opts.cwd });
      const { model, version } = await resolveRef(store, target).catch((err: unknown) => {
        if (err instanceof MregError && ['NOT_FOUND', 'INVALID_NAME', 'INVALID_VERSION'].includes(err.code)) {
          throw new MregError('INVALID_INPUT', `${quoteInput(target)}: no such file or directory, nor a registered version (${err.message})`);
        }
        throw err;
      });
      const manifest = await readManifest(store.layout, model, version);
      for (const a of manifest.artifacts) files.push(await scanFile(blobPath(store.layout, a.sha256), `${model}@${version}:${a.path}`));
    }
  }
  return { ok: files.every((f) => f.status !== 'unsafe'), files };
}
