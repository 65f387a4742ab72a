// Installing mreg's pre-commit hook: respects core.hooksPath, chains a hook that is already there
// (renamed aside and run first) instead of overwriting it, and uninstalls only what it installed.
import { access, chmod, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { MregError } from '../errors.js';
import { git, repoTopLevel } from './git.js';

const MARKER = '# installed by mreg hook install';
const CHAINED_SUFFIX = '.mreg-chained';

export interface HookResult {
  hook: string;
  installed: boolean;
  /** the hook that was there before, now run first from here */
  chained?: string;
  unchanged: boolean;
}

const exists = (path: string) => access(path).then(() => true, () => false);
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function hooksDir(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const top = await repoTopLevel(cwd, env);
  const dir = (await git(top, ['rev-parse', '--git-path', 'hooks'], env)).trim();
  return isAbsolute(dir) ? dir : join(top, dir);
}

export function hookScript(node: string, bin: string): string {
  return `#!/bin/sh
${MARKER}: refuses commits that change committed model manifests,
# add invalid ones, or reference blobs missing from the store. Remove with: mreg hook uninstall
chained="$(dirname "$0")/pre-commit${CHAINED_SUFFIX}"
if [ -x "$chained" ]; then
  "$chained" "$@" || exit $?
fi
if [ -x ${shellQuote(node)} ] && [ -f ${shellQuote(bin)} ]; then
  exec ${shellQuote(node)} ${shellQuote(bin)} verify --staged
fi
exec mreg verify --staged
`;
}

/** `env` is the environment git runs in (core.hooksPath and GIT_DIR decide where hooks live). */
export async function installHook(cwd: string, options: { force?: boolean; node: string; bin: string; env: NodeJS.ProcessEnv }): Promise<HookResult> {
  const dir = await hooksDir(cwd, options.env);
  await mkdir(dir, { recursive: true });
  const hook = join(dir, 'pre-commit');
  const chained = hook + CHAINED_SUFFIX;
  const script = hookScript(options.node, options.bin);
  const current = await readFile(hook, 'utf8').catch(() => undefined);
  let chainedNow: string | undefined;
  if (current !== undefined && current.includes(MARKER)) {
    if (current === script) return { hook, installed: true, unchanged: true, ...((await exists(chained)) ? { chained } : {}) };
  } else if (current !== undefined && !options.force) {
    if (await exists(chained)) throw new MregError('CONFLICT', `${chained} already exists; move it away or pass --force to replace ${hook}`);
    await rename(hook, chained);
    chainedNow = chained;
  }
  await writeFile(hook, script);
  await chmod(hook, 0o755);
  const keepsChain = chainedNow ?? ((await exists(chained)) ? chained : undefined);
  return { hook, installed: true, unchanged: false, ...(keepsChain ? { chained: keepsChain } : {}) };
}

export async function uninstallHook(cwd: string, env: NodeJS.ProcessEnv): Promise<HookResult> {
  const dir = await hooksDir(cwd, env);
  const hook = join(dir, 'pre-commit');
  const chained = hook + CHAINED_SUFFIX;
  const current = await readFile(hook, 'utf8').catch(() => undefined);
  if (current === undefined) return { hook, installed: false, unchanged: true };
  if (!current.includes(MARKER)) throw new MregError('REFUSED', `${hook} was not installed by mreg; leaving it alone`);
  await rm(hook);
  if (await exists(chained)) {
    await rename(chained, hook);
    return { hook, installed: false, unchanged: false, chained: hook };
  }
  return { hook, installed: false, unchanged: false };
}
