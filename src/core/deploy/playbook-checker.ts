// The vocabulary playbook steps are validated with: durations, counts, argv lists and URLs, each
// failure naming the playbook file and the step's path (playbooks/canary.yaml: deploy[1].health...).
import { parseDuration } from '../duration.js';
import { Checker } from '../manifest/checker.js';

export class PlaybookChecker extends Checker {
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
}
