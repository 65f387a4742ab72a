// Where a remote is: s3://bucket/prefix (optionally on an S3-compatible endpoint) or a directory,
// and the `remotes:` section of config.yaml that names them. Validated like the rest of the config.
import { isAbsolute, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MregError } from '../../errors.js';
import type { Checker } from '../manifest/checker.js';
import { nameProblem } from '../names.js';

export interface RemoteConfig {
  name: string;
  /** as written in config.yaml: s3://bucket/prefix, file:///dir or /dir */
  url: string;
  /** an S3-compatible server (MinIO, Ceph, R2, ...); path-style addressing is used with it */
  endpoint?: string;
  region?: string;
  default: boolean;
}

export type RemoteLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir'; path: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,49}$/;
const MAX_PREFIX = 512;

/** Why `url` is not a remote location, or the location it names. */
export function parseRemoteUrl(url: string): { location: RemoteLocation } | { problem: string } {
  if (url.length === 0) return { problem: 'is empty' };
  if (/[\u0000-\u001f\u007f\\]/.test(url)) return { problem: 'contains a control character or a backslash' };
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    if (!BUCKET.test(bucket) || bucket.includes('..')) return { problem: `has an invalid bucket name ${JSON.stringify(bucket)}` };
    const path = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/$/, '');
    if (path.length > MAX_PREFIX) return { problem: `has a prefix longer than ${MAX_PREFIX} characters` };
    if (path !== '') {
      for (const part of path.split('/')) {
        if (part === '' || part === '.' || part === '..') return { problem: 'has an empty, "." or ".." segment in its prefix' };
      }
    }
    return { location: { kind: 's3', bucket, prefix: path === '' ? '' : `${path}/` } };
  }
  let path: string;
  if (url.startsWith('file:')) {
    try {
      path = fileURLToPath(url);
    } catch {
      return { problem: 'is not a valid file:// URL (expected file:///absolute/path)' };
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { problem: 'has an unsupported scheme (expected s3://bucket/prefix, file:///dir or a directory path)' };
  } else {
    path = url;
  }
  if (!isAbsolute(path)) return { problem: 'is a relative path (a directory remote is an absolute path)' };
  return { location: { kind: 'dir', path: normalize(path).replace(/(.)\/$/, '$1') } };
}

/** A directory given relative to `cwd` on the command line becomes absolute (config.yaml holds no relative path). */
export function absoluteRemoteUrl(url: string, cwd: string): string {
  if (url === '' || url.startsWith('s3://') || url.startsWith('file:') || /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || isAbsolute(url)) return url;
  return resolve(cwd, url);
}

export function remoteLocation(remote: RemoteConfig): RemoteLocation {
  const parsed = parseRemoteUrl(remote.url);
  if ('problem' in parsed) throw new MregError('INVALID_INPUT', `remote ${remote.name}: url ${parsed.problem}`);
  return parsed.location;
}

/** Why `endpoint` is not an S3 endpoint URL, if it is not. Credentials never go into config.yaml. */
export function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL (expected http://host:port or https://host)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not hold credentials (they come from the AWS chain: environment, profile)';
  return undefined;
}

export function regionProblem(region: string): string | undefined {
  return REGION.test(region) ? undefined : 'expected a region name like us-east-1';
}

/** The `remotes:` section: `name: {url, endpoint?, region?, default?}`. */
export function parseRemotes(c: Checker, value: unknown): Record<string, RemoteConfig> {
  const remotes: Record<string, RemoteConfig> = Object.create(null);
  let defaults = 0;
  for (const [name, raw] of Object.entries(c.map(value ?? {}, 'remotes'))) {
    const path = `remotes.${name}`;
    const problem = nameProblem(name);
    if (problem) c.fail(path, `invalid remote name: it ${problem}`);
    const m = c.map(raw, path);
    c.keys(m, path, ['url', 'endpoint', 'region', 'default']);
    const url = c.string(m.url, `${path}.url`, 4096);
    const parsed = parseRemoteUrl(url);
    if ('problem' in parsed) c.fail(`${path}.url`, `${JSON.stringify(url.slice(0, 80))} ${parsed.problem}`);
    const remote: RemoteConfig = { name, url, default: false };
    for (const key of ['endpoint', 'region'] as const) {
      if (m[key] === undefined) continue;
      const text = c.string(m[key], `${path}.${key}`, 1000);
      if (parsed.location.kind !== 's3') c.fail(`${path}.${key}`, 'only an s3:// remote takes an endpoint or a region');
      const bad = key === 'endpoint' ? endpointProblem(text) : regionProblem(text);
      if (bad) c.fail(`${path}.${key}`, bad);
      remote[key] = text;
    }
    if (m.default !== undefined && typeof m.default !== 'boolean') c.fail(`${path}.default`, 'expected true or false');
    if (m.default === true) {
      remote.default = true;
      if (++defaults > 1) c.fail(`${path}.default`, 'another remote is already the default');
    }
    remotes[name] = remote;
  }
  return remotes;
}

/** The remote used when a command names none: the one marked default, else the only one. */
export function defaultRemote(remotes: Record<string, RemoteConfig>): RemoteConfig | undefined {
  const all = Object.values(remotes);
  return all.find((r) => r.default) ?? (all.length === 1 ? all[0] : undefined);
}
