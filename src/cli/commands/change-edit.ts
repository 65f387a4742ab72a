// mreg change edit <id> [--change T] [-m TEXT]: rewrite a pending change (refused, exit 1, once a version consumed it).
import { relative } from 'node:path';
import { MregError } from '../../errors.js';
import { changeEdit, type ChangeType } from '../../api/change.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[], opts: { change?: ChangeType; message?: string }): Promise<number> {
  if (opts.change === undefined && opts.message === undefined) throw new MregError('USAGE', 'give the new type (--change major|minor|patch), the new summary (-m "..."), or both');
  const result = await changeEdit({ ...whereOf(ctx), id: args[0] as string, change: opts.change, summary: opts.message });
  ctx.render.result(result, `updated ${relative(ctx.cwd, result.path) || result.path} (${Object.entries(result.models).map(([m, t]) => `${m}: ${t}`).join(', ')})`);
  return EXIT_OK;
}
