// The registry of deploy adapters: the built-ins (local, command, kubernetes), each loaded only when
// named, and the loader that finds any other by module path or npm package (a plugin).
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MregError } from '../../../errors.js';
import type { JsonMap } from '../../manifest/types.js';
import type { AdapterExport, DeployAdapter } from '../adapter.js';

const BUILT_IN: Record<string, () => Promise<{ createAdapter: (options: JsonMap) => DeployAdapter }>> = {
  local: () => import('./local.js'),
  command: () => import('./command.js'),
  kubernetes: () => import('./kubernetes.js'),
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
  const builtIn = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name] : undefined;
  if (builtIn) return checkAdapter((await builtIn()).createAdapter(options), name);
  let url: string;
  if (name.startsWith('.') || isAbsolute(name)) {
    url = pathToFileURL(isAbsolute(name) ? name : resolve(projectDir, name)).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(projectDir, 'package.json')).resolve(name)).href;
    } catch {
      throw new MregError('INVALID_INPUT', `adapter ${name}: not a built-in adapter (${Object.keys(BUILT_IN).join(', ')}) and no such package is installed in ${projectDir}`);
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
