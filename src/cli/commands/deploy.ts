// mreg deploy <ref> --target <t>: each step on stderr as it finishes, the outcome (or the plan) on stdout.
import { deploy, formatDuration, type PlanLine, type StepReport } from '../../api/deploy.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';

export function stepLine(ctx: Context, r: StepReport): string {
  const mark = r.ok ? ctx.render.err.green('ok  ') : ctx.render.err.red('FAIL');
  return `${mark} ${r.phase} ${r.index + 1}. ${r.step}: ${r.detail} (${formatDuration(r.duration_ms)})`;
}

export function planText(lines: PlanLine[]): string {
  return lines.map((l) => `${l.phase === 'rollback' ? 'if a step fails, roll back:' : 'deploy:'.padEnd(27)} ${l.index + 1}. ${l.detail}`).join('\n');
}

export async function run(ctx: Context, args: unknown[], opts: { target?: string; dryRun?: boolean; force?: boolean; actor?: string }): Promise<number> {
  const result = await deploy({
    ...whereOf(ctx),
    ref: args[0] as string,
    target: opts.target,
    dryRun: opts.dryRun,
    force: opts.force,
    actor: opts.actor,
    onStep: (r) => ctx.render.note(stepLine(ctx, r)),
  });
  const name = `${result.model}@${result.version}`;
  let text: string;
  if (result.dry_run) text = `plan for ${name} on ${result.target} (live now: ${result.previous ?? 'nothing'}):\n${planText(result.plan ?? [])}`;
  else if (result.ok) text = `deployed ${name} to ${result.target}${result.promoted ? `; promoted to ${result.promoted.stage}` : ''}`;
  else {
    const failed = result.failed_step!;
    const now = result.rolled_back_to
      ? result.rollback_ok
        ? `rolled back to ${result.rolled_back_to}, which is live again`
        : `the rollback to ${result.rolled_back_to} failed too: the live version is unknown`
      : 'nothing to roll back to';
    text = `deploy of ${name} to ${result.target} failed at ${failed.phase} step ${failed.index + 1} (${failed.step}): ${failed.error}\n${now}`;
  }
  ctx.render.result(result, text);
  return result.ok ? EXIT_OK : EXIT_FAILED;
}
