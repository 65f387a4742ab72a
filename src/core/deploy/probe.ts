// Probes, shared by the health and monitor steps: an HTTP GET expecting a status (and maybe some
// text in the body) or a command expected to exit 0. Parsed, run and described here.
import { DIAGNOSTIC_BYTES, describeOutcome, runCommand } from '../process.js';
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

/** Why a probe failed, and what the server or command said: the head of the response body or of stderr. */
export interface ProbeFailure {
  why: string;
  /** at most DIAGNOSTIC_BYTES bytes; '' when there was nothing */
  detail: string;
}

/** The first `limit` bytes of a response body, then the rest cancelled: a server's answer never costs more. */
async function bodyHead(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += Math.min(value.length, limit - size);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** undefined when the probe passes, else why it failed (with the answer's head). */
export async function runProbe(p: Probe, where: ProbeEnv): Promise<ProbeFailure | undefined> {
  if (p.kind === 'command') {
    const outcome = await runCommand(p.command, { cwd: where.cwd, env: where.env, timeoutMs: p.timeoutMs });
    return outcome.exit_code === 0 ? undefined : { why: describeOutcome(p.command, outcome), detail: outcome.stderr };
  }
  try {
    const response = await fetch(p.url, { signal: AbortSignal.timeout(p.timeoutMs), redirect: 'manual' });
    if (response.status !== p.expectStatus) {
      return { why: `${p.url} answered ${response.status}, expected ${p.expectStatus}`, detail: await bodyHead(response, DIAGNOSTIC_BYTES) };
    }
    if (p.expectBody !== undefined) {
      const body = (await response.text()).slice(0, 1 << 20);
      if (!body.includes(p.expectBody)) return { why: `${p.url} answered without ${JSON.stringify(p.expectBody)} in its body`, detail: Buffer.from(body).subarray(0, DIAGNOSTIC_BYTES).toString('utf8') };
    } else await response.body?.cancel().catch(() => undefined);
    return undefined;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${p.timeoutMs}ms` : (e.cause?.code ?? e.message);
    return { why: `${p.url}: ${why}`, detail: '' };
  }
}

export function probeText(p: Probe): string {
  return p.kind === 'http' ? `GET ${p.url} expects ${p.expectStatus}${p.expectBody ? ` and ${JSON.stringify(p.expectBody)}` : ''}` : `runs ${p.command.join(' ')}`;
}
