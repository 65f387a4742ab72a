// The `wait` step: a pause (`wait: 30s` or `wait: { duration: 30s }`).
import { formatDuration } from '../../duration.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import { sleep } from './step.js';

export interface WaitStep {
  kind: 'wait';
  ms: number;
}

export function parse(body: unknown, at: string, c: PlaybookChecker): WaitStep {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const d = body as Record<string, unknown>;
    c.keys(d, at, ['duration']);
    return { kind: 'wait', ms: c.duration(d.duration, `${at}.duration`) };
  }
  return { kind: 'wait', ms: c.duration(body, at) };
}

export async function run(step: WaitStep): Promise<string> {
  await sleep(step.ms);
  return `waited ${formatDuration(step.ms)}`;
}

export function describe(step: WaitStep): string {
  return `wait ${formatDuration(step.ms)}`;
}
