// mreg hook install|uninstall
import { fileURLToPath } from 'node:url';
import { MregError } from '../../errors.js';
import { installHook, uninstallHook } from '../../core/hooks.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { force?: boolean }): Promise<number> {
  const action = args[0] as string;
  if (action === 'install') {
    const bin = fileURLToPath(new URL('../../../bin/mreg.js', import.meta.url));
    const result = await installHook(ctx.cwd, { force: Boolean(opts.force), node: process.execPath, bin, env: ctx.env });
    const text = result.unchanged
      ? `the mreg pre-commit hook is already installed at ${result.hook}`
      : `installed the pre-commit hook at ${result.hook}${result.chained ? ` (the hook that was there runs first, from ${result.chained})` : ''}`;
    ctx.render.result(result, text);
    return EXIT_OK;
  }
  if (action === 'uninstall') {
    const result = await uninstallHook(ctx.cwd, ctx.env);
    ctx.render.result(result, result.unchanged ? 'no pre-commit hook installed; nothing changed' : `removed the mreg pre-commit hook${result.chained ? ' and put the previous hook back' : ''}`);
    return EXIT_OK;
  }
  throw new MregError('USAGE', `unknown hook action ${JSON.stringify(action)} (expected install or uninstall)`);
}
