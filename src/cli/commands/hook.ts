// mreg hook install|uninstall: one export per subcommand.
import { fileURLToPath } from 'node:url';
import { hookInstall, hookUninstall } from '../../api/hook.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function install(ctx: Context, _args: unknown[], opts: { force?: boolean }): Promise<number> {
  // The hook runs this very installation of mreg, with this node, when both are still there.
  const bin = fileURLToPath(new URL('../../../bin/mreg.js', import.meta.url));
  const result = await hookInstall({ ...whereOf(ctx), force: opts.force, node: process.execPath, bin });
  const text = result.unchanged
    ? `the mreg pre-commit hook is already installed at ${result.hook}`
    : `installed the pre-commit hook at ${result.hook}${result.chained ? ` (the hook that was there runs first, from ${result.chained})` : ''}`;
  ctx.render.result(result, text);
  return EXIT_OK;
}

export async function uninstall(ctx: Context): Promise<number> {
  const result = await hookUninstall(whereOf(ctx));
  ctx.render.result(result, result.unchanged ? 'no pre-commit hook installed; nothing changed' : `removed the mreg pre-commit hook${result.chained ? ' and put the previous hook back' : ''}`);
  return EXIT_OK;
}
