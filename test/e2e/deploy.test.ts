// Deploy and rollback through real adapters, a real model server on loopback and real processes.
// Failure is the main path here: timeouts, throwing adapters, failed health, an interrupted
// rollback, two deploys racing for one target, a corrupt way back.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { cliFails, cliPasses, ROOT, runMreg, spawnMreg, testEnv } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { flipByte, newProject, type Project } from '../helpers/store.js';

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.kill('SIGKILL');
});

async function startServer(dir: string, port: number): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'examples/deploy/server.mjs'), dir, String(port)], { stdio: 'ignore' });
  servers.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('model server did not start');
}

const predict = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/predict?x=21`)).json()) as { version: string; prediction: number };

function configure(p: Project, targets: string, playbooks: Record<string, string>): void {
  appendFileSync(join(p.store, 'config.yaml'), `targets:\n${targets}`);
  mkdirSync(join(p.store, 'playbooks'), { recursive: true });
  for (const [file, text] of Object.entries(playbooks)) writeFileSync(join(p.store, 'playbooks', file), text);
}

async function registerModels(p: Project, versions: Record<string, object>): Promise<void> {
  for (const [version, model] of Object.entries(versions)) {
    p.file(`v${version}/model.json`, JSON.stringify({ version, ...model }));
    await cliPasses(p.dir, ['register', 'fraud', `v${version}`, '--version', version]);
  }
}

/**
 * The example target and playbook, as written, on a port of our own, with its waits shortened
 * (a 1 s monitor window polled every 200 ms instead of 5 s every 1 s): the steps and their outcomes are
 * the same, and the suite does not sit idle for them.
 */
function exampleTarget(port: number) {
  return {
    targets: `  prod:
    adapter: local
    options: { dir: ./deploy }
    playbook: prod.yaml        # in .modelreg/playbooks/
    stage: production
`,
    playbooks: {
      'prod.yaml': `deploy:
  - deploy: {}
  - health: { http: "http://127.0.0.1:${port}/health", expect_status: 200, timeout: 2s, retries: 5, interval: 200ms }
  - monitor: { window: 1s, interval: 200ms, failure_threshold: 1, checks: [ { http: "http://127.0.0.1:${port}/health", expect_status: 200 } ] }
rollback:
  - deploy: {}
  - health: { http: "http://127.0.0.1:${port}/health", expect_status: 200, timeout: 2s, retries: 5, interval: 200ms }
  - notify: { command: ["sh", "-c", "echo \\"rolled back $MREG_MODEL to $MREG_VERSION\\" >> alerts.log"] }
`,
    },
  };
}

describe('deploy with a real model server', () => {
  it('deploys v1, fails v2 on health, rolls back to v1 automatically, and the server answers from v1 again', async () => {
    const p = await newProject();
    const port = await freePort();
    const { targets, playbooks } = exampleTarget(port);
    configure(p, targets, playbooks);
    await registerModels(p, { '1.0.0': { weight: 2 }, '2.0.0': { broken: true } });
    await startServer(join(p.dir, 'deploy'), port);

    await cliFails(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'prod'], 1, /cannot promote fraud@1\.0\.0 to production: production can only be entered from staging/);
    expect(existsSync(join(p.dir, 'deploy'))).toBe(false); // refused before touching anything
    await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
    const first = await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'prod', '--json']);
    expect(first.json).toMatchObject({ ok: true, version: '1.0.0', previous: null, live: '1.0.0', promoted: { stage: 'production', displaced: [] } });
    expect(first.json.steps.map((s: { step: string; ok: boolean }) => `${s.step}:${s.ok}`)).toStrictEqual(['deploy:true', 'health:true', 'monitor:true']);
    expect(await predict(port)).toStrictEqual({ version: '1.0.0', prediction: 42 });
    expect(readlinkSync(join(p.dir, 'deploy/current'))).toBe('releases/fraud@1.0.0');

    await cliPasses(p.dir, ['promote', 'fraud@2.0.0', 'staging']);
    const second = await runMreg(['deploy', 'fraud@2.0.0', '--target', 'prod', '--json'], { cwd: p.dir });
    expect(second.code).toBe(1);
    const r = JSON.parse(second.stdout);
    expect(r).toMatchObject({ ok: false, version: '2.0.0', previous: '1.0.0', rolled_back_to: '1.0.0', rollback_ok: true, live: '1.0.0' });
    expect(r.failed_step).toMatchObject({ phase: 'deploy', index: 1, step: 'health' });
    expect(r.failed_step.error).toMatch(/answered 503, expected 200/);
    // Deploy diagnostics (issue 15.9): what the server answered is kept with the failure, the event and the status.
    const said = '{"healthy":false,"error":"the release is broken"}';
    expect(r.failed_step.detail).toBe(said);
    expect(r.steps.find((s: { ok: boolean }) => !s.ok).detail).toBe(`${r.failed_step.error}\n${said}`);
    expect(await predict(port)).toStrictEqual({ version: '1.0.0', prediction: 42 });
    expect(readFileSync(join(p.dir, 'alerts.log'), 'utf8')).toBe('rolled back fraud to 1.0.0\n');

    const status = (await cliPasses(p.dir, ['status', 'fraud', '--target', 'prod', '--json'])).json;
    expect(status).toMatchObject({ live: '1.0.0', adapter_live: '1.0.0', via: 'rollback', interrupted: null, last: { event: 'rollback', phase: 'succeeded', version: '1.0.0', detail: said } });
    expect((await cliPasses(p.dir, ['status', 'fraud', '--target', 'prod'])).stdout).toContain(`succeeded after deploy of 2.0.0 failed at health: ${r.failed_step.error}\n    | ${said}\n`);
    expect((await cliPasses(p.dir, ['show', 'fraud@production', '--json'])).json.version).toBe('1.0.0');
    const events = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json.filter((e: { event: string }) => e.event === 'deploy' || e.event === 'rollback');
    expect(events.map((e: { event: string; version: string; phase: string }) => `${e.event} ${e.version} ${e.phase}`)).toStrictEqual([
      'deploy 1.0.0 started',
      'deploy 1.0.0 succeeded',
      'deploy 2.0.0 started',
      'deploy 2.0.0 failed',
      'rollback 1.0.0 started',
      'rollback 1.0.0 succeeded',
    ]);
    expect(events.find((e: { phase: string }) => e.phase === 'failed')).toMatchObject({ failed_step: 'health', detail: said });
  });

  it('the example script runs end to end', () => {
    const r = spawnSync('bash', [join(ROOT, 'examples/deploy/run.sh')], { env: testEnv({ MREG_EXAMPLE_PORT: String(20000 + Math.floor(Math.random() * 20000)), MREG_EXAMPLE_WINDOW: '1s', MREG_EXAMPLE_INTERVAL: '200ms' }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/\{"version":"1\.0\.0","prediction":42\}/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/rolled back to 1\.0\.0, which is live again/);
    expect(r.stdout).toMatch(/^rolled back fraud to 1\.0\.0$/m);
    // The canary playbook's split, served by the local adapter (issue 15.10).
    expect(JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('{\n  "model"')))).toStrictEqual({
      model: 'fraud',
      routes: [
        { version: '3.0.0', weight: 0.1, directory: 'releases/fraud@3.0.0' },
        { version: '1.0.0', weight: 0.9, directory: 'releases/fraud@1.0.0' },
      ],
    });
  });
});

/** A target driven by the command adapter, whose commands write the live version to a file. */
function commandTarget(deployCmd: string, playbook: string, extra = '') {
  return {
    targets: `  box:
    adapter: command
    options:
      deploy: [sh, -c, '${deployCmd}']
      live: [sh, -c, 'cat live.txt 2>/dev/null || true']
${extra}    playbook: box.yaml
`,
    playbooks: { 'box.yaml': playbook },
  };
}

describe('failure paths', () => {
  it('a deploy step that times out is stopped and the live version restored', async () => {
    const p = await newProject();
    // 2.0.0 hangs; everything else deploys at once.
    const { targets, playbooks } = commandTarget('test "$MREG_VERSION" = 2.0.0 && sleep 30; echo "$MREG_VERSION" > live.txt', 'deploy:\n  - deploy: {timeout: 700ms}\n');
    configure(p, targets, playbooks);
    await registerModels(p, { '1.0.0': {}, '2.0.0': {} });
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'box']);
    const r = await runMreg(['deploy', 'fraud@2.0.0', '--target', 'box', '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, failed_step: { step: 'deploy', error: 'deploy did not finish within 700ms' }, rolled_back_to: '1.0.0', rollback_ok: true });
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('1.0.0\n');
  });

  it('an adapter plugin that throws triggers the rollback; a plugin missing a method is refused', async () => {
    const p = await newProject();
    p.file(
      'deploy/flaky-adapter.mjs',
      `import { writeFileSync, readFileSync } from 'node:fs';
export default function create(options) {
  return {
    async deploy(release, ctx) {
      if (release.version === options.bad) throw new Error('cluster said no');
      const dir = await release.artifacts();
      writeFileSync(ctx.projectDir + '/live.txt', JSON.parse(readFileSync(dir + '/model.json', 'utf8')).version);
    },
    async live(model, ctx) { try { return readFileSync(ctx.projectDir + '/live.txt', 'utf8'); } catch { return undefined; } },
  };
}
`,
    );
    p.file('deploy/half-adapter.mjs', 'export default { async deploy() {} };\n');
    configure(p, '  flaky:\n    adapter: ./deploy/flaky-adapter.mjs\n    options: {bad: 2.0.0}\n    playbook: p.yaml\n  half:\n    adapter: ./deploy/half-adapter.mjs\n    playbook: p.yaml\n', { 'p.yaml': 'deploy: [deploy: {}]\n' });
    await registerModels(p, { '1.0.0': {}, '2.0.0': {} });
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'flaky']);
    const r = await runMreg(['deploy', 'fraud@2.0.0', '--target', 'flaky', '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ failed_step: { step: 'deploy', error: 'deploy failed: cluster said no' }, rolled_back_to: '1.0.0', rollback_ok: true });
    expect((await cliPasses(p.dir, ['status', 'fraud', '--target', 'flaky', '--json'])).json).toMatchObject({ live: '1.0.0', adapter_live: '1.0.0' });
    await cliFails(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'half'], 2, /adapter \.\/deploy\/half-adapter\.mjs: missing method live\(\)/);
  });

  it('a rollback killed with SIGKILL is finished, idempotently, by the next rollback', async () => {
    const p = await newProject();
    const { targets, playbooks } = commandTarget(
      'echo "$MREG_VERSION" > live.txt; test "$MREG_VERSION" != 2.0.0',
      'deploy:\n  - deploy: {}\nrollback:\n  - wait: 4s\n  - deploy: {}\n',
    );
    configure(p, targets, playbooks);
    await registerModels(p, { '1.0.0': {}, '2.0.0': {} });
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'box']);
    const child = spawnMreg(['deploy', 'fraud@2.0.0', '--target', 'box'], { cwd: p.dir });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const history = join(p.store, 'history/fraud.jsonl');
    for (let i = 0; i < 200 && !/"event":"rollback"[^\n]*"phase":"started"|"phase":"started"[^\n]*"event":"rollback"/.test(readFileSync(history, 'utf8')); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL'); // mid-rollback: in its wait step, 2.0.0 still on the box
    await exited;
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('2.0.0\n');
    const before = (await cliPasses(p.dir, ['status', 'fraud', '--target', 'box', '--json'])).json;
    expect(before.interrupted).toMatchObject({ event: 'rollback', version: '1.0.0' });

    const resumed = await cliPasses(p.dir, ['rollback', 'fraud', '--target', 'box', '--json']);
    expect(resumed.json).toMatchObject({ ok: true, to: '1.0.0', from: '2.0.0', resumed: true });
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('1.0.0\n');
    const after = (await cliPasses(p.dir, ['status', 'fraud', '--target', 'box', '--json'])).json;
    expect(after).toMatchObject({ live: '1.0.0', interrupted: null, adapter_live: '1.0.0' });
    // Nothing is left to finish, and 1.0.0 was the first release: a further rollback has nowhere to go.
    await cliFails(p.dir, ['rollback', 'fraud', '--target', 'box'], 1, /nothing to roll back to: box has no earlier healthy deploy of fraud before 1\.0\.0/);
  });

  it('two deploys to one target at once: the second is refused with a clear message, never interleaved', async () => {
    const p = await newProject();
    const { targets, playbooks } = commandTarget('echo "$MREG_VERSION" > live.txt', 'deploy:\n  - deploy: {}\n  - wait: 3s\n');
    configure(p, targets, playbooks);
    await registerModels(p, { '1.0.0': {}, '2.0.0': {} });
    const first = spawnMreg(['deploy', 'fraud@1.0.0', '--target', 'box'], { cwd: p.dir });
    const firstExit = new Promise<number | null>((resolve) => first.on('exit', resolve));
    const history = join(p.store, 'history/fraud.jsonl');
    for (let i = 0; i < 200 && !(existsSync(history) && readFileSync(history, 'utf8').includes('"phase":"started"')); i++) await new Promise((r) => setTimeout(r, 25));
    await cliFails(p.dir, ['deploy', 'fraud@2.0.0', '--target', 'box'], 1, /target box is busy: another deploy or rollback is running on it/);
    expect(await firstExit).toBe(0);
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('1.0.0\n');
    const phases = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json.filter((e: { event: string }) => e.event === 'deploy').map((e: { version: string; phase: string }) => `${e.version} ${e.phase}`);
    expect(phases).toStrictEqual(['1.0.0 started', '1.0.0 succeeded']);
  });

  it('rollback checks the blobs of the version it restores first, and changes nothing if they are corrupt', async () => {
    const p = await newProject();
    const { targets, playbooks } = commandTarget('echo "$MREG_VERSION" > live.txt', 'deploy: [deploy: {}]\n');
    configure(p, targets, playbooks);
    await registerModels(p, { '1.0.0': { weight: 1 }, '2.0.0': { weight: 2 } });
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'box']);
    await cliPasses(p.dir, ['deploy', 'fraud@2.0.0', '--target', 'box']);
    const sha = (await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json'])).json.artifacts[0].sha256;
    flipByte(join(p.store, 'objects', sha.slice(0, 2), sha));
    const eventsBefore = readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8');
    await cliFails(p.dir, ['rollback', 'fraud', '--target', 'box'], 1, new RegExp(`cannot roll back to fraud@1\\.0\\.0: its blob for model\\.json \\(${sha}\\) is corrupt; nothing was changed`));
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('2.0.0\n');
    expect(readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8')).toBe(eventsBefore);
  });

  it('rollback --to, --dry-run touches nothing, and playbooks are validated before anything runs', async () => {
    const p = await newProject();
    const { targets, playbooks } = commandTarget('echo "$MREG_VERSION" > live.txt', 'deploy:\n  - deploy: {}\n  - health: {command: [sh, -c, "exit 0"], retries: 2}\n');
    configure(p, `${targets}  broken:\n    adapter: local\n    options: {dir: ./d}\n    playbook: bad.yaml\n`, { ...playbooks, 'bad.yaml': 'deploy:\n  - deploy: {}\n  - health: {http: "http://127.0.0.1:1/health", timeout: soon}\n' });
    await registerModels(p, { '1.0.0': {}, '2.0.0': {}, '3.0.0': {} });
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await cliPasses(p.dir, ['deploy', `fraud@${v}`, '--target', 'box']);
    const history = readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8');
    const dry = await cliPasses(p.dir, ['rollback', 'fraud', '--target', 'box', '--to', '1.0.0', '--dry-run', '--json']);
    expect(dry.json).toMatchObject({ dry_run: true, from: '3.0.0', to: '1.0.0', plan: [{ phase: 'rollback', step: 'deploy' }] });
    const plan = await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'box', '--dry-run']);
    expect(plan.stdout).toMatch(/1\. deploy 1\.0\.0 through the command adapter/);
    expect(plan.stdout).toMatch(/2\. health: runs sh -c exit 0, up to 2 tries/);
    expect(readFileSync(join(p.store, 'history/fraud.jsonl'), 'utf8')).toBe(history);
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('3.0.0\n');
    const to = await cliPasses(p.dir, ['rollback', 'fraud', '--target', 'box', '--to', '1.0.0', '--json']);
    expect(to.json).toMatchObject({ ok: true, from: '3.0.0', to: '1.0.0', resumed: false });
    expect(readFileSync(join(p.dir, 'live.txt'), 'utf8')).toBe('1.0.0\n');
    await cliFails(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'broken'], 2, /playbooks\/bad\.yaml: deploy\[1\]\.health\.timeout: expected a duration like 30s/);
    await cliFails(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'nope'], 2, /unknown target "nope" \(targets in config\.yaml: box, broken\)/);
    await cliFails(p.dir, ['deploy', 'fraud@1.0.0'], 2, /deploy needs --target/);
  });

  it('a failed canary routes all traffic back to the live version', async () => {
    const p = await newProject();
    const { targets, playbooks } = commandTarget(
      'echo "$MREG_VERSION" > live.txt',
      'deploy:\n  - deploy: {}\n  - route: 10%\n  - monitor: {window: 1s, interval: 200ms, checks: [{command: [sh, -c, "test $MREG_VERSION != 2.0.0"]}]}\n  - route: {weight: 1}\n',
    );
    configure(p, targets, playbooks);
    await registerModels(p, { '1.0.0': {}, '2.0.0': {} });
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'box']);
    expect((await cliPasses(p.dir, ['route', 'show', 'fraud', '--json'])).json.split).toStrictEqual([{ version: '1.0.0', weight: 1 }]);
    const r = await runMreg(['deploy', 'fraud@2.0.0', '--target', 'box', '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failed_step.step).toBe('monitor');
    const routes = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json.filter((e: { event: string }) => e.event === 'route').map((e: { split: unknown }) => e.split);
    expect(routes).toStrictEqual([
      [{ version: '1.0.0', weight: 1 }],
      [{ version: '2.0.0', weight: 0.1 }, { version: '1.0.0', weight: 0.9 }],
      [{ version: '1.0.0', weight: 1 }],
    ]);
  });
});

describe('local adapter', () => {
  it('a reader never sees a half-switched release while versions switch back and forth', async () => {
    const p = await newProject();
    configure(p, '  here:\n    adapter: local\n    options: {dir: ./deploy, keep: 2}\n    playbook: p.yaml\n', { 'p.yaml': 'deploy: [deploy: {}]\n' });
    const big = 'x'.repeat(256 * 1024);
    for (const v of ['1.0.0', '2.0.0']) {
      p.file(`v${v}/model.json`, JSON.stringify({ version: v, weight: 1 }));
      p.file(`v${v}/weights.txt`, `${v}:${big}`);
      await cliPasses(p.dir, ['register', 'fraud', `v${v}`, '--version', v]);
    }
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'here']);
    // A reader process: reads current/ in a loop and reports anything incomplete or mixed.
    const stop = join(p.dir, 'stop-reading');
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const [dir, stop] = process.argv.slice(1); let reads = 0; const bad = [];
         while (!fs.existsSync(stop)) {
           try {
             const release = fs.realpathSync(dir + '/current'); // resolve once, then read
             const m = JSON.parse(fs.readFileSync(release + '/model.json', 'utf8'));
             const w = fs.readFileSync(release + '/weights.txt', 'utf8');
             if (!w.startsWith(m.version + ':') || w.length !== m.version.length + 1 + ${big.length}) bad.push('mixed or partial: ' + m.version);
             if (reads++ === 0) process.stdout.write('reading\\n');
           } catch (e) { bad.push(e.code || e.message); }
         }
         console.log(JSON.stringify({ reads, bad: bad.slice(0, 5) }));`,
        join(p.dir, 'deploy'),
        stop,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const started = new Promise<void>((resolve) => reader.stdout!.on('data', (d) => ((out += d), out.startsWith('reading\n') && resolve())));
    const done = new Promise((resolve) => reader.on('exit', resolve));
    await started; // on a loaded machine the reader may start late: switch only once it reads
    for (let i = 0; i < 6; i++) await cliPasses(p.dir, ['deploy', `fraud@${i % 2 === 0 ? '2.0.0' : '1.0.0'}`, '--target', 'here']);
    writeFileSync(stop, '');
    await done;
    const report = JSON.parse(out.slice('reading\n'.length));
    expect(report.bad).toStrictEqual([]);
    expect(report.reads).toBeGreaterThan(10);
    expect(readlinkSync(join(p.dir, 'deploy/current'))).toBe('releases/fraud@1.0.0');
  });
});

describe('kubernetes', () => {
  it('export k8s prints the blue-green Deployment and Service', async () => {
    const p = await newProject();
    await registerModels(p, { '1.2.3': {} });
    const out = await cliPasses(p.dir, ['export', 'k8s', 'fraud@1.2.3', '--replicas', '2', '--image', 'registry.example/fraud:1.2.3']);
    const [deployment, service] = parseAllDocuments(out.stdout).map((d) => d.toJS());
    const hash = (await cliPasses(p.dir, ['show', 'fraud', '--json'])).json.hash;
    expect(deployment).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'fraud-v1-2-3', labels: { app: 'fraud', version: '1.2.3', 'model-hash': hash } },
      spec: { replicas: 2, selector: { matchLabels: { app: 'fraud', version: '1.2.3' } } },
    });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example/fraud:1.2.3');
    expect(container.env).toStrictEqual([
      { name: 'MODEL_VERSION', value: '1.2.3' },
      { name: 'MODEL_PATH', value: '/models/v1.2.3/' },
    ]);
    expect(deployment.spec.template.spec.volumes[0]).toStrictEqual({ name: 'model-storage', persistentVolumeClaim: { claimName: 'model-pvc' } });
    expect(service).toMatchObject({ kind: 'Service', metadata: { name: 'fraud' }, spec: { selector: { app: 'fraud', version: '1.2.3' } } });
  });

  it('the kubernetes adapter applies the Deployment, waits for the rollout, then switches the Service', async () => {
    const p = await newProject();
    // No cluster on this machine: a stand-in kubectl records what it is asked and keeps the Service's selector.
    p.file(
      'bin/kubectl',
      `#!/usr/bin/env node
const fs = require('fs');
const path = require('path');
const home = path.join(__dirname, '..');
const args = process.argv.slice(2).join(' ');
fs.appendFileSync(path.join(home, 'kubectl.log'), args + '\\n');
if (args.includes('apply')) {
  const doc = fs.readFileSync(0, 'utf8');
  fs.appendFileSync(path.join(home, 'applied.yaml'), doc + '---\\n');
  const m = /^kind: Service[\\s\\S]*selector:[\\s\\S]*version: "?([^"\\n]+)"?/m.exec(doc);
  if (m) fs.writeFileSync(path.join(home, 'selector'), m[1]);
} else if (args.includes('get service')) {
  try { process.stdout.write(fs.readFileSync(path.join(home, 'selector'), 'utf8')); } catch {}
}
`,
    );
    spawnSync('chmod', ['+x', join(p.dir, 'bin/kubectl')]);
    configure(p, `  k8s:\n    adapter: kubernetes\n    options: {kubectl: ./bin/kubectl, namespace: ml, image: "reg/fraud:latest"}\n    playbook: p.yaml\n`, { 'p.yaml': 'deploy: [deploy: {}]\n' });
    await registerModels(p, { '1.0.0': {} });
    await cliPasses(p.dir, ['deploy', 'fraud@1.0.0', '--target', 'k8s']);
    const calls = readFileSync(join(p.dir, 'kubectl.log'), 'utf8').trim().split('\n');
    expect(calls).toStrictEqual(['--namespace ml apply -f -', '--namespace ml rollout status deployment/fraud-v1-0-0', '--namespace ml apply -f -']);
    const applied = parseAllDocuments(readFileSync(join(p.dir, 'applied.yaml'), 'utf8')).map((d) => d.toJS()).filter(Boolean);
    expect(applied.map((d: { kind: string }) => d.kind)).toStrictEqual(['Deployment', 'Service']);
    expect(applied[1].spec.selector.version).toBe('1.0.0');
  });
});
