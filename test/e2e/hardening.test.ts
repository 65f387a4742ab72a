// Hostile and odd inputs (issue 16, points 10-17): JavaScript-internal names, terminal escapes, special files,
// absolute paths and the messages for inputs that cannot work.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg } from '../helpers/cli.js';
import { newProject } from '../helpers/store.js';

const JS_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

/** A refusal (exit 1 or 2, one clear line), never an internal error. */
async function refused(cwd: string, args: string[], message: RegExp): Promise<void> {
  const r = await runMreg(args, { cwd });
  expect(r.stderr, args.join(' ')).not.toMatch(/internal error|Cannot read properties|is not a function/);
  expect([1, 2], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(message);
}

describe('names that look like JavaScript internals', () => {
  it('as stages, targets, checks and remotes they are unknown names, never internal errors', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch']);
    for (const name of JS_NAMES) {
      await refused(p.dir, ['promote', 'm@0.0.1', name], /unknown stage|invalid/);
      await refused(p.dir, ['deploy', 'm@0.0.1', '--target', name], /unknown target|invalid/);
      await refused(p.dir, ['status', 'm', '--target', name], /unknown target|invalid/);
      await refused(p.dir, ['rollback', 'm', '--target', name], /unknown target|invalid/);
      await refused(p.dir, ['check', 'm@0.0.1', '--only', name], /no check named|invalid/);
      await refused(p.dir, ['remote', 'rm', name], /no remote named|invalid remote name/);
      await refused(p.dir, ['push', name], /no remote|invalid|unknown remote/);
      await refused(p.dir, ['show', `m@${name}`], /invalid reference|invalid/);
      // Exactly like any unknown stage: a usage error (exit 2).
      await cliFails(p.dir, ['impact', 'm@0.0.1', '--fail-on-stage', name], 2, /unknown stage/);
    }
  });

  it('as metric and tag names they are stored and shown like any other', async () => {
    const p = await newProject();
    p.file('w.bin', '\0w');
    p.file('meta.yaml', 'metrics:\n  __proto__: 0.5\n  constructor: 1\n  toString: 2\ntags:\n  hasOwnProperty: x\n  __proto__: y\n');
    const r = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--meta', 'meta.yaml', '--json']);
    expect(r.stderr).not.toMatch(/internal error/);
    const shown = await cliPasses(p.dir, ['show', 'm', '--json']);
    expect(shown.json.metrics).toMatchObject({ constructor: 1, toString: 2 });
    expect(Object.hasOwn(shown.json.metrics, '__proto__')).toBe(true);
    await cliPasses(p.dir, ['show', 'm']);
    await cliPasses(p.dir, ['ls']);
  });
});
