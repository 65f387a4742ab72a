// The deploy adapter interface (exported by the package for plugins) and the loader that finds an
// adapter by name: a built-in (local, command, kubernetes), a module path, or an npm package.
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MregError } from '../../errors.js';
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
  /** Writes the version's files, re-hashed, into `dir` (created; must not exist yet). */
  exportTo(dir: string): Promise<void>;
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

export interface HealthReport {
  healthy: boolean;
  detail?: string;
}

export interface DeployAdapter {
  /** Makes `release` the live version of its model on the target. Must be safe to repeat. */
  deploy(release: Release, ctx: AdapterContext): Promise<void>;
  /** The version of `model` the target serves now, if it can tell. */
  live(model: string, ctx: AdapterContext): Promise<string | undefined>;
  /** The adapter's own health check (optional; playbook health steps are the usual way). */
  health?(model: string, ctx: AdapterContext): Promise<HealthReport>;
}

/** What a plugin module exports (default or `adapter`): an adapter, or a function making one from the options. */
export type AdapterExport = DeployAdapter | ((options: JsonMap) => DeployAdapter | Promise<DeployAdapter>);

const BUILT_IN: Record<string, () => Promise<{ createAdapter: (options: JsonMap) => DeployAdapter }>> = {
  local: () => import('./adapters/local.js'),
  command: () => import('./adapters/command.js'),
  kubernetes: () => import('./adapters/kubernetes.js'),
};

function checkAdapter(value: unknown, name: string): DeployAdapter {
  const a = value as Partial<DeployAdapter> | null;
  if (a === null || typeof a !== 'object') throw new MregError('INVALID_INPUT', `adapter ${name}: does not export an adapter object (or a function returning one)`);
  for (const method of ['deploy', 'live'] as const) {
    if (typeof a[method] !== 'function') throw new MregError('INVALID_INPUT', `adapter ${name}: missing method ${method}() (see the DeployAdapter type)`);
  }
  if (a.health !== undefined && typeof a.health !== 'function') throw new MregError('INVALID_INPUT', `adapter ${name}: health is not a function`);
  return a as DeployAdapter;
}

export async function loadAdapter(name: string, options: JsonMap, projectDir: string): Promise<DeployAdapter> {
  const builtIn = BUILT_IN[name];
  if (builtIn) return checkAdapter((await builtIn()).createAdapter(options), name);
  let url: string;
  if (name.startsWith('.') || isAbsolute(name)) {
    url = pathToFileURL(isAbsolute(name) ? name : resolve(projectDir, name)).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(projectDir, 'package.json')).resolve(name)).href;
    } catch {
      throw new MregError('INVALID_INPUT', `adapter ${name}: not a built-in adapter (local, command, kubernetes) and no such package is installed in ${projectDir}`);
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new MregError('INVALID_INPUT', `adapter ${name}: cannot load it: ${(err as Error).message.split('\n')[0]}`);
  }
  const exported = (mod.default ?? mod.adapter) as AdapterExport | undefined;
  const adapter = typeof exported === 'function' ? await exported(options) : exported;
  return checkAdapter(adapter, name);
}
