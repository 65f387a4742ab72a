// The `promote` step: moves the version into a stage (`promote: production`), by the stage rules.
import { promote } from '../../lifecycle/promote.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import type { PlanContext, PlaybookRules, StepContext } from './step.js';

export interface PromoteStep {
  kind: 'promote';
  stage: string;
}

export function parse(body: unknown, at: string, c: PlaybookChecker): PromoteStep {
  if (typeof body === 'string') return { kind: 'promote', stage: body };
  const d = c.map(body, at);
  c.keys(d, at, ['stage']);
  return { kind: 'promote', stage: c.string(d.stage, `${at}.stage`, 100) };
}

export function validate(step: PromoteStep, at: string, c: PlaybookChecker, rules: PlaybookRules): void {
  if (!rules.stages.includes(step.stage)) c.fail(`${at}.stage`, `unknown stage ${JSON.stringify(step.stage)}`);
}

export async function run(step: PromoteStep, ctx: StepContext): Promise<string> {
  const { manifest } = ctx;
  const r = await promote(ctx.store, { ref: `${manifest.name}@${manifest.version}`, stage: step.stage, reason: `${ctx.phase} to ${ctx.target}`, actor: ctx.actor, cwd: ctx.projectDir, env: ctx.env });
  return r.unchanged ? `already in ${step.stage}` : `promoted to ${step.stage}`;
}

export function describe(step: PromoteStep, plan: PlanContext): string {
  return `promote ${plan.version} to ${step.stage}`;
}
