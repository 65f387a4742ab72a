// What a first team hit (issue 15): errors CI can read, did-you-mean names, per-model rules, one stage after a
// rollback and the rough edges of text output, run as a user does.
import { readFileSync, writeFileSync } from 'node:fs';
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

describe('one stage after a rollback (15.8)', () => {
  it('a version entering an exclusive stage leaves archived', async () => {
    const p = await newProject();
    for (const v of ['1.0.0', '1.1.0']) {
      p.file('vad.bin', `\0weights ${v}`);
      await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', v]);
      await cliPasses(p.dir, ['promote', `vad@${v}`, 'staging']);
      await cliPasses(p.dir, ['promote', `vad@${v}`, 'production']);
    }
    expect((await cliPasses(p.dir, ['show', 'vad@1.0.0', '--json'])).json.stages).toStrictEqual(['archived']);
    // What a rollback does: promote the version it returns to, forced.
    const back = await cliPasses(p.dir, ['promote', 'vad@1.0.0', 'production', '--force', '--reason', 'rollback', '--json']);
    expect(back.json).toMatchObject({ left: ['archived'], displaced: [{ version: '1.1.0', to: 'archived' }], stages: ['production'] });
    const ls = await cliPasses(p.dir, ['ls', 'vad', '--json']);
    expect(ls.json.map((r: { stages: string[] }) => r.stages)).toStrictEqual([['production'], ['archived']]);
    await cliPasses(p.dir, ['verify']);
  });

  it('verify reports a version in two stages that exclude each other, and promoting again settles it', async () => {
    const p = await newProject();
    const config = (retire: boolean) => `format: 1\nstages:\n  staging: {}\n  production: {exclusive: true}\n  archived: {retire: ${retire}}\n`;
    writeFileSync(join(p.store, 'config.yaml'), config(false));
    p.file('vad.bin', '\0weights');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '1.0.0']);
    await cliPasses(p.dir, ['promote', 'vad@1.0.0', 'production']);
    await cliPasses(p.dir, ['promote', 'vad@1.0.0', 'archived']);
    writeFileSync(join(p.store, 'config.yaml'), config(true));
    const r = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).problems).toStrictEqual([
      { code: 'STAGES_EXCLUDE', message: 'vad@1.0.0 is in production and archived, which exclude each other (archived retires a version); settle it with mreg promote vad@1.0.0 production (or mreg demote vad@1.0.0 production)' },
    ]);
    const again = await cliPasses(p.dir, ['promote', 'vad@1.0.0', 'production', '--json']);
    expect(again.json).toMatchObject({ unchanged: false, left: ['archived'], stages: ['production'] });
    await cliPasses(p.dir, ['verify']);
  });
});

describe('rules per model (15.7)', () => {
  const CONFIG = `format: 1
stages:
  staging: {}
  production: {exclusive: true, from: [staging], checks: [smoke, vad-latency], models: ['v*', intent]}
checks:
  smoke: {command: [sh, -c, 'true']}
  vad-only: {command: [sh, -c, 'exit 3'], models: [vad]}
models:
  vad:
    checks:
      vad-latency: {command: [sh, -c, 'test "$MREG_MODEL" = vad']}
`;
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    writeFileSync(join(p.store, 'config.yaml'), CONFIG);
    p.file('m.bin', '\0weights');
    for (const model of ['vad', 'intent', 'other']) await cliPasses(p.dir, ['register', model, 'm.bin', '--version', '1.0.0']);
  });

  it('a check scoped to vad runs on vad only; models.vad.checks adds vad-only checks', async () => {
    const intent = await cliPasses(p.dir, ['check', 'intent@1.0.0', '--json']);
    expect(intent.json.results.map((r: { check: string }) => r.check)).toStrictEqual(['smoke']);
    const vad = await runMreg(['check', 'vad@1.0.0', '--json'], { cwd: p.dir });
    expect(vad.code).toBe(1);
    expect(JSON.parse(vad.stdout).results.map((r: { check: string; passed: boolean }) => [r.check, r.passed])).toStrictEqual([['smoke', true], ['vad-only', false], ['vad-latency', true]]);
    await cliFails(p.dir, ['check', 'intent@1.0.0', '--only', 'vad-only'], 2, /check "vad-only" does not apply to intent \(its models: vad\)/);
    expect((await runMreg(['check', 'vad@1.0.0', '--only', 'vad-only'], { cwd: p.dir })).stdout).toMatch(/^vad@1\.0\.0: 0\/1 check passed$/m);
    expect((await runMreg(['check', 'vad@1.0.0', '--only', 'vad-only', '--json'], { cwd: p.dir })).stderr).toMatch(/vad@1\.0\.0: 1 of 1 check failed: vad-only/);
    await cliFails(p.dir, ['check', 'intent@1.0.0', '--only', 'vad-latency'], 2, /no check named "vad-latency" for intent \(checks: smoke\)/);
  });

  it('a stage requires of each model only the checks that apply to it, and its rules only of the models it names', async () => {
    await cliPasses(p.dir, ['promote', 'intent@1.0.0', 'staging']);
    // intent has passed smoke (above); vad-latency is vad's own check, so production does not ask it of intent.
    await cliPasses(p.dir, ['promote', 'intent@1.0.0', 'production']);
    p.file('m.bin', '\0weights 1.1.0');
    await cliPasses(p.dir, ['register', 'vad', 'm.bin', '--version', '1.1.0']);
    await cliPasses(p.dir, ['promote', 'vad@1.1.0', 'staging']);
    await cliPasses(p.dir, ['check', 'vad@1.1.0', '--only', 'smoke']);
    await cliFails(p.dir, ['promote', 'vad@1.1.0', 'production'], 1, /^mreg: cannot promote vad@1\.1\.0 to production: production requires check 'vad-latency', which has not been run on vad@1\.1\.0 \(run mreg check vad@1\.1\.0\)$/);
    await cliPasses(p.dir, ['check', 'vad@1.1.0', '--only', 'vad-latency']);
    await cliPasses(p.dir, ['promote', 'vad@1.1.0', 'production']);
    // other is outside production's models: neither from nor checks apply to it.
    const other = await cliPasses(p.dir, ['promote', 'other@1.0.0', 'production', '--json']);
    expect(other.json).toMatchObject({ forced: false, stages: ['production'] });
  });

  it('the config is checked strictly: a bad glob or an unknown key exits 2 naming the key', async () => {
    const bad = async (config: string, message: RegExp) => {
      writeFileSync(join(p.store, 'config.yaml'), config);
      await cliFails(p.dir, ['ls'], 2, message);
    };
    await bad(CONFIG.replace("models: [vad]", "models: ['VAD']"), /checks\.vad-only\.models\[0\]: invalid model glob "VAD"/);
    await bad(CONFIG.replace("models: ['v*', intent]", 'models: []'), /stages\.production\.models: expected a non-empty list/);
    await bad(CONFIG.replace('    checks:\n', '    check:\n'), /models\.vad.*check/);
    await bad(CONFIG.replace("vad-latency: {command", "smoke: {command"), /models\.vad\.checks\.smoke: a check named "smoke" is already under checks:/);
    writeFileSync(join(p.store, 'config.yaml'), CONFIG);
  });
});

describe('deploy diagnostics (15.9)', () => {
  it("a failing command check's stderr (first 2 KB) is kept and shown, control characters escaped", async () => {
    const p = await newProject();
    writeFileSync(join(p.store, 'config.yaml'), 'format: 1\ntargets:\n  prod: {adapter: local, options: {dir: ./deploy}, playbook: prod.yaml}\n');
    p.file('.modelreg/playbooks/prod.yaml', `deploy:\n  - deploy: {}\n  - health: {command: [sh, -c, 'printf "model \\\\033[31mnot loaded\\\\n" >&2; head -c 5000 /dev/zero | tr "\\\\0" x >&2; exit 1'], retries: 1}\nrollback:\n  - deploy: {}\n`);
    p.file('vad.bin', '\0weights');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '1.0.0']);
    const r = await runMreg(['deploy', 'vad@1.0.0', '--target', 'prod', '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    const detail: string = JSON.parse(r.stdout).failed_step.detail;
    expect(detail.startsWith('model \u001b[31mnot loaded\nxxx')).toBe(true);
    expect(Buffer.byteLength(detail)).toBe(2048);
    const status = await cliPasses(p.dir, ['status', 'vad', '--target', 'prod', '--json']);
    expect(status.json.last).toMatchObject({ event: 'deploy', phase: 'failed', failed_step: 'health', detail });
    const text = await cliPasses(p.dir, ['status', 'vad', '--target', 'prod']);
    expect(text.stdout).toContain('\n    | model \\u001b[31mnot loaded\n    | xxx');
    expect(text.stdout).not.toContain('\u001b');
    const history = await cliPasses(p.dir, ['history', 'vad', '--json']);
    expect(history.json.at(-1)).toMatchObject({ event: 'deploy', phase: 'failed', detail });
  });
});

describe('routing per target (15.10)', () => {
  it('route --target splits one target; the local adapter keeps a release per routed version and writes routes.json', async () => {
    const p = await newProject();
    const target = (name: string) => `  ${name}: {adapter: local, options: {dir: ./${name}}, playbook: canary.yaml}\n`;
    writeFileSync(join(p.store, 'config.yaml'), `format: 1\ntargets:\n${target('eu')}${target('us')}`);
    p.file('.modelreg/playbooks/canary.yaml', 'deploy:\n  - deploy: {}\n  - route: 10%\nrollback:\n  - deploy: {}\n');
    for (const v of ['1.0.0', '1.1.0']) {
      p.file('vad.bin', `\0weights ${v}`);
      await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', v]);
    }
    await cliPasses(p.dir, ['deploy', 'vad@1.0.0', '--target', 'eu']);
    await cliPasses(p.dir, ['deploy', 'vad@1.1.0', '--target', 'eu']);
    const routes = () => JSON.parse(readFileSync(join(p.dir, 'eu', 'routes.json'), 'utf8'));
    expect(routes()).toStrictEqual({
      model: 'vad',
      routes: [
        { version: '1.1.0', weight: 0.1, directory: 'releases/vad@1.1.0' },
        { version: '1.0.0', weight: 0.9, directory: 'releases/vad@1.0.0' },
      ],
    });
    for (const r of routes().routes) expect(readFileSync(join(p.dir, 'eu', r.directory, 'vad.bin'), 'utf8')).toBe(`\0weights ${r.version}`);

    // us splits differently, set by hand; eu keeps its own split.
    await cliPasses(p.dir, ['deploy', 'vad@1.0.0', '--target', 'us']);
    const set = await cliPasses(p.dir, ['route', 'set', 'vad', '1.0.0=0.5', '1.1.0=0.5', '--target', 'us', '--json']);
    expect(set.json).toMatchObject({ model: 'vad', target: 'us', split: [{ version: '1.0.0', weight: 0.5 }, { version: '1.1.0', weight: 0.5 }] });
    expect(JSON.parse(readFileSync(join(p.dir, 'us', 'routes.json'), 'utf8')).routes.map((r: { directory: string }) => r.directory)).toStrictEqual(['releases/vad@1.0.0', 'releases/vad@1.1.0']);
    expect((await cliPasses(p.dir, ['route', 'show', 'vad', '--target', 'eu', '--json'])).json.split).toStrictEqual([{ version: '1.1.0', weight: 0.1 }, { version: '1.0.0', weight: 0.9 }]);
    expect((await cliPasses(p.dir, ['route', 'show', 'vad', '--target', 'us'])).stdout).toBe('1.0.0\t0.5\n1.1.0\t0.5\n');
    expect((await cliPasses(p.dir, ['status', 'vad', '--target', 'eu', '--json'])).json.routing.split[0]).toStrictEqual({ version: '1.1.0', weight: 0.1 });
    await cliFails(p.dir, ['route', 'show', 'vad', '--target', 'euu'], 2, /unknown target "euu" \(targets in config\.yaml: eu, us\); did you mean eu\?/);

    // A rollback routes everything back to one version.
    await cliPasses(p.dir, ['rollback', 'vad', '--target', 'eu']);
    expect(routes().routes).toStrictEqual([{ version: '1.0.0', weight: 1, directory: 'releases/vad@1.0.0' }]);
  });
});

describe('text and output (15.11)', () => {
  let p: Project;
  const PIN = `s3://lake/vad-train#sha256=${'0123456789abcdef'.repeat(4)}`;
  beforeAll(async () => {
    p = await newProject();
    writeFileSync(join(p.store, 'config.yaml'), `format: 1\ntargets:\n  prod: {adapter: local, options: {dir: ./deploy}, playbook: prod.yaml}\n`);
    const steps = Array.from({ length: 10 }, () => '  - wait: 1ms').join('\n');
    p.file('.modelreg/playbooks/prod.yaml', `deploy:\n  - deploy: {}\n${steps}\nrollback:\n  - deploy: {}\n`);
    p.file('vad.bin', '\0weights 1');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '1.0.0', '--metric', 'recall=0.9', '--metric', 'loss=0.2', '--metric', 'f1=0.5', '--data', PIN]);
    p.file('vad.bin', '\0weights 2');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '1.1.0', '--metric', 'recall=0.95', '--metric', 'loss=0.3', '--metric', 'f1=0.5']);
    await cliPasses(p.dir, ['promote', 'vad@1.1.0', 'staging']);
  });

  it('diff labels each metric better, worse or same in words', async () => {
    const r = await cliPasses(p.dir, ['diff', 'vad@1.0.0', 'vad@1.1.0']);
    const row = (name: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${name} `))!.trim().split(/\s+/);
    expect(row('recall').at(-1)).toBe('better');
    expect(row('loss').at(-1)).toBe('worse');
    expect(row('f1').at(-1)).toBe('same');
  });

  it('plurals: "1 file", "2 files"', async () => {
    const one = await cliPasses(p.dir, ['export', 'vad@1.0.0', 'out']);
    expect(one.stdout).toMatch(/^exported vad@1\.0\.0 \(1 file\) to out$/m);
    expect((await cliPasses(p.dir, ['verify'])).stdout).toMatch(/^ok: 2 manifests, 2 blobs /m);
  });

  it('the --dry-run plan lines up in columns, each phase named once', async () => {
    await cliPasses(p.dir, ['deploy', 'vad@1.0.0', '--target', 'prod']);
    const plan = (await cliPasses(p.dir, ['deploy', 'vad@1.1.0', '--target', 'prod', '--dry-run'])).stdout.split('\n').slice(1, -1);
    expect(plan).toHaveLength(12);
    expect(plan[0]).toMatch(/^deploy: {22}1\. /);
    expect(plan[9]).toMatch(/^ {28}10\. wait/);
    expect(plan[11]).toMatch(/^if a step fails, roll back: {2}1\. /);
    // Every step's text starts in the same column.
    expect(new Set(plan.map((l) => /\d+\. /.exec(l)!.index + /\d+\. /.exec(l)![0].length)).size).toBe(1);
    const back = (await cliPasses(p.dir, ['rollback', 'vad', '--target', 'prod', '--to', '1.0.0', '--dry-run'])).stdout;
    expect(back).toMatch(/\nroll back: 1\. /);
  });

  it('export k8s writes YAML without anchors or aliases', async () => {
    const r = await cliPasses(p.dir, ['export', 'k8s', 'vad@1.0.0']);
    expect(r.stdout).toContain('version: 1.0.0');
    expect(r.stdout).not.toMatch(/[&*]a\d+/);
  });

  it('lineage --format dot shows stages on nodes and a #sha256= pin cut to 12 characters; JSON keeps it whole', async () => {
    const dot = (await cliPasses(p.dir, ['lineage', 'vad@1.1.0', '--format', 'dot'])).stdout;
    expect(dot).toContain('label="vad@1.1.0\\nmodel\\n[staging]"');
    const up = (await cliPasses(p.dir, ['lineage', 'vad@1.0.0', '--format', 'dot'])).stdout;
    expect(up).toContain('label="s3://lake/vad-train#sha256=0123456789ab\\nexternal"');
    const json = (await cliPasses(p.dir, ['lineage', 'vad@1.0.0', '--json'])).json;
    expect(json.nodes.map((n: { id: string }) => n.id)).toContain(PIN);
  });

  it('ls marks pruned versions', async () => {
    // 1.0.0 is live on prod (above), so gc keeps it; 0.9.0 is pruned.
    p.file('vad.bin', '\0weights 0');
    await cliPasses(p.dir, ['register', 'vad', 'vad.bin', '--version', '0.9.0']);
    writeFileSync(join(p.store, 'config.yaml'), `${readFileSync(join(p.store, 'config.yaml'), 'utf8')}retention: {keep_last: 1, protect: []}\n`);
    await cliPasses(p.dir, ['gc']);
    const json = (await cliPasses(p.dir, ['ls', 'vad', '--json'])).json;
    expect(json.map((r: { version: string; pruned: boolean }) => [r.version, r.pruned])).toStrictEqual([['0.9.0', true], ['1.0.0', false], ['1.1.0', false]]);
    const text = (await cliPasses(p.dir, ['ls', 'vad'])).stdout.split('\n');
    expect(text[0]).toMatch(/^VERSION\s+HASH\s+CREATED\s+STAGES\s+PRUNED\s+MESSAGE$/);
    expect(text[3]).toMatch(/^0\.9\.0 .*\spruned\s*$/);
    expect(text[2]).not.toMatch(/pruned/);
  });
});
