// mreg change rm <id>: delete a pending change file (refused, exit 1, once a version consumed it).
import { relative } from 'node:path';
import { changeRemove } from '../../api/change.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const result = await changeRemove({ ...whereOf(ctx), id: args[0] as string });
  ctx.render.result(result, `removed ${relative(ctx.cwd, result.path) || result.path} (${Object.entries(result.models).map(([m, t]) => `${m}: ${t}`).join(', ')})`);
  return EXIT_OK;
}
