// mreg promote <ref> <stage>
import { promote } from '../../api/promote.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[], opts: { reason?: string; force?: boolean; actor?: string }): Promise<number> {
  const [ref, stage] = args as [string, string];
  const result = await promote({ ...whereOf(ctx), ref, stage, reason: opts.reason, force: opts.force, actor: opts.actor });
  const name = `${result.model}@${result.version}`;
  const lines = [
    result.unchanged ? `${name} is already in ${stage}; nothing changed` : `promoted ${ctx.render.out.bold(name)} to ${stage}${result.forced ? ctx.render.out.yellow(' (forced)') : ''}`,
  ];
  for (const d of result.displaced) lines.push(`  ${result.model}@${d.version} left ${stage}${d.to ? ` for ${d.to}` : ''}`);
  if (result.left.length) lines.push(`  ${name} left ${result.left.join(', ')}`);
  ctx.render.result(result, lines.join('\n'));
  return EXIT_OK;
}
