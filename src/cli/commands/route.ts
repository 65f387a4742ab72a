// mreg route set|get|show: one export per subcommand.
import { routeGet, routeSet, routeShow } from '../../api/route.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function set(ctx: Context, args: unknown[], opts: { salt?: string; actor?: string; target?: string }): Promise<number> {
  const [model, split] = args as [string, string[]];
  const result = await routeSet({ ...whereOf(ctx), model, split, salt: opts.salt, actor: opts.actor, target: opts.target });
  ctx.render.result(result, `routing ${result.model}${result.target ? ` on ${result.target}` : ''}: ${result.split.map((s) => `${s.version}=${s.weight}`).join(' ')}${result.salt ? ` (salt ${JSON.stringify(result.salt)})` : ''}`);
  return EXIT_OK;
}

export async function get(ctx: Context, args: unknown[], opts: { target?: string }): Promise<number> {
  const [model, user] = args as [string, string];
  const result = await routeGet({ ...whereOf(ctx), model, user, target: opts.target });
  ctx.render.result(result, result.version);
  return EXIT_OK;
}

export async function show(ctx: Context, args: unknown[], opts: { target?: string }): Promise<number> {
  const result = await routeShow({ ...whereOf(ctx), model: args[0] as string, target: opts.target });
  ctx.render.result(result, result.split.length ? result.split.map((s) => `${s.version}\t${s.weight}`).join('\n') : `no routing set for ${result.model}${result.target ? ` on ${result.target}` : ''}`);
  return EXIT_OK;
}
