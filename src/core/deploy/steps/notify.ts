// The `notify` step: runs a command or POSTs the event as JSON. A notification that cannot be
// delivered is reported in the step's line, but never fails a deploy or a rollback.
import { describeOutcome, runCommand } from '../../process.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import type { StepContext } from './step.js';

export interface NotifyStep {
  kind: 'notify';
  command?: string[];
  http?: string;
  timeoutMs: number;
}

export function parse(body: unknown, at: string, c: PlaybookChecker): NotifyStep {
  const d = c.map(body, at);
  c.keys(d, at, ['command', 'http', 'timeout']);
  if ((d.http === undefined) === (d.command === undefined)) c.fail(at, 'expected exactly one of command: or http:');
  const step: NotifyStep = { kind: 'notify', timeoutMs: c.duration(d.timeout, `${at}.timeout`, 10_000) };
  if (d.command !== undefined) step.command = c.argv(d.command, `${at}.command`);
  else step.http = c.url(d.http, `${at}.http`);
  return step;
}

export async function run(step: NotifyStep, ctx: StepContext): Promise<string> {
  if (step.command) {
    const outcome = await runCommand(step.command, { cwd: ctx.where.cwd, env: ctx.where.env, timeoutMs: step.timeoutMs });
    return outcome.exit_code === 0 ? `ran ${step.command[0]}` : `notification failed (ignored): ${describeOutcome(step.command, outcome)}`;
  }
  try {
    const response = await fetch(step.http!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: ctx.phase, model: ctx.model, version: ctx.manifest.version, previous: ctx.previous, target: ctx.target, time: new Date().toISOString() }),
      signal: AbortSignal.timeout(step.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return response.ok ? `posted to ${step.http}` : `notification failed (ignored): ${step.http} answered ${response.status}`;
  } catch (err) {
    return `notification failed (ignored): ${step.http}: ${(err as Error).message}`;
  }
}

export function describe(step: NotifyStep): string {
  return step.command ? `notify: run ${JSON.stringify(step.command)}` : `notify: POST ${step.http}`;
}
