// mreg status <model> [--target <t>] [--check]
import { status } from '../../api/status.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { unpushedLine } from './ls.js';

export async function run(ctx: Context, args: unknown[], opts: { target?: string; check?: boolean }): Promise<number> {
  const s = await status({ ...whereOf(ctx), model: args[0] as string, target: opts.target });
  const lines = [s.live ? `${s.model} on ${s.target}: ${ctx.render.out.bold(s.live)} live since ${s.deployed_at} (${s.via} by ${s.deployed_by})` : `${s.model} on ${s.target}: nothing deployed yet`];
  if (s.last && s.last.phase !== 'succeeded') lines.push(`last ${s.last.event} (${s.last.version}, ${s.last.time}) ${s.last.phase}${s.last.failed_step ? ` at ${s.last.failed_step}: ${s.last.error}` : ''}`);
  if (s.interrupted) lines.push(ctx.render.out.yellow(`a ${s.interrupted.event} of ${s.interrupted.version} started at ${s.interrupted.time} never finished; run mreg rollback ${s.model} --target ${s.target} to settle it`));
  if (s.adapter_live !== undefined && s.adapter_live !== s.live) lines.push(ctx.render.out.yellow(`the adapter reports ${s.adapter_live ?? 'nothing'} live`));
  if (s.adapter_error) lines.push(`the adapter could not say what is live: ${s.adapter_error}`);
  if (s.adapter_health) lines.push(`adapter health: ${s.adapter_health.healthy ? 'healthy' : `unhealthy${s.adapter_health.detail ? `: ${s.adapter_health.detail}` : ''}`}`);
  if (s.routing) lines.push(`routing: ${s.routing.split.map((x) => `${x.version}=${x.weight}`).join(' ')}`);
  if (s.drift) {
    const d = s.drift;
    lines.push(
      ctx.render.out.yellow(
        `drift: ${d.stage} holds ${d.stage_version ?? 'no version'} but ${s.target} runs ${d.live_version ?? 'nothing'}; deploy ${d.stage_version ? `${s.model}@${d.stage} (mreg deploy ${s.model}@${d.stage} --target ${s.target})` : 'a version'} or promote the live one`,
      ),
    );
  }
  ctx.render.result(s, lines.join('\n') + unpushedLine(s.unpushed ?? 0));
  // --check: a monitoring cron's question, answered by the exit code.
  return opts.check && s.drift ? EXIT_FAILED : EXIT_OK;
}
