// The `local` adapter: each release is materialised (re-hashed) in <dir>/releases/<model>@<version>/
// and <dir>/current is switched to it atomically (a new symlink renamed over the old one), so a
// reader that resolves `current` once never sees a half-written or mixed release. The last few
// releases are kept; one still intact is reused as it is. `link: hardlink|symlink|reflink` makes a
// release from the store's blobs without copying them (each blob re-hashed first). With a traffic split it
// keeps one release per routed version and writes <dir>/routes.json (version, weight, directory) beside
// `current`, so a server can route between them.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MregError } from '../../../errors.js';
import type { JsonMap } from '../../manifest/types.js';
import { fsyncDir } from '../../../store/atomic.js';
import { hashFile } from '../../../store/blobs.js';
import { LINK_TYPES, type LinkType } from '../../../store/blob-source.js';
import type { AdapterContext, DeployAdapter, Release, RoutedRelease } from '../adapter.js';

interface LocalOptions {
  dir: string;
  keep: number;
  link: LinkType;
}

function options(raw: JsonMap): LocalOptions {
  if (typeof raw.dir !== 'string' || raw.dir === '') throw new MregError('INVALID_INPUT', 'adapter local: options.dir: expected the deploy directory');
  const keep = raw.keep === undefined ? 5 : raw.keep;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 1) throw new MregError('INVALID_INPUT', 'adapter local: options.keep: expected a whole number >= 1');
  const link = raw.link === undefined ? 'copy' : raw.link;
  if (typeof link !== 'string' || !(LINK_TYPES as readonly string[]).includes(link)) {
    throw new MregError('INVALID_INPUT', `adapter local: options.link: expected one of ${LINK_TYPES.join(', ')}`);
  }
  return { dir: raw.dir, keep, link: link as LinkType };
}

/** Beside `current`: the split a server should route by, when one is set. */
const ROUTES_FILE = 'routes.json';

const exists = (path: string) => lstat(path).then(() => true, () => false);

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** A release directory that holds exactly the version's files, each with the right hash. */
async function isIntact(dir: string, release: Release): Promise<boolean> {
  try {
    const present = (await listFiles(dir)).sort();
    const expected = release.files.map((f) => f.path).sort();
    if (present.length !== expected.length || present.some((p, i) => p !== expected[i])) return false;
    for (const f of release.files) if ((await hashFile(join(dir, f.path))).sha256 !== f.sha256) return false;
    return true;
  } catch {
    return false;
  }
}

async function currentTarget(dir: string): Promise<string | undefined> {
  return readlink(join(dir, 'current')).catch(() => undefined);
}

/** Points <dir>/current at `target` (relative to dir) in one rename. */
async function switchCurrent(dir: string, target: string): Promise<void> {
  const temp = join(dir, `.current-${randomBytes(6).toString('hex')}`);
  await symlink(target, temp);
  await rename(temp, join(dir, 'current'));
  await fsyncDir(dir);
}

interface RoutesFile {
  model: string;
  routes: { version: string; weight: number; directory: string }[];
}

/** The release directories routes.json sends traffic to (relative to dir). */
async function routedDirs(dir: string): Promise<Set<string>> {
  try {
    const file = JSON.parse(await readFile(join(dir, ROUTES_FILE), 'utf8')) as RoutesFile;
    return new Set(Array.isArray(file.routes) ? file.routes.map((r) => r.directory) : []);
  } catch {
    return new Set();
  }
}

async function prune(dir: string, model: string, keep: number): Promise<void> {
  const releases = join(dir, 'releases');
  const live = await currentTarget(dir);
  const routed = await routedDirs(dir);
  const mine: { name: string; mtime: number }[] = [];
  for (const name of await readdir(releases)) {
    if (name.startsWith(`${model}@`)) mine.push({ name, mtime: (await stat(join(releases, name))).mtimeMs });
    else if (name.startsWith('.incoming-') || name.startsWith('.trash-')) await rm(join(releases, name), { recursive: true, force: true });
  }
  mine.sort((a, b) => b.mtime - a.mtime);
  for (const { name } of mine.slice(keep)) {
    if (live !== `releases/${name}` && !routed.has(`releases/${name}`)) await rm(join(releases, name), { recursive: true, force: true });
  }
}

export function createAdapter(raw: JsonMap): DeployAdapter {
  const opts = options(raw);
  const dirOf = (ctx: AdapterContext) => resolve(ctx.projectDir, opts.dir);
  /** Makes releases/<model>@<version> hold exactly the release (reusing an intact one); returns its name. */
  async function place(dir: string, release: Release, ctx: AdapterContext): Promise<{ name: string; incoming?: string }> {
    const releases = join(dir, 'releases');
    await mkdir(releases, { recursive: true });
    const name = `${release.model}@${release.version}`;
    if (await isIntact(join(releases, name), release)) return { name };
    const incoming = join(releases, `.incoming-${randomBytes(6).toString('hex')}`);
    await release.exportTo(incoming, { link: opts.link });
    if (ctx.signal.aborted) throw new Error('deploy aborted');
    return { name, incoming };
  }
  return {
    async route(model: string, routes: RoutedRelease[], ctx: AdapterContext): Promise<void> {
      const dir = dirOf(ctx);
      const file: RoutesFile = { model, routes: [] };
      for (const r of routes) {
        const { name, incoming } = await place(dir, r.release, ctx);
        if (incoming) {
          // Not there yet, or damaged: replaced whole (the damaged one is moved aside first, then removed).
          const final = join(dir, 'releases', name);
          const trash = join(dir, 'releases', `.trash-${randomBytes(6).toString('hex')}`);
          if (await exists(final)) await rename(final, trash);
          await rename(incoming, final);
          await fsyncDir(join(dir, 'releases'));
          await rm(trash, { recursive: true, force: true });
        }
        file.routes.push({ version: r.version, weight: r.weight, directory: `releases/${name}` });
      }
      // Replaced in one rename, like `current`: a server never reads half a file.
      const temp = join(dir, `.routes-${randomBytes(6).toString('hex')}`);
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`);
      await rename(temp, join(dir, ROUTES_FILE));
      await fsyncDir(dir);
      await prune(dir, model, opts.keep);
    },
    async deploy(release: Release, ctx: AdapterContext): Promise<void> {
      const dir = dirOf(ctx);
      const releases = join(dir, 'releases');
      // A rollback usually finds its release still there: re-hash it and switch, copying nothing.
      const { name, incoming } = await place(dir, release, ctx);
      if (!incoming) {
        await switchCurrent(dir, `releases/${name}`);
        await prune(dir, release.model, opts.keep);
        return;
      }
      const final = join(releases, name);
      let trash: string | undefined;
      if (await exists(final)) {
        // Redeploying a release that exists (a rollback, a repair): never let current dangle.
        if ((await currentTarget(dir)) === `releases/${name}`) await switchCurrent(dir, `releases/${incoming.slice(releases.length + 1)}`);
        trash = join(releases, `.trash-${randomBytes(6).toString('hex')}`);
        await rename(final, trash);
      }
      await rename(incoming, final);
      await fsyncDir(releases);
      await switchCurrent(dir, `releases/${name}`);
      if (trash) await rm(trash, { recursive: true, force: true });
      await prune(dir, release.model, opts.keep);
    },
    async live(model: string, ctx: AdapterContext): Promise<string | undefined> {
      const target = await currentTarget(dirOf(ctx));
      const prefix = `releases/${model}@`;
      return target?.startsWith(prefix) ? target.slice(prefix.length) : undefined;
    },
  };
}
