// Where everything lives inside a .modelreg store. Every path is built here from validated names,
// so user input never forms a path on its own.
import { join } from 'node:path';

export const STORE_DIRNAME = '.modelreg';
export const STORE_FORMAT = 1;

export interface Layout {
  root: string; // the .modelreg directory itself
  config: string;
  gitignore: string;
  objects: string;
  models: string;
  tmp: string;
  locks: string;
  cache: string;
  changes: string; // pending change files (committed to git, consumed by register)
  history: string;
  gitattributes: string;
  /**
   * What `mreg pull` learned from remotes (manifests, history events): kept out of git (the area
   * ignores itself), read after the tracked models/ and history/, so pull never writes a file git
   * would later check out. Git's remote-tracking refs beside local branches, for a registry.
   */
  pulled: string;
}

export function layoutOf(root: string): Layout {
  return {
    root,
    config: join(root, 'config.yaml'),
    gitignore: join(root, '.gitignore'),
    objects: join(root, 'objects'),
    models: join(root, 'models'),
    tmp: join(root, 'tmp'),
    locks: join(root, 'locks'),
    cache: join(root, 'cache'),
    changes: join(root, 'changes'),
    history: join(root, 'history'),
    gitattributes: join(root, '.gitattributes'),
    pulled: join(root, 'pulled'),
  };
}

/** Blobs fan out on the first two hex digits so no directory grows past a few thousand entries. */
export function blobPath(layout: Layout, sha256: string): string {
  return join(layout.objects, sha256.slice(0, 2), sha256);
}

export function modelDir(layout: Layout, model: string): string {
  return join(layout.models, model);
}

export function manifestPath(layout: Layout, model: string, version: string): string {
  return join(layout.models, model, `${version}.yaml`);
}

export function historyPath(layout: Layout, model: string): string {
  return join(layout.history, `${model}.jsonl`);
}

/** `id` must have passed the change-id check in versioning/changes.ts. */
export function changePath(layout: Layout, id: string): string {
  return join(layout.changes, `${id}.md`);
}

export function pulledModelsDir(layout: Layout): string {
  return join(layout.pulled, 'models');
}

export function pulledManifestPath(layout: Layout, model: string, version: string): string {
  return join(layout.pulled, 'models', model, `${version}.yaml`);
}

export function pulledHistoryDir(layout: Layout): string {
  return join(layout.pulled, 'history');
}

export function pulledHistoryPath(layout: Layout, model: string): string {
  return join(layout.pulled, 'history', `${model}.jsonl`);
}

/** A version's signatures: one file per signing key, named by the key's fingerprint. */
export function signatureDir(layout: Layout, model: string, version: string): string {
  return join(layout.root, 'signatures', model, version);
}

/** Signatures a pull brought, beside the pulled manifests (git may later bring the same files). */
export function pulledSignatureDir(layout: Layout, model: string, version: string): string {
  return join(layout.pulled, 'signatures', model, version);
}

/** The pulled area's own .gitignore: it ignores itself, so stores made before it existed need no edit. */
export const PULLED_GITIGNORE = `# Written by mreg pull: what the remotes hold, derived and never committed.
*
`;

export function lockPath(layout: Layout, name: string): string {
  return join(layout.locks, `${name}.lock`);
}

/** Blobs, temp files, locks and caches stay out of git; manifests (small YAML) are meant to be committed. */
export const STORE_GITIGNORE = `# Written by mreg: blobs and scratch files stay out of git; commit the YAML.
/objects/
/tmp/
/locks/
/cache/
/pulled/
`;

/**
 * History files only ever grow by whole lines, so git's union merge keeps both sides' events when
 * two branches promote in parallel; mreg verify then reports any stage conflict that results.
 */
export const STORE_GITATTRIBUTES = `# Written by mreg: history is append-only; merging keeps every event from both sides.
/history/*.jsonl merge=union
`;
