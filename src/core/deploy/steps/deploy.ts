// The `deploy` step: hands the release to the target's adapter, within a deadline.
import { formatDuration } from '../../duration.js';
import type { AdapterContext } from '../adapter.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import { withTimeout, type PlanContext, type StepContext } from './step.js';

export interface DeployStep {
  kind: 'deploy';
  timeoutMs: number;
}

/** What a playbook without a deploy: or rollback: list runs. */
export const DEFAULT_DEPLOY_STEP: DeployStep = { kind: 'deploy', timeoutMs: 10 * 60_000 };

export function parse(body: unknown, at: string, c: PlaybookChecker): DeployStep {
  const d = c.map(body ?? {}, at);
  c.keys(d, at, ['timeout']);
  return { kind: 'deploy', timeoutMs: c.duration(d.timeout, `${at}.timeout`, DEFAULT_DEPLOY_STEP.timeoutMs) };
}

export async function run(step: DeployStep, ctx: StepContext): Promise<string> {
  const release = ctx.release();
  await withTimeout(step.timeoutMs, 'deploy', (signal) => {
    const adapterCtx: AdapterContext = { target: ctx.target, options: ctx.targetConfig.options, projectDir: ctx.projectDir, env: ctx.env, signal };
    return ctx.adapter.deploy(release, adapterCtx);
  });
  return `${ctx.manifest.name}@${ctx.manifest.version} deployed through ${ctx.targetConfig.adapter}`;
}

export function describe(step: DeployStep, plan: PlanContext): string {
  return `deploy ${plan.version} through the ${plan.adapter} adapter (timeout ${formatDuration(step.timeoutMs)})`;
}
