// mreg check <ref>
import { formatDuration } from '../../core/duration.js';
import { runChecks } from '../../core/lifecycle/checks.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { only?: string[]; actor?: string }): Promise<number> {
  const store = await openContextStore(ctx);
  const progress = await ctx.render.progress(`running checks on ${args[0] as string}`);
  let result;
  try {
    result = await runChecks(store, { ref: args[0] as string, only: opts.only, cwd: ctx.cwd, env: ctx.env, actor: opts.actor });
  } finally {
    progress.stop();
  }
  const { out } = ctx.render;
  const lines = result.results.map((r) => {
    const how = r.timed_out ? 'timed out' : r.exit_code === null ? 'could not run' : `exit ${r.exit_code}`;
    const head = `${r.passed ? out.green('pass') : out.red('FAIL')}  ${r.check}  (${how}, ${formatDuration(r.duration_ms)})`;
    return r.passed || !r.output.trim() ? head : `${head}\n${r.output.trimEnd().split('\n').slice(-10).map((l) => `    ${l}`).join('\n')}`;
  });
  lines.push(`${result.model}@${result.version}: ${result.results.filter((r) => r.passed).length}/${result.results.length} checks passed`);
  ctx.render.result(result, lines.join('\n'));
  return result.ok ? EXIT_OK : EXIT_FAILED;
}
