// What a first team hit (issue 15): errors CI can read, did-you-mean names, per-model rules, one stage after a
// rollback and the rough edges of text output, run as a user does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg } from '../helpers/cli.js';
import { newProject, type Project } from '../helpers/store.js';

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('errors CI can read (15.4)', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    p.file('vad.bin', '\0weights 1');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '1.0.0']);
  });

  it('with --json the error document is on stdout and its line (and hint) on stderr', async () => {
    const r = await cliFails(p.dir, ['promote', 'vad@1.0.0', 'production', '--json'], 1, /production can only be entered from staging/);
    expect(r.json.error.code).toBe('REFUSED');
    expect(lines(r.stderr)[0]).toBe(`mreg: ${r.json.error.message}`);
    if (r.json.error.hint) expect(lines(r.stderr)[1]).toBe(`hint: ${r.json.error.hint}`);
  });

  it('usage errors from the flag parser too', async () => {
    const r = await cliFails(p.dir, ['ls', '--bogus', '--json'], 2, /unknown option '--bogus'/);
    expect(r.json.error.code).toBe('USAGE');
    expect(lines(r.stderr)).toStrictEqual(["mreg: unknown option '--bogus'", "hint: see 'mreg --help' or 'mreg <command> --help'"]);
  });

  // Last in this block: it damages the store.
  it('a result that says it failed (verify) names why on stderr too', async () => {
    writeFileSync(join(p.store, 'models', 'vad', '1.0.0.yaml'), 'not: [a manifest');
    const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout).ok).toBe(false);
    expect(lines(verify.stderr).at(-1)).toMatch(/^mreg: 1 problem, the first: \w+: .*1\.0\.0\.yaml/);
  });
});

describe('did you mean (15.6)', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    p.file('vad.bin', '\0weights 1');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '1.0.0']);
    await cliPasses(p.dir, ['register', 'intent', 'vad.bin', '--version', '1.0.0']);
  });

  it('show of an unknown model suggests the closest name, only when it is close', async () => {
    const r = await cliFails(p.dir, ['show', 'vda'], 1, /^mreg: no model vda; did you mean vad\?$/);
    expect(r.stderr).toBe('mreg: no model vda; did you mean vad?\n');
    const j = await cliFails(p.dir, ['show', 'vda@1.0.0', '--json'], 1, /no model vda; did you mean vad\?/);
    expect(j.json.error).toMatchObject({ code: 'NOT_FOUND', data: { model: 'vda', suggestion: 'vad' } });
    await cliFails(p.dir, ['show', 'intnet'], 1, /no model intnet; did you mean intent\?/);
    await cliFails(p.dir, ['show', 'fraud'], 1, /^mreg: model fraud has no versions$/);
    for (const args of [['history', 'vda'], ['ls', 'vda'], ['changelog', 'vda'], ['promote', 'vda@1.0.0', 'staging']]) {
      await cliFails(p.dir, args, 1, /did you mean vad\?/);
    }
    await cliFails(p.dir, ['lineage', 'vda'], 1, /vda is not registered; did you mean vad\?/);
  });

  it('unknown stage and target names too', async () => {
    await cliFails(p.dir, ['promote', 'vad@1.0.0', 'stagign'], 2, /unknown stage "stagign" .*; did you mean staging\?/);
    await cliFails(p.dir, ['show', 'vad@prodution'], 2, /did you mean production\?/);
    await cliFails(p.dir, ['promote', 'vad@1.0.0', 'qa'], 2, /unknown stage "qa" \(stages in config\.yaml: staging, production, archived\)$/);
  });
});
