// mreg status <model> --target <t>
import { MregError } from '../../errors.js';
import { status } from '../../api/status.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { quotedDetail } from './deploy.js';

export async function run(ctx: Context, args: unknown[], opts: { target?: string }): Promise<number> {
  if (!opts.target) throw new MregError('USAGE', 'status needs --target <name>');
  const s = await status({ ...whereOf(ctx), model: args[0] as string, target: opts.target });
  const lines = [s.live ? `${s.model} on ${s.target}: ${ctx.render.out.bold(s.live)} live since ${s.deployed_at} (${s.via} by ${s.deployed_by})` : `${s.model} on ${s.target}: nothing deployed yet`];
  if (s.last && (s.last.phase !== 'succeeded' || s.last.detail !== undefined)) {
    const why = s.last.failed_step ? ` at ${s.last.failed_step}: ${s.last.error}` : s.last.reason ? ` after ${s.last.reason}` : '';
    lines.push(`last ${s.last.event} (${s.last.version}, ${s.last.time}) ${s.last.phase}${why}${quotedDetail(s.last.detail)}`);
  }
  if (s.interrupted) lines.push(ctx.render.out.yellow(`a ${s.interrupted.event} of ${s.interrupted.version} started at ${s.interrupted.time} never finished; run mreg rollback ${s.model} --target ${s.target} to settle it`));
  if (s.adapter_live !== undefined && s.adapter_live !== s.live) lines.push(ctx.render.out.yellow(`the adapter reports ${s.adapter_live ?? 'nothing'} live`));
  if (s.adapter_error) lines.push(`the adapter could not say what is live: ${s.adapter_error}`);
  if (s.adapter_health) lines.push(`adapter health: ${s.adapter_health.healthy ? 'healthy' : `unhealthy${s.adapter_health.detail ? `: ${s.adapter_health.detail}` : ''}`}`);
  if (s.routing) lines.push(`routing: ${s.routing.split.map((x) => `${x.version}=${x.weight}`).join(' ')}`);
  ctx.render.result(s, lines.join('\n'));
  return EXIT_OK;
}
