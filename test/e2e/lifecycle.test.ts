// Stages, promotion rules, checks, history and version references, through the built mreg.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg, runMregProcess } from '../helpers/cli.js';
import { writeOnnx } from '../helpers/model-fixtures.js';
import { newProject, type Project } from '../helpers/store.js';

async function withVersions(versions: string[], config?: string): Promise<Project> {
  const p = await newProject();
  if (config) writeFileSync(join(p.store, 'config.yaml'), config);
  for (const v of versions) {
    p.file('model.bin', `weights ${v}`);
    await cliPasses(p.dir, ['register', 'fraud', 'model.bin', '--version', v, '--metric', `auc=0.${v.replace(/\D/g, '')}`]);
  }
  return p;
}

const stagesOf = async (p: Project, ref: string) => (await cliPasses(p.dir, ['show', ref, '--json'])).json.stages;

describe('default stages', () => {
  it('production is reached only through staging and archives the version it replaces', async () => {
    const p = await withVersions(['1.0.0', '1.1.0']);
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'production'], 1, /cannot promote fraud@1\.0\.0 to production: production can only be entered from staging, and fraud@1\.0\.0 is in no stage/);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    const first = await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production', '--reason', 'first release', '--json']);
    expect(first.json).toMatchObject({ model: 'fraud', version: '1.0.0', stage: 'production', unchanged: false, forced: false, left: ['staging'], displaced: [], stages: ['production'] });
    expect(await stagesOf(p, 'fraud@1.0.0')).toStrictEqual(['production']);

    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
    const second = await cliPasses(p.dir, ['promote', 'fraud@staging', 'production', '--json']);
    expect(second.json).toMatchObject({ version: '1.1.0', displaced: [{ version: '1.0.0', to: 'archived' }] });
    expect(await stagesOf(p, 'fraud@1.0.0')).toStrictEqual(['archived']);
    expect((await cliPasses(p.dir, ['show', 'fraud@production', '--json'])).json.version).toBe('1.1.0');
    const again = await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'production']);
    expect(again.stdout).toMatch(/already in production; nothing changed/);

    const ls = await cliPasses(p.dir, ['ls', '--json']);
    expect(ls.json[0]).toMatchObject({ model: 'fraud', version: '1.1.0', stages: ['production'], by_stage: { archived: ['1.0.0'], production: ['1.1.0'] } });
    const versions = (await cliPasses(p.dir, ['ls', 'fraud', '--json'])).json;
    expect(versions.map((r: { stages: string[] }) => r.stages)).toStrictEqual([['archived'], ['production']]);
    expect((await cliPasses(p.dir, ['ls'])).stdout).toMatch(/fraud\s+1\.1\.0\s+2 versions\s+production=1\.1\.0/);
  });

  it('--force overrides the rules and is recorded; demote takes a version out', async () => {
    const p = await withVersions(['1.0.0']);
    const forced = await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production', '--force', '--reason', 'hotfix', '--json']);
    expect(forced.json.forced).toBe(true);
    const history = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json;
    expect(history.at(-1)).toMatchObject({ event: 'promote', stage: 'production', forced: true, overridden: ['from'], reason: 'hotfix', actor: 'tester@example.com' });
    await cliPasses(p.dir, ['demote', 'fraud@1.0.0', 'production', '--reason', 'bad']);
    expect(await stagesOf(p, 'fraud@1.0.0')).toStrictEqual([]);
    await cliFails(p.dir, ['demote', 'fraud@1.0.0', 'production'], 1, /fraud@1\.0\.0 is not in production/);
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'prod'], 2, /unknown stage "prod" \(stages in config\.yaml: staging, production, archived\)/);
    await cliFails(p.dir, ['show', 'fraud@production'], 1, /no version of fraud is in production/);
  });

  it('promoting again reports nothing changed; demote takes the version out of that stage only, in JSON', async () => {
    const p = await withVersions(['1.0.0'], 'format: 1\nstages:\n  staging: {}\n  canary: {}\n  qa: {}\n');
    expect((await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging', '--json'])).json).toMatchObject({ unchanged: false, forced: false, left: [], displaced: [], stages: ['staging'] });
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'canary']);
    const notThere = await cliFails(p.dir, ['demote', 'fraud@1.0.0', 'qa', '--json'], 1, /^fraud@1\.0\.0 is not in qa \(it is in canary, staging\)$/);
    expect(notThere.json.error.code).toBe('REFUSED');
    const again = (await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'canary', '--json'])).json;
    expect(again).toStrictEqual({ model: 'fraud', version: '1.0.0', stage: 'canary', unchanged: true, forced: false, left: [], displaced: [], stages: ['canary', 'staging'] });
    const demoted = (await cliPasses(p.dir, ['demote', 'fraud@1.0.0', 'canary', '--reason', 'noisy', '--json'])).json;
    expect(demoted).toMatchObject({ model: 'fraud', version: '1.0.0', stage: 'canary', unchanged: false, forced: false, left: ['canary'], displaced: [], stages: ['staging'] });
    expect(demoted.event).toMatchObject({ event: 'demote', version: '1.0.0', stage: 'canary', reason: 'noisy', actor: 'tester@example.com' });
    expect(Date.parse(demoted.event.time)).not.toBeNaN();
    await cliFails(p.dir, ['demote', 'fraud@1.0.0', 'canary'], 1, /^mreg: fraud@1\.0\.0 is not in canary \(it is in staging\)$/);
    await cliPasses(p.dir, ['demote', 'fraud@1.0.0', 'staging']);
    await cliFails(p.dir, ['demote', 'fraud@1.0.0', 'staging'], 1, /^mreg: fraud@1\.0\.0 is not in staging \(it is in no stage\)$/);
  });

  it('--force into an exclusive stage still displaces the version that held it', async () => {
    const p = await withVersions(['1.0.0', '1.1.0']);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);
    // 1.1.0 skips staging: only --force lets it in, and production still holds one version.
    const forced = await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'production', '--force', '--json']);
    expect(forced.json).toMatchObject({ version: '1.1.0', forced: true, displaced: [{ version: '1.0.0', to: 'archived' }], stages: ['production'] });
    expect(await stagesOf(p, 'fraud@1.0.0')).toStrictEqual(['archived']);
    expect(await stagesOf(p, 'fraud@1.1.0')).toStrictEqual(['production']);
    expect((await cliPasses(p.dir, ['ls', '--json'])).json[0].by_stage).toStrictEqual({ archived: ['1.0.0'], production: ['1.1.0'] });
    expect((await cliPasses(p.dir, ['show', 'fraud@production', '--json'])).json.version).toBe('1.1.0');
    expect((await cliPasses(p.dir, ['history', 'fraud', '--json'])).json.at(-1)).toMatchObject({
      event: 'promote',
      version: '1.1.0',
      forced: true,
      overridden: ['from'],
      displaced: [{ version: '1.0.0', left: ['production'], to: 'archived' }],
    });
  });
});

describe('history and --at', () => {
  it('records every event oldest first, filters by stage, and answers what was in production at a past moment', async () => {
    const p = await withVersions(['1.0.0', '2.0.0']);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);
    await new Promise((r) => setTimeout(r, 30));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    await cliPasses(p.dir, ['promote', 'fraud@2.0.0', 'staging']);
    await cliPasses(p.dir, ['promote', 'fraud@2.0.0', 'production']);
    const events = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json;
    expect(events.map((e: { event: string; version: string; stage?: string }) => `${e.event} ${e.version} ${e.stage ?? ''}`.trim())).toStrictEqual([
      'register 1.0.0',
      'register 2.0.0',
      'promote 1.0.0 staging',
      'promote 1.0.0 production',
      'promote 2.0.0 staging',
      'promote 2.0.0 production',
    ]);
    for (const e of events) expect(Object.keys(e)).toEqual(expect.arrayContaining(['time', 'event', 'version', 'actor', 'id']));
    const prodOnly = (await cliPasses(p.dir, ['history', 'fraud', '--stage', 'production', '--json'])).json;
    expect(prodOnly.map((e: { version: string }) => e.version)).toStrictEqual(['1.0.0', '2.0.0']);
    expect((await cliPasses(p.dir, ['show', 'fraud@production', '--at', between, '--json'])).json).toMatchObject({ version: '1.0.0', stages: ['production'] });
    expect((await cliPasses(p.dir, ['show', 'fraud@production', '--json'])).json.version).toBe('2.0.0');
    await cliFails(p.dir, ['show', 'fraud@production', '--at', '2000-01-01T00:00:00Z'], 1, /no version of fraud is in production at 2000/);
    await cliFails(p.dir, ['show', 'fraud', '--at', 'yesterday'], 2, /--at "yesterday": expected an ISO 8601 time/);
    expect((await cliPasses(p.dir, ['history', 'fraud'])).stdout).toMatch(/promote\s+2\.0\.0\s+to production; 1\.0\.0 -> archived/);
  });

  it('a torn last line is a warning and later appends still work; an edited line is a problem and is skipped', async () => {
    const p = await withVersions(['1.0.0', '1.1.0']);
    const file = join(p.store, 'history/fraud.jsonl');
    appendFileSync(file, '{"event":"promote","version":"1.0.0","sta'); // a crash mid-append
    const torn = await cliPasses(p.dir, ['verify', '--json']);
    expect(torn.json.ok).toBe(true);
    expect(torn.json.warnings.map((w: { code: string }) => w.code)).toStrictEqual(['HISTORY_TORN']);
    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ event: 'promote', version: '1.1.0' }); // on its own line
    expect((await cliPasses(p.dir, ['show', 'fraud@staging', '--json'])).json.version).toBe('1.1.0');

    // Someone rewrites history: 1.1.0 was never in staging, they say.
    writeFileSync(file, readFileSync(file, 'utf8').replace('"stage":"staging"', '"stage":"production"'));
    const edited = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(edited.code).toBe(1);
    expect(JSON.parse(edited.stdout).problems.map((x: { code: string }) => x.code)).toContain('HISTORY_DAMAGED');
    const h = await cliPasses(p.dir, ['history', 'fraud']);
    expect(h.stderr).toMatch(/warning: history\/fraud\.jsonl:\d+: checksum does not match \(the line was edited\); skipped/);
    await cliFails(p.dir, ['show', 'fraud@production'], 1, /no version of fraud is in production/);
  });
});

describe('checks', () => {
  const config = `format: 1
stages:
  staging: {}
  production: {exclusive: true, from: [staging], replaced_to: archived, checks: [has-weights, auc-gate]}
  archived: {retire: true}
checks:
  has-weights:
    command: [sh, -c, 'test -s "$MREG_PATH/model.bin" && test "$MREG_MODEL" = fraud && test -n "$MREG_VERSION" && test -n "$MREG_HASH"']
  auc-gate:
    command: [sh, -c, 'echo "checking $MREG_MODEL@$MREG_VERSION"; case "$MREG_VERSION" in 1.0.0) exit 0;; *) echo "auc below 0.9" >&2; exit 3;; esac']
    timeout: 20s
  slow:
    command: [sleep, '30']
    timeout: 300ms
`;

  it('runs checks with the files and env, records results, and promotion requires passing ones', async () => {
    const p = await withVersions(['1.0.0', '1.1.0'], config);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    await cliFails(p.dir, ['promote', 'fraud@1.0.0', 'production'], 1, /requires check 'has-weights', which has not been run on fraud@1\.0\.0.*requires check 'auc-gate'/);
    const ok = await cliPasses(p.dir, ['check', 'fraud@1.0.0', '--only', 'has-weights', '--only', 'auc-gate', '--json']);
    expect(ok.json).toMatchObject({ model: 'fraud', version: '1.0.0', ok: true });
    expect(ok.json.results.map((r: { check: string; passed: boolean; exit_code: number }) => [r.check, r.passed, r.exit_code])).toStrictEqual([
      ['has-weights', true, 0],
      ['auc-gate', true, 0],
    ]);
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);

    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
    const failed = await runMreg(['check', 'fraud@1.1.0', '--only', 'has-weights', '--only', 'auc-gate'], { cwd: p.dir });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAIL {2}auc-gate {2}\(exit 3/);
    expect(failed.stdout).toMatch(/auc below 0\.9/);
    await cliFails(p.dir, ['promote', 'fraud@1.1.0', 'production'], 1, /requires check 'auc-gate', which failed on fraud@1\.1\.0/);
    const events = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json.filter((e: { event: string }) => e.event === 'check');
    expect(events.map((e: { version: string; check: string; passed: boolean }) => `${e.version} ${e.check} ${e.passed}`)).toStrictEqual([
      '1.0.0 has-weights true',
      '1.0.0 auc-gate true',
      '1.1.0 has-weights true',
      '1.1.0 auc-gate false',
    ]);
  });

  it('a check that runs too long is killed and fails; an unknown check is bad input', async () => {
    const p = await withVersions(['1.0.0'], config);
    const slow = await runMreg(['check', 'fraud', '--only', 'slow', '--json'], { cwd: p.dir });
    expect(slow.code).toBe(1);
    expect(JSON.parse(slow.stdout).results[0]).toMatchObject({ check: 'slow', passed: false, timed_out: true });
    await cliFails(p.dir, ['check', 'fraud', '--only', 'nope'], 2, /no check named "nope"/);
  });
});

describe('config', () => {
  it.each([
    ['stages:\n  prod: {from: [staging]}\n', /config\.yaml: stages\.prod\.from\[0\]: unknown stage "staging"/],
    ['stages:\n  Prod: {}\n', /config\.yaml: stages\.Prod: invalid stage name/],
    ['stages:\n  1st: {}\n', /stages\.1st: invalid stage name: it must start with a letter/],
    ['stages:\n  latest: {}\n', /stages\.latest: invalid stage name: it is reserved/],
    ['stages:\n  a: {exclusive: yes}\n', /stages\.a\.exclusive: expected true or false/],
    ['stages:\n  a: {checks: [x]}\n', /stages\.a\.checks\[0\]: no check named "x"/],
    ['checks:\n  x: {command: sh}\n', /checks\.x\.command: expected a list/],
    ['checks:\n  x: {command: [sh], timeout: soon}\n', /checks\.x\.timeout: expected a duration like 30s/],
    ['metrics: {auc: up}\n', /metrics\.auc: expected 'higher' or 'lower'/],
  ])('refuses %j naming the path (exit 2)', async (text, why) => {
    const p = await newProject();
    writeFileSync(join(p.store, 'config.yaml'), `format: 1\n${text}`);
    await cliFails(p.dir, ['ls'], 2, why);
  });

  it('custom stages: a canary that must come from staging, a non-exclusive champion', async () => {
    const p = await withVersions(['1.0.0', '1.1.0', '1.2.0'], 'format: 1\nstages:\n  staging: {}\n  canary: {exclusive: true, from: [staging]}\n  champion: {}\n');
    for (const v of ['1.0.0', '1.2.0']) await cliPasses(p.dir, ['promote', `fraud@${v}`, 'champion']);
    expect((await cliPasses(p.dir, ['show', 'fraud@champion', '--json'])).json.version).toBe('1.2.0'); // the highest
    await cliFails(p.dir, ['promote', 'fraud@1.1.0', 'canary'], 1, /canary can only be entered from staging/);
    await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
    const r = await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'canary', '--json']);
    expect(r.json).toMatchObject({ left: ['staging'], stages: ['canary'] });
  });
});

describe('references', () => {
  it('resolves versions, latest, stages and semver ranges', async () => {
    const p = await withVersions(['1.0.0', '1.2.0', '1.2.5', '1.3.0', '2.0.0', '2.1.0-rc.1']);
    const version = async (ref: string) => (await cliPasses(p.dir, ['show', ref, '--json'])).json.version;
    expect(await version('fraud')).toBe('2.1.0-rc.1');
    expect(await version('fraud@latest')).toBe('2.1.0-rc.1');
    expect(await version('fraud@^1.2')).toBe('1.3.0');
    expect(await version('fraud@~1.2.0')).toBe('1.2.5');
    expect(await version('fraud@1.x')).toBe('1.3.0');
    expect(await version('fraud@<2')).toBe('1.3.0');
    expect(await version('fraud@>=1.2.0 <1.2.5')).toBe('1.2.0');
    await cliFails(p.dir, ['show', 'fraud@^3'], 1, /no version of fraud matches \^3/);
    await cliFails(p.dir, ['show', 'fraud@not a range!'], 2, /invalid reference "fraud@not a range!": after @ comes a version/);
    const exported = await cliPasses(p.dir, ['export', 'fraud@^1.2', 'out', '--json']);
    expect(exported.json.version).toBe('1.3.0');
  });
});

describe('diff', () => {
  it('compares metrics with direction, params, artifacts, data and pipeline', async () => {
    const p = await newProject();
    p.file('m/w.bin', 'w1');
    p.file('m/cfg.json', '{}');
    p.file('meta.yaml', 'data: {name: tx, version: "1"}\n');
    await cliPasses(p.dir, ['register', 'fraud', 'm', '--version', '1.0.0', '--metric', 'auc=0.8', '--metric', 'loss=0.5', '--param', 'lr=0.1', '--param', 'depth=6', '--meta', 'meta.yaml']);
    p.file('m/w.bin', 'w2 longer');
    p.file('m/extra.txt', 'x');
    p.file('meta.yaml', 'data: {name: tx, version: "2"}\n');
    await cliPasses(p.dir, ['register', 'fraud', 'm', '--version', '1.1.0', '--metric', 'auc=0.9', '--metric', 'loss=0.6', '--param', 'lr=0.05', '--param', 'depth=6', '--meta', 'meta.yaml']);
    const d = (await cliPasses(p.dir, ['diff', 'fraud@1.0.0', 'fraud@1.1.0', '--json'])).json;
    expect(d.metrics.auc).toMatchObject({ a: 0.8, b: 0.9, direction: 'higher', improved: true });
    expect(d.metrics.auc.delta).toBeCloseTo(0.1, 10);
    expect(d.metrics.auc.relative).toBeCloseTo(0.125, 10);
    expect(d.metrics.loss).toMatchObject({ a: 0.5, b: 0.6, direction: 'lower', improved: false });
    expect(d.params).toStrictEqual({ lr: { a: 0.1, b: 0.05 } });
    expect(d.artifacts.added.map((x: { path: string }) => x.path)).toStrictEqual(['extra.txt']);
    expect(d.artifacts.removed).toStrictEqual([]);
    expect(d.artifacts.changed.map((x: { path: string }) => x.path)).toStrictEqual(['w.bin']);
    expect(d.artifacts.unchanged).toBe(1);
    expect(d.data).toStrictEqual({ a: { name: 'tx', version: '1' }, b: { name: 'tx', version: '2' } });
    const human = await cliPasses(p.dir, ['diff', 'fraud@1.0.0', 'fraud@1.1.0']);
    expect(human.stdout).toMatch(/auc\s+0\.8\s+0\.9\s+\+0\.1 \(\+12\.5%\)/);
    expect(human.stdout).toMatch(/\+ extra\.txt/);
  });
});

describe('diff of interfaces', () => {
  it('lists the interface findings between two versions and the bump they require', async () => {
    const p = await newProject();
    const input = { name: 'x', dtype: 'float32' as const, shape: ['batch', 32] };
    await writeOnnx(join(p.dir, 'model.onnx'), { inputs: [input], outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 2] }, { name: 'hn', dtype: 'float32', shape: ['batch', 64] }] });
    await cliPasses(p.dir, ['register', 'rnn', 'model.onnx', '--version', '1.0.0']);
    await writeOnnx(join(p.dir, 'model.onnx'), { inputs: [input], outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 2] }] });
    await cliPasses(p.dir, ['register', 'rnn', 'model.onnx', '--version', '2.0.0']);
    const d = (await cliPasses(p.dir, ['diff', 'rnn@1.0.0', 'rnn@2.0.0', '--json'])).json;
    expect(d.required).toBe('major');
    expect(d.findings).toContainEqual(expect.objectContaining({ rule: 'output-removed', bump: 'major', subject: 'hn' }));
    expect((await cliPasses(p.dir, ['diff', 'rnn@1.0.0', 'rnn@2.0.0'])).stdout).toMatch(/interface changes \(require major\):\n {2}major: output 'hn' was removed \[output-removed\]/);
  });
});

describe('concurrent promotions', () => {
  it('8 processes promoting at once leave exactly one version in production and every event in the history', async () => {
    const versions = Array.from({ length: 8 }, (_, i) => `1.${i}.0`);
    const p = await withVersions(versions);
    for (const v of versions) await cliPasses(p.dir, ['promote', `fraud@${v}`, 'staging']);
    const results = await Promise.all(versions.map((v) => runMregProcess(['promote', `fraud@${v}`, 'production', '--json'], { cwd: p.dir })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const state = (await cliPasses(p.dir, ['ls', '--json'])).json[0].by_stage;
    expect(state.production).toHaveLength(1);
    expect(state.archived).toHaveLength(7);
    expect(state.staging).toBeUndefined();
    const promotions = (await cliPasses(p.dir, ['history', 'fraud', '--stage', 'production', '--json'])).json.filter((e: { event: string; stage: string }) => e.event === 'promote' && e.stage === 'production');
    expect(promotions).toHaveLength(8);
    // In file order, each promotion displaced exactly the one before it.
    for (let i = 1; i < promotions.length; i++) expect(promotions[i].displaced).toStrictEqual([{ version: promotions[i - 1].version, left: ['production'], to: 'archived' }]);
    expect(promotions.at(-1).version).toBe(state.production[0]);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);
  });
});
