// The git pre-commit hook that runs 'mreg verify --staged': installed beside (chained after) a hook
// that is already there, and uninstalled only if mreg installed it (core/hooks.ts).
import { installHook, uninstallHook, type HookResult } from '../core/hooks.js';
import type { Where } from './where.js';

export type { HookResult } from '../core/hooks.js';

/** `store` from Where is not used: the hook belongs to the git repository around cwd. */
export interface HookInstallOptions extends Where {
  /** replace an existing pre-commit hook instead of chaining it */
  force?: boolean | undefined;
  /** the node executable and the mreg script the hook runs (it falls back to 'mreg' on PATH) */
  node: string;
  bin: string;
}

export async function hookInstall(options: HookInstallOptions): Promise<HookResult> {
  return installHook(options.cwd, { force: Boolean(options.force), node: options.node, bin: options.bin, env: options.env ?? {} });
}

export type HookUninstallOptions = Where;

export async function hookUninstall(options: HookUninstallOptions): Promise<HookResult> {
  return uninstallHook(options.cwd, options.env ?? {});
}
