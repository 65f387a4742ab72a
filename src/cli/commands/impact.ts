// mreg impact <component>: every version made, directly or transitively, from a version or a URI,
// with the path that ties it and its stages; with --fail-on-stage, a CI gate (exit 1 when one is there).
import { impact } from '../../api/impact.js';
import type { Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[], opts: { failOnStage?: string }): Promise<number> {
  const result = await impact({ ...whereOf(ctx), component: args[0] as string, failOnStage: opts.failOnStage });
  const { out } = ctx.render;
  const lines: string[] = [];
  if (result.matched.length === 0) {
    ctx.render.warn(`no version references ${result.component}: nothing is affected (is the URI spelt as registered?)`);
  }
  if (result.affected.length === 0) {
    lines.push(`nothing is made from ${result.matched.length > 0 ? result.matched.join(', ') : result.component}`);
  } else {
    const n = result.affected.length;
    lines.push(`${n} version${n === 1 ? '' : 's'} made from ${result.matched.length === 1 ? result.matched[0] : `${result.component} (${result.matched.length} versions)`}:`);
    const rows = result.affected.map((a) => [
      `  ${a.model}@${a.version}`,
      a.stages.length > 0 ? `[${a.stages.map((s) => (s === result.gate?.stage ? out.red(s) : s)).join(', ')}]` : '',
      `${a.path.join(' -> ')}${a.pruned ? '  (pruned)' : ''}`,
    ]);
    lines.push(...table(rows).split('\n'));
  }
  ctx.render.result(result, lines.join('\n'));
  if (result.gate && !result.gate.ok) {
    const n = result.gate.versions.length;
    const why = `${n} affected version${n === 1 ? ' is' : 's are'} in ${result.gate.stage}: ${result.gate.versions.join(', ')}`;
    ctx.render.note(`${ctx.render.err.red('mreg:')} ${why}`);
    ctx.render.failedResult(why);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}
