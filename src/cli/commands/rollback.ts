// mreg rollback <model> --target <t> [--to <version>]
import { rollback } from '../../api/rollback.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { planText, stepLine } from './deploy.js';

export async function run(ctx: Context, args: unknown[], opts: { target?: string; to?: string; dryRun?: boolean; actor?: string }): Promise<number> {
  const result = await rollback({
    ...whereOf(ctx),
    model: args[0] as string,
    target: opts.target,
    to: opts.to,
    dryRun: opts.dryRun,
    actor: opts.actor,
    onStep: (r) => ctx.render.note(stepLine(ctx, r)),
  });
  const what = `${result.model} on ${result.target} from ${result.from ?? 'nothing'} to ${result.to}`;
  const text = result.dry_run
    ? `plan to roll back ${what}:\n${planText(result.plan ?? [])}`
    : result.ok
      ? `rolled back ${what}${result.resumed ? ' (finished an interrupted operation)' : ''}`
      : `rollback of ${what} failed at step ${result.failed_step!.index + 1} (${result.failed_step!.step}): ${result.failed_step!.error}`;
  ctx.render.result(result, text);
  return result.ok ? EXIT_OK : EXIT_FAILED;
}
