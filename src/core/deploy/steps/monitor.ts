// The `monitor` step: probes run together every interval over a window; the step fails once
// `failure_threshold` rounds in a row had a failing probe.
import { formatDuration } from '../../duration.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import { parseProbe, probeText, runProbe, type Probe } from '../probe.js';
import { sleep, StepFailure, type StepContext } from './step.js';

export interface MonitorStep {
  kind: 'monitor';
  windowMs: number;
  intervalMs: number;
  failureThreshold: number;
  checks: Probe[];
}

export function parse(body: unknown, at: string, c: PlaybookChecker): MonitorStep {
  const d = c.map(body, at);
  c.keys(d, at, ['window', 'interval', 'failure_threshold', 'checks']);
  if (!Array.isArray(d.checks) || d.checks.length === 0) c.fail(`${at}.checks`, 'expected a non-empty list of http: or command: checks');
  return {
    kind: 'monitor',
    windowMs: c.duration(d.window, `${at}.window`),
    intervalMs: c.duration(d.interval, `${at}.interval`, 1_000),
    failureThreshold: c.count(d.failure_threshold, `${at}.failure_threshold`, 1, 1),
    checks: d.checks.map((x, i) => parseProbe(c, x, `${at}.checks[${i}]`, [], 5_000).probe),
  };
}

export async function run(step: MonitorStep, ctx: StepContext): Promise<string> {
  const end = Date.now() + step.windowMs;
  let consecutive = 0;
  for (;;) {
    const failures = (await Promise.all(step.checks.map((p) => runProbe(p, ctx.where)))).filter((f) => f !== undefined);
    consecutive = failures.length > 0 ? consecutive + 1 : 0;
    if (consecutive >= step.failureThreshold) {
      throw new StepFailure(`monitoring failed ${consecutive} time${consecutive === 1 ? '' : 's'} in a row: ${failures[0]!.why}`, failures[0]!.detail);
    }
    if (Date.now() + step.intervalMs > end) return `healthy for ${formatDuration(step.windowMs)}`;
    await sleep(step.intervalMs);
  }
}

export function describe(step: MonitorStep): string {
  return `monitor for ${formatDuration(step.windowMs)} every ${formatDuration(step.intervalMs)}, failing after ${step.failureThreshold} failed round(s): ${step.checks.map(probeText).join('; ')}`;
}
