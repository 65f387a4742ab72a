// mreg demote <ref> <stage>
import { demote } from '../../core/lifecycle/promote.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { reason?: string; actor?: string }): Promise<number> {
  const [ref, stage] = args as [string, string];
  const store = await openContextStore(ctx);
  const result = await demote(store, { ref, stage, reason: opts.reason, actor: opts.actor, cwd: ctx.cwd, env: ctx.env });
  ctx.render.result(result, `${result.model}@${result.version} left ${stage}`);
  return EXIT_OK;
}
