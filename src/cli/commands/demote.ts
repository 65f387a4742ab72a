// mreg demote <ref> <stage>
import { demote } from '../../api/demote.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[], opts: { reason?: string; actor?: string }): Promise<number> {
  const [ref, stage] = args as [string, string];
  const result = await demote({ ...whereOf(ctx), ref, stage, reason: opts.reason, actor: opts.actor });
  ctx.render.result(result, `${result.model}@${result.version} left ${stage}`);
  return EXIT_OK;
}
