// Finding and creating a store. Like git finds .git, commands walk up from the working directory
// unless --store / MREG_STORE names the store directory.
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Config } from './config/config.js';
import { MregError } from '../errors.js';
import { writeReplace } from '../store/atomic.js';
import { layoutOf, STORE_DIRNAME, STORE_GITATTRIBUTES, STORE_GITIGNORE, type Layout } from '../store/layout.js';

export interface Store {
  layout: Layout;
  config: Config;
}

export interface LocateOptions {
  /** --store or MREG_STORE: the store directory itself (or a directory holding .modelreg) */
  store?: string | undefined;
  cwd: string;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

export async function locateStoreRoot(options: LocateOptions): Promise<string | undefined> {
  if (options.store) {
    const given = resolve(options.cwd, options.store);
    const nested = join(given, STORE_DIRNAME);
    if (!(await exists(join(given, 'config.yaml'))) && (await isDir(nested))) return nested;
    return given;
  }
  for (let dir = resolve(options.cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, STORE_DIRNAME);
    if (await isDir(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function findLayout(options: LocateOptions): Promise<Layout> {
  const root = await locateStoreRoot(options);
  if (!root || !(await isDir(root))) {
    throw new MregError('NO_STORE', options.store ? `no .modelreg store at ${resolve(options.cwd, options.store)} (run mreg init)` : 'no .modelreg store found (run mreg init)');
  }
  return layoutOf(root);
}

/** A store whose config is read on first use, for read paths that seldom need it (the YAML parser costs start-up time). */
export interface LazyStore {
  layout: Layout;
  config(): Promise<Config>;
}

export async function openLazyStore(options: LocateOptions): Promise<LazyStore> {
  const layout = await findLayout(options);
  let config: Promise<Config> | undefined;
  return { layout, config: () => (config ??= import('./config/config.js').then(({ readConfig }) => readConfig(layout.config))) };
}

export async function openStore(options: LocateOptions): Promise<Store> {
  const layout = await findLayout(options);
  // Loaded here rather than at the top: finding a store (the pre-commit hook) needs no YAML parser.
  const { readConfig } = await import('./config/config.js');
  const config = await readConfig(layout.config);
  return { layout, config };
}

export interface InitResult {
  root: string;
  created: boolean;
}

/** Creates a store, or leaves an existing one exactly as it is. */
export async function initStore(options: LocateOptions): Promise<InitResult> {
  const root = options.store ? resolve(options.cwd, options.store) : join(resolve(options.cwd), STORE_DIRNAME);
  const layout = layoutOf(root);
  const { readConfig, DEFAULT_CONFIG_YAML } = await import('./config/config.js');
  if (await exists(layout.config)) {
    await readConfig(layout.config); // an existing store must be a readable one
    return { root, created: false };
  }
  await mkdir(root, { recursive: true });
  for (const dir of [layout.objects, layout.models, layout.history, layout.tmp]) await mkdir(dir, { recursive: true });
  if (!(await exists(layout.gitignore))) await writeFile(layout.gitignore, STORE_GITIGNORE);
  if (!(await exists(layout.gitattributes))) await writeFile(layout.gitattributes, STORE_GITATTRIBUTES);
  // config.yaml last: its presence is what marks a finished store.
  await writeReplace(layout, layout.config, DEFAULT_CONFIG_YAML);
  return { root, created: true };
}
