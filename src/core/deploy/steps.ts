// Running playbook steps: probes (HTTP or command), health with retries, monitoring over a window,
// waits and notifications. A step that fails throws StepFailure with a sentence saying why.
import { describeOutcome, runCommand } from '../process.js';
import type { Probe } from './playbook.js';

export class StepFailure extends Error {}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export interface ProbeEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** undefined when the probe passes, else why it failed. */
export async function probe(p: Probe, where: ProbeEnv): Promise<string | undefined> {
  if (p.kind === 'command') {
    const outcome = await runCommand(p.command, { cwd: where.cwd, env: where.env, timeoutMs: p.timeoutMs });
    return outcome.exit_code === 0 ? undefined : describeOutcome(p.command, outcome);
  }
  try {
    const response = await fetch(p.url, { signal: AbortSignal.timeout(p.timeoutMs), redirect: 'manual' });
    const body = p.expectBody === undefined ? '' : (await response.text()).slice(0, 1 << 20);
    if (response.status !== p.expectStatus) {
      await response.body?.cancel().catch(() => undefined);
      return `${p.url} answered ${response.status}, expected ${p.expectStatus}`;
    }
    if (p.expectBody !== undefined && !body.includes(p.expectBody)) return `${p.url} answered without ${JSON.stringify(p.expectBody)} in its body`;
    if (p.expectBody === undefined) await response.body?.cancel().catch(() => undefined);
    return undefined;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${p.timeoutMs}ms` : (e.cause?.code ?? e.message);
    return `${p.url}: ${why}`;
  }
}

export async function health(p: Probe, retries: number, intervalMs: number, where: ProbeEnv): Promise<void> {
  let last: string | undefined;
  for (let attempt = 1; attempt <= retries; attempt++) {
    last = await probe(p, where);
    if (last === undefined) return;
    if (attempt < retries) await sleep(intervalMs);
  }
  throw new StepFailure(`health check failed ${retries} time${retries === 1 ? '' : 's'}: ${last}`);
}

export async function monitor(checks: Probe[], windowMs: number, intervalMs: number, failureThreshold: number, where: ProbeEnv): Promise<void> {
  const end = Date.now() + windowMs;
  let consecutive = 0;
  for (;;) {
    const failures = (await Promise.all(checks.map((c) => probe(c, where)))).filter((f): f is string => f !== undefined);
    consecutive = failures.length > 0 ? consecutive + 1 : 0;
    if (consecutive >= failureThreshold) {
      throw new StepFailure(`monitoring failed ${consecutive} time${consecutive === 1 ? '' : 's'} in a row: ${failures[0]}`);
    }
    if (Date.now() + intervalMs > end) return;
    await sleep(intervalMs);
  }
}

/** Races `work` against a deadline; the signal tells cooperative work to stop. */
export async function withTimeout<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new StepFailure(`${what} did not finish within ${ms}ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
