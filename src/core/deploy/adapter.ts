// The deploy adapter interface, exported by the package for plugins: types only. The built-in
// adapters and the loader that finds one by name are in adapters/index.ts.
import type { JsonMap } from '../manifest/types.js';

/** One version on its way to a target. */
export interface Release {
  model: string;
  version: string;
  /** the version hash (12 hex digits) */
  hash: string;
  target: string;
  /** the version's files as the manifest lists them */
  files: { path: string; sha256: string; size: number }[];
  /** A directory holding the version's files, every one re-hashed against the manifest. */
  artifacts(): Promise<string>;
  /**
   * Writes the version's files, re-hashed, into `dir` (created; must not exist yet). `link` says how
   * each file is made from the store's blob: copy (default), reflink, hardlink or symlink.
   */
  exportTo(dir: string, options?: { link?: 'copy' | 'reflink' | 'hardlink' | 'symlink' }): Promise<void>;
}

export interface AdapterContext {
  target: string;
  /** the target's `options:` from config.yaml */
  options: JsonMap;
  /** the directory that holds .modelreg (relative options resolve against it) */
  projectDir: string;
  env: NodeJS.ProcessEnv;
  /** aborted when the step times out: stop work and reject */
  signal: AbortSignal;
}

/** One version of a traffic split, with its files. */
export interface RoutedRelease {
  version: string;
  weight: number;
  release: Release;
}

export interface HealthReport {
  healthy: boolean;
  detail?: string;
}

export interface DeployAdapter {
  /** Makes `release` the live version of its model on the target. Must be safe to repeat. */
  deploy(release: Release, ctx: AdapterContext): Promise<void>;
  /** The version of `model` the target serves now, if it can tell. */
  live(model: string, ctx: AdapterContext): Promise<string | undefined>;
  /**
   * Serves a traffic split (optional: an adapter without it only records the split, for `mreg route get`).
   * Called after every change of the target's routing, with the release of each routed version.
   */
  route?(model: string, routes: RoutedRelease[], ctx: AdapterContext): Promise<void>;
  /** The adapter's own health check (optional; playbook health steps are the usual way). */
  health?(model: string, ctx: AdapterContext): Promise<HealthReport>;
}

/** What a plugin module exports (default or `adapter`): an adapter, or a function making one from the options. */
export type AdapterExport = DeployAdapter | ((options: JsonMap) => DeployAdapter | Promise<DeployAdapter>);
