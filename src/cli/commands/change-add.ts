// mreg change add <models...> --change T -m "summary" (--type is the older name of --change)
import { relative } from 'node:path';
import { MregError } from '../../errors.js';
import { CHANGE_TYPES, changeAdd, type ChangeType } from '../../api/change.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[], opts: { change?: string; type?: string; message?: string; line?: string }): Promise<number> {
  const [names] = args as [string[]];
  const change = opts.change ?? opts.type;
  // The flags are checked first, so their errors name the flags.
  if (!CHANGE_TYPES.includes(change as ChangeType)) throw new MregError('USAGE', '--change is required: major, minor or patch');
  if (opts.message === undefined) throw new MregError('USAGE', '-m "summary" is required: say what changed, for the changelog');
  const result = await changeAdd({ ...whereOf(ctx), models: names, change: change as ChangeType, summary: opts.message, line: opts.line });
  ctx.render.result(result, `added ${relative(ctx.cwd, result.path) || result.path} (${names.join(', ')}: ${change}${opts.line === undefined ? '' : ` in line ${opts.line}`})`);
  return EXIT_OK;
}
