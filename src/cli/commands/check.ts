// mreg check <ref>
import { check, formatDuration } from '../../api/check.js';
import type { Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[], opts: { only?: string[]; actor?: string }): Promise<number> {
  const progress = await ctx.render.progress(`running checks on ${args[0] as string}`);
  let result;
  try {
    result = await check({ ...whereOf(ctx), ref: args[0] as string, only: opts.only, actor: opts.actor });
  } finally {
    progress.stop();
  }
  const { out } = ctx.render;
  const lines = result.results.map((r) => {
    const how = r.timed_out ? 'timed out' : r.exit_code === null ? 'could not run' : `exit ${r.exit_code}`;
    const head = `${r.passed ? out.green('pass') : out.red('FAIL')}  ${r.check}  (${how}, ${formatDuration(r.duration_ms)})`;
    return r.passed || !r.output.trim() ? head : `${head}\n${r.output.trimEnd().split('\n').slice(-10).map((l) => `    ${l}`).join('\n')}`;
  });
  lines.push(`${result.model}@${result.version}: ${result.results.filter((r) => r.passed).length}/${result.results.length} check${result.results.length === 1 ? '' : 's'} passed`);
  ctx.render.result(result, lines.join('\n'));
  const failed = result.results.filter((r) => !r.passed).map((r) => r.check);
  const ran = result.results.length;
  if (!result.ok) ctx.render.failedResult(`${result.model}@${result.version}: ${failed.length} of ${ran} check${ran === 1 ? '' : 's'} failed: ${failed.join(', ')}`);
  return result.ok ? EXIT_OK : EXIT_FAILED;
}
