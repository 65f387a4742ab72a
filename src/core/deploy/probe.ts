// Probes, shared by the health and monitor steps: an HTTP GET expecting a status (and maybe some
// text in the body) or a command expected to exit 0. Parsed, run and described here.
import { describeOutcome, runCommand } from '../process.js';
import type { PlaybookChecker } from './playbook-checker.js';

export type Probe =
  | { kind: 'http'; url: string; expectStatus: number; expectBody?: string; timeoutMs: number }
  | { kind: 'command'; command: string[]; timeoutMs: number };

/** Where probes and step commands run: the project directory, with the MREG_* variables set. */
export interface ProbeEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Parses a probe mapping; `extra` are the keys the step itself adds beside the probe's (retries:). */
export function parseProbe(c: PlaybookChecker, value: unknown, path: string, extra: readonly string[], defaultTimeoutMs: number): { probe: Probe; map: Record<string, unknown> } {
  const m = c.map(value, path);
  c.keys(m, path, ['http', 'command', 'expect_status', 'expect_body', 'timeout', ...extra]);
  const timeoutMs = c.duration(m.timeout, `${path}.timeout`, defaultTimeoutMs);
  if ((m.http === undefined) === (m.command === undefined)) c.fail(path, 'expected exactly one of http: or command:');
  if (m.command !== undefined) {
    if (m.expect_status !== undefined || m.expect_body !== undefined) c.fail(path, 'expect_status and expect_body go with http:, not command:');
    return { probe: { kind: 'command', command: c.argv(m.command, `${path}.command`), timeoutMs }, map: m };
  }
  const expectStatus = c.count(m.expect_status, `${path}.expect_status`, 200, 100);
  const probe: Probe = { kind: 'http', url: c.url(m.http, `${path}.http`), expectStatus, timeoutMs };
  if (m.expect_body !== undefined) probe.expectBody = c.string(m.expect_body, `${path}.expect_body`);
  return { probe, map: m };
}

/** undefined when the probe passes, else why it failed. */
export async function runProbe(p: Probe, where: ProbeEnv): Promise<string | undefined> {
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

export function probeText(p: Probe): string {
  return p.kind === 'http' ? `GET ${p.url} expects ${p.expectStatus}${p.expectBody ? ` and ${JSON.stringify(p.expectBody)}` : ''}` : `runs ${p.command.join(' ')}`;
}
