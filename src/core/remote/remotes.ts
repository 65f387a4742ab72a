// mreg remote add|ls|rm: the `remotes:` section of config.yaml, edited through the YAML document so
// the user's comments, order and other keys stay as they were (config/edit.ts).
import type { Config } from '../config/config.js';
import { editConfig, ensureSection } from '../config/edit.js';
import { MregError } from '../../errors.js';
import { checkName } from '../names.js';
import type { Store } from '../store.js';
import { endpointProblem, parseRemoteUrl, regionProblem, type RemoteConfig } from '../config/remotes.js';

export interface RemoteInput {
  name: string;
  url: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  default?: boolean | undefined;
}

/** Checks a remote as given (by a user): one clear error for the first thing wrong. */
export function checkRemoteInput(input: RemoteInput): RemoteConfig {
  checkName(input.name, 'remote name');
  const parsed = parseRemoteUrl(input.url);
  if ('problem' in parsed) throw new MregError('INVALID_INPUT', `invalid remote URL ${JSON.stringify(input.url.slice(0, 200))}: it ${parsed.problem}`);
  const remote: RemoteConfig = { name: input.name, url: input.url, default: Boolean(input.default) };
  for (const key of ['endpoint', 'region'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (parsed.location.kind !== 's3') throw new MregError('INVALID_INPUT', `the ${key} applies only to an s3:// remote`);
    const problem = key === 'endpoint' ? endpointProblem(value) : regionProblem(value);
    if (problem) throw new MregError('INVALID_INPUT', `invalid ${key} ${JSON.stringify(value.slice(0, 200))}: it ${problem}`);
    remote[key] = value;
  }
  return remote;
}

/** Adds a remote; returns it and every remote configured now. */
export async function addRemote(store: Store, input: RemoteInput): Promise<{ remote: RemoteConfig; remotes: Record<string, RemoteConfig> }> {
  const remote = checkRemoteInput(input);
  const config = await editConfig(store.layout, 'remotes', (doc, current) => {
    if (current.remotes[remote.name]) {
      throw new MregError('CONFLICT', `remote ${remote.name} already exists (${current.remotes[remote.name]!.url})`, { hint: `remove it first: mreg remote rm ${remote.name}` });
    }
    if (remote.default) for (const other of Object.keys(current.remotes)) doc.deleteIn(['remotes', other, 'default']);
    const entry: Record<string, unknown> = { url: remote.url };
    if (remote.endpoint) entry.endpoint = remote.endpoint;
    if (remote.region) entry.region = remote.region;
    if (remote.default) entry.default = true;
    ensureSection(doc, 'remotes');
    doc.setIn(['remotes', remote.name], doc.createNode(entry));
  });
  return { remote: config.remotes[remote.name]!, remotes: config.remotes };
}

export async function removeRemote(store: Store, name: string): Promise<RemoteConfig> {
  checkName(name, 'remote name');
  let removed: RemoteConfig | undefined;
  await editConfig(store.layout, 'remotes', (doc, current) => {
    removed = current.remotes[name];
    if (!removed) throw new MregError('NOT_FOUND', `no remote named ${JSON.stringify(name)}`);
    doc.deleteIn(['remotes', name]);
  });
  return removed!;
}

export function listRemotes(config: Config): RemoteConfig[] {
  return Object.values(config.remotes ?? {}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
