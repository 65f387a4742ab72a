// The `route` step: a canary split, the new version's share of traffic and the rest to what was
// live. A rollback, or a deploy with nothing else live, routes all traffic to its version.
import type { PlaybookChecker } from '../playbook-checker.js';
import type { PlanContext, StepContext } from './step.js';

export interface RouteStep {
  kind: 'route';
  weight: number;
}

export function parse(body: unknown, at: string, c: PlaybookChecker): RouteStep {
  let weight: unknown = body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const d = body as Record<string, unknown>;
    c.keys(d, at, ['weight']);
    weight = d.weight;
  }
  if (typeof weight === 'string' && /^\d+(\.\d+)?%$/.test(weight)) weight = Number(weight.slice(0, -1)) / 100;
  if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) c.fail(at, 'expected the new version\'s share of traffic: a number from 0 to 1, or a percentage like 10%');
  return { kind: 'route', weight };
}

export async function run(step: RouteStep, ctx: StepContext): Promise<string> {
  const { version } = ctx.manifest;
  const { previous } = ctx;
  if (ctx.phase === 'rollback' || previous === null || previous === version) {
    await ctx.route([{ version, weight: 1 }]);
    return `all traffic to ${version}`;
  }
  await ctx.route([
    { version, weight: step.weight },
    { version: previous, weight: +(1 - step.weight).toFixed(6) },
  ]);
  return `${+(step.weight * 100).toFixed(2)}% of traffic to ${version}, the rest to ${previous}`;
}

export function describe(step: RouteStep, plan: PlanContext): string {
  const { version, previous } = plan;
  return previous && previous !== version ? `route ${+(step.weight * 100).toFixed(2)}% of traffic to ${version}, the rest to ${previous}` : `route all traffic to ${version}`;
}
