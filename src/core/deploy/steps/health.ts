// The `health` step: one probe, retried a few times before the step fails.
import { formatDuration } from '../../duration.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import { parseProbe, probeText, runProbe, type Probe, type ProbeFailure } from '../probe.js';
import { sleep, StepFailure, type PlanContext, type StepContext } from './step.js';

export interface HealthStep {
  kind: 'health';
  probe: Probe;
  retries: number;
  intervalMs: number;
}

export function parse(body: unknown, at: string, c: PlaybookChecker): HealthStep {
  const { probe, map } = parseProbe(c, body, at, ['retries', 'interval'], 5_000);
  return { kind: 'health', probe, retries: c.count(map.retries, `${at}.retries`, 3, 1), intervalMs: c.duration(map.interval, `${at}.interval`, 1_000) };
}

export async function run(step: HealthStep, ctx: StepContext): Promise<string> {
  let last: ProbeFailure | undefined;
  for (let attempt = 1; attempt <= step.retries; attempt++) {
    last = await runProbe(step.probe, ctx.where);
    if (last === undefined) return `healthy (${probeText(step.probe)})`;
    if (attempt < step.retries) await sleep(step.intervalMs);
  }
  throw new StepFailure(`health check failed ${step.retries} time${step.retries === 1 ? '' : 's'}: ${last!.why}`, last!.detail);
}

export function describe(step: HealthStep): string {
  return `health: ${probeText(step.probe)}, up to ${step.retries} tries ${formatDuration(step.intervalMs)} apart, ${formatDuration(step.probe.timeoutMs)} each`;
}
