// `mreg verify --staged`, run by the pre-commit hook on every commit, so it looks only at what the
// commit changes inside the store: committed manifests are immutable, new ones must be valid and
// have their blobs, history files may only grow. It loads the YAML parser only when needed.
import { lstat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import valid from 'semver/functions/valid.js';
import { MregError } from '../../errors.js';
import { catFiles, git, repoTopLevel } from '../git.js';
import { blobPath, layoutOf } from '../../store/layout.js';
import type { Problem } from './problem.js';
import type { VerifyReport } from './verify.js';

interface StagedEntry {
  status: string;
  path: string; // relative to the repository top
}

function parseNameStatus(out: string): StagedEntry[] {
  const parts = out.split('\0').filter(Boolean);
  const entries: StagedEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) entries.push({ status: parts[i]!, path: parts[i + 1]! });
  return entries;
}

/** `env` is the environment git runs in: inside the hook, GIT_INDEX_FILE names the index being committed. */
export async function verifyStaged(storeRoot: string, cwd: string, env: NodeJS.ProcessEnv): Promise<VerifyReport> {
  const top = await repoTopLevel(cwd, env);
  const rel = relative(top, storeRoot).split(sep).join('/');
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const checked = { manifests: 0, blobs: 0, bytes: 0 };
  if (rel.startsWith('..')) return { ok: true, problems, warnings: [{ code: 'OUTSIDE_REPO', message: 'the store is not inside this repository; nothing to check' }], checked };
  const hasHead = await git(top, ['rev-parse', '--verify', '-q', 'HEAD'], env).then(
    () => true,
    () => false,
  );
  // Before the first commit everything staged is new.
  const entries = hasHead
    ? parseNameStatus(await git(top, ['diff', '--cached', '--name-status', '-z', '--no-renames', '--', rel || '.'], env))
    : (await git(top, ['ls-files', '-z', '--', rel || '.'], env)).split('\0').filter(Boolean).map((path) => ({ status: 'A', path }));

  const prefix = rel ? `${rel}/` : '';
  const manifestPattern = /^models\/([^/]+)\/([^/]+)\.yaml$/;
  const historyPattern = /^history\/([^/]+)\.jsonl$/;
  const wanted: string[] = [];
  const manifests: { path: string; model: string; version: string }[] = [];
  const histories: { path: string; model: string }[] = [];
  for (const { status, path } of entries) {
    if (!path.startsWith(prefix)) continue;
    const inner = path.slice(prefix.length);
    const m = manifestPattern.exec(inner);
    if (m && valid(m[2]!) === m[2]) {
      if (status === 'A') {
        manifests.push({ path, model: m[1]!, version: m[2]! });
        wanted.push(`:${path}`);
      } else {
        problems.push({ code: 'MANIFEST_IMMUTABLE', message: `${path}: ${status === 'D' ? 'deletes' : 'modifies'} a committed version manifest; versions are immutable (register a new version instead)` });
      }
      continue;
    }
    const h = historyPattern.exec(inner);
    if (h) {
      if (status === 'D') problems.push({ code: 'HISTORY_APPEND_ONLY', message: `${path}: deletes a model's history; history is append-only` });
      else if (status === 'M') {
        histories.push({ path, model: h[1]! });
        wanted.push(`:${path}`, `HEAD:${path}`);
      }
    }
  }

  const blobs = await catFiles(top, wanted, env);
  for (const { path } of histories) {
    const before = blobs.get(`HEAD:${path}`);
    const after = blobs.get(`:${path}`);
    if (before && after && !(after.length >= before.length && after.subarray(0, before.length).equals(before))) {
      problems.push({ code: 'HISTORY_APPEND_ONLY', message: `${path}: changes or removes recorded events; history is append-only (only new lines may be added at the end)` });
    }
  }
  if (manifests.length > 0) {
    const { parseYamlText } = await import('../documents.js');
    const { validateManifest } = await import('../manifest/validate.js');
    const layout = layoutOf(storeRoot);
    // Pulled manifests may precede their blobs when a remote holds them (they are fetched on demand).
    let remote: Promise<boolean> | undefined;
    const hasRemote = () =>
      (remote ??= import('../config/config.js').then(({ readConfig }) => readConfig(layout.config)).then(
        (config) => Object.keys(config.remotes ?? {}).length > 0,
        () => false,
      ));
    for (const { path, model, version } of manifests) {
      checked.manifests++;
      const content = blobs.get(`:${path}`);
      try {
        if (!content) throw new MregError('CORRUPT_MANIFEST', `${path}: not in the index`);
        const manifest = validateManifest(parseYamlText(content.toString('utf8'), path, 'CORRUPT_MANIFEST'), path, { name: model, version });
        for (const a of manifest.artifacts) {
          const st = await lstat(blobPath(layout, a.sha256)).catch(() => undefined);
          if (!st && (await hasRemote())) warnings.push({ code: 'BLOB_NOT_LOCAL', message: `${path}: ${a.path}: blob ${a.sha256} is not in the local store (a remote is configured)` });
          else if (!st?.isFile() || st.size !== a.size) {
            problems.push({ code: 'BLOB_MISSING', message: `${path}: ${a.path}: blob ${a.sha256} is ${st ? 'damaged' : 'missing'} in the store` });
          }
        }
      } catch (err) {
        if (!(err instanceof MregError)) throw err;
        problems.push({ code: 'MANIFEST_INVALID', message: err.message });
      }
    }
  }
  return { ok: problems.length === 0, problems, warnings, checked };
}
