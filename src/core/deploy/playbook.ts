// Playbooks (.modelreg/playbooks/*.yaml): the ordered steps of a deploy and of a rollback,
// validated completely before anything runs; every error names the file and the step's path.
import { join } from 'node:path';
import { readDocumentFile } from '../documents.js';
import { parseDuration } from '../duration.js';
import { Checker } from '../manifest/checker.js';
import type { Layout } from '../../store/layout.js';

export type Probe =
  | { kind: 'http'; url: string; expectStatus: number; expectBody?: string; timeoutMs: number }
  | { kind: 'command'; command: string[]; timeoutMs: number };

export type Step =
  | { kind: 'deploy'; timeoutMs: number }
  | { kind: 'health'; probe: Probe; retries: number; intervalMs: number }
  | { kind: 'monitor'; windowMs: number; intervalMs: number; failureThreshold: number; checks: Probe[] }
  | { kind: 'wait'; ms: number }
  | { kind: 'notify'; command?: string[]; http?: string; timeoutMs: number }
  | { kind: 'promote'; stage: string }
  | { kind: 'route'; weight: number };

export interface Playbook {
  file: string;
  deploy: Step[];
  rollback: Step[];
}

export const STEP_KINDS = ['deploy', 'health', 'monitor', 'wait', 'notify', 'promote', 'route'] as const;

class PlaybookChecker extends Checker {
  duration(value: unknown, path: string, fallback?: number): number {
    if (value === undefined && fallback !== undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) this.fail(path, 'expected a duration like 30s');
    return ms;
  }

  count(value: unknown, path: string, fallback: number, min: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) this.fail(path, `expected a whole number >= ${min}`);
    return value;
  }

  argv(value: unknown, path: string): string[] {
    if (!Array.isArray(value) || value.length === 0) this.fail(path, 'expected a non-empty list (argv: program, then arguments)');
    return value.map((v, i) => this.string(v, `${path}[${i}]`));
  }

  url(value: unknown, path: string): string {
    const text = this.string(value, path, 2000);
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      this.fail(path, 'expected an http:// or https:// URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') this.fail(path, 'expected an http:// or https:// URL');
    return text;
  }

  probe(value: unknown, path: string, extra: readonly string[], defaultTimeoutMs: number): { probe: Probe; map: Record<string, unknown> } {
    const m = this.map(value, path);
    this.keys(m, path, ['http', 'command', 'expect_status', 'expect_body', 'timeout', ...extra]);
    const timeoutMs = this.duration(m.timeout, `${path}.timeout`, defaultTimeoutMs);
    if ((m.http === undefined) === (m.command === undefined)) this.fail(path, 'expected exactly one of http: or command:');
    if (m.command !== undefined) {
      if (m.expect_status !== undefined || m.expect_body !== undefined) this.fail(path, 'expect_status and expect_body go with http:, not command:');
      return { probe: { kind: 'command', command: this.argv(m.command, `${path}.command`), timeoutMs }, map: m };
    }
    const expectStatus = this.count(m.expect_status, `${path}.expect_status`, 200, 100);
    const probe: Probe = { kind: 'http', url: this.url(m.http, `${path}.http`), expectStatus, timeoutMs };
    if (m.expect_body !== undefined) probe.expectBody = this.string(m.expect_body, `${path}.expect_body`);
    return { probe, map: m };
  }

  step(value: unknown, path: string): Step {
    const m = this.map(value, path);
    const kinds = Object.keys(m);
    if (kinds.length !== 1) this.fail(path, `expected one step (one of: ${STEP_KINDS.join(', ')})`);
    const kind = kinds[0]!;
    const body = m[kind];
    const at = `${path}.${kind}`;
    switch (kind) {
      case 'deploy': {
        const d = this.map(body ?? {}, at);
        this.keys(d, at, ['timeout']);
        return { kind, timeoutMs: this.duration(d.timeout, `${at}.timeout`, 10 * 60_000) };
      }
      case 'health': {
        const { probe, map } = this.probe(body, at, ['retries', 'interval'], 5_000);
        return { kind, probe, retries: this.count(map.retries, `${at}.retries`, 3, 1), intervalMs: this.duration(map.interval, `${at}.interval`, 1_000) };
      }
      case 'monitor': {
        const d = this.map(body, at);
        this.keys(d, at, ['window', 'interval', 'failure_threshold', 'checks']);
        if (!Array.isArray(d.checks) || d.checks.length === 0) this.fail(`${at}.checks`, 'expected a non-empty list of http: or command: checks');
        return {
          kind,
          windowMs: this.duration(d.window, `${at}.window`),
          intervalMs: this.duration(d.interval, `${at}.interval`, 1_000),
          failureThreshold: this.count(d.failure_threshold, `${at}.failure_threshold`, 1, 1),
          checks: d.checks.map((x, i) => this.probe(x, `${at}.checks[${i}]`, [], 5_000).probe),
        };
      }
      case 'wait': {
        if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
          const d = body as Record<string, unknown>;
          this.keys(d, at, ['duration']);
          return { kind, ms: this.duration(d.duration, `${at}.duration`) };
        }
        return { kind, ms: this.duration(body, at) };
      }
      case 'notify': {
        const d = this.map(body, at);
        this.keys(d, at, ['command', 'http', 'timeout']);
        if ((d.http === undefined) === (d.command === undefined)) this.fail(at, 'expected exactly one of command: or http:');
        const step: Step = { kind, timeoutMs: this.duration(d.timeout, `${at}.timeout`, 10_000) };
        if (d.command !== undefined) step.command = this.argv(d.command, `${at}.command`);
        else step.http = this.url(d.http, `${at}.http`);
        return step;
      }
      case 'promote': {
        if (typeof body === 'string') return { kind, stage: body };
        const d = this.map(body, at);
        this.keys(d, at, ['stage']);
        return { kind, stage: this.string(d.stage, `${at}.stage`, 100) };
      }
      case 'route': {
        let weight: unknown = body;
        if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
          const d = body as Record<string, unknown>;
          this.keys(d, at, ['weight']);
          weight = d.weight;
        }
        if (typeof weight === 'string' && /^\d+(\.\d+)?%$/.test(weight)) weight = Number(weight.slice(0, -1)) / 100;
        if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) this.fail(at, 'expected the new version\'s share of traffic: a number from 0 to 1, or a percentage like 10%');
        return { kind, weight };
      }
      default:
        return this.fail(path, `unknown step ${JSON.stringify(kind)} (expected one of: ${STEP_KINDS.join(', ')})`);
    }
  }
}

export function parsePlaybook(raw: unknown, file: string, stages: readonly string[]): Playbook {
  const c = new PlaybookChecker(`playbooks/${file}`, 'INVALID_INPUT');
  const map = c.map(raw, '');
  c.keys(map, '', ['deploy', 'rollback']);
  const list = (key: 'deploy' | 'rollback', fallback: Step[]): Step[] => {
    if (map[key] === undefined) return fallback;
    if (!Array.isArray(map[key])) c.fail(key, 'expected a list of steps');
    return (map[key] as unknown[]).map((s, i) => c.step(s, `${key}[${i}]`));
  };
  const playbook: Playbook = { file, deploy: list('deploy', [{ kind: 'deploy', timeoutMs: 10 * 60_000 }]), rollback: list('rollback', [{ kind: 'deploy', timeoutMs: 10 * 60_000 }]) };
  for (const key of ['deploy', 'rollback'] as const) {
    playbook[key].forEach((step, i) => {
      if (step.kind === 'promote' && !stages.includes(step.stage)) c.fail(`${key}[${i}].promote.stage`, `unknown stage ${JSON.stringify(step.stage)}`);
    });
    if (!playbook[key].some((s) => s.kind === 'deploy')) c.fail(key, 'has no deploy step: nothing would change the target');
  }
  return playbook;
}

export async function readPlaybook(layout: Layout, file: string, stages: readonly string[]): Promise<Playbook> {
  const raw = await readDocumentFile(join(layout.root, 'playbooks', file), `playbooks/${file}`, 'INVALID_INPUT');
  return parsePlaybook(raw, file, stages);
}
