// mreg deploy <ref> --target <t>: each step on stderr as it finishes, the outcome (or the plan) on stdout.
import { deploy, formatDuration, type PlanLine, type StepReport } from '../../api/deploy.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';

/**
 * What a failing check's server or command said, under the line it explains: each line quoted with `    | `, so
 * a body can never pass for mreg's own lines (control characters are escaped by the renderer).
 */
export function quotedDetail(detail: string | undefined): string {
  if (!detail) return '';
  return `\n${detail.replace(/\s+$/, '').split(/\r?\n/).map((l) => `    | ${l}`).join('\n')}`;
}

export function stepLine(ctx: Context, r: StepReport): string {
  const mark = r.ok ? ctx.render.err.green('ok  ') : ctx.render.err.red('FAIL');
  const newline = r.detail.indexOf('\n');
  const [line, rest] = newline < 0 ? [r.detail, ''] : [r.detail.slice(0, newline), r.detail.slice(newline + 1)];
  return `${mark} ${r.phase} ${r.index + 1}. ${r.step}: ${line} (${formatDuration(r.duration_ms)})${quotedDetail(rest)}`;
}

/**
 * A dry run's plan as columns: each phase named once (the rollback of a deploy as what happens if a step fails),
 * step numbers right-aligned, so the details line up whatever the labels and however many steps.
 */
export function planText(lines: PlanLine[], rollbackOnly = false): string {
  const label = (l: PlanLine) => (l.phase === 'deploy' ? 'deploy:' : rollbackOnly ? 'roll back:' : 'if a step fails, roll back:');
  const width = Math.max(0, ...lines.map((l) => label(l).length));
  const digits = String(Math.max(0, ...lines.map((l) => l.index + 1))).length;
  return lines
    .map((l, i) => `${(i === 0 || lines[i - 1]!.phase !== l.phase ? label(l) : '').padEnd(width)} ${`${l.index + 1}.`.padStart(digits + 1)} ${l.detail}`)
    .join('\n');
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
    text = `deploy of ${name} to ${result.target} failed at ${failed.phase} step ${failed.index + 1} (${failed.step}): ${failed.error}${quotedDetail(failed.detail)}\n${now}`;
  }
  ctx.render.result(result, text);
  if (!result.ok) ctx.render.failedResult(`deploy of ${name} to ${result.target} failed at ${result.failed_step!.step}: ${result.failed_step!.error}`);
  return result.ok ? EXIT_OK : EXIT_FAILED;
}
