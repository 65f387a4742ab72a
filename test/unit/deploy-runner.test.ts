// The deploy runner driven directly (no CLI): a fake adapter that keeps the live version in memory,
// a health endpoint that fails while a chosen version is live, and a temp store with real versions.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import type { DeployAdapter, Release } from '../../src/core/deploy/adapter.js';
import { deploy, rollback, status } from '../../src/core/deploy/runner.js';
import { STEP_KINDS } from '../../src/core/deploy/steps/index.js';
import { readHistory } from '../../src/core/lifecycle/history.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';
import { createBlobSource } from '../../src/store/blob-source.js';
import { blobPath } from '../../src/store/layout.js';

const env = {};
const actor = 'tester';

/** What a deploy handed the adapter, and what it read from the release's files. */
interface FakeAdapter extends DeployAdapter {
  current: string | undefined;
  deployed: { version: string; content: string }[];
}

function fakeAdapter(): FakeAdapter {
  const adapter: FakeAdapter = {
    current: undefined,
    deployed: [],
    async deploy(release: Release) {
      const dir = await release.artifacts();
      adapter.deployed.push({ version: release.version, content: readFileSync(join(dir, 'model.bin'), 'utf8') });
      adapter.current = release.version;
    },
    async live() {
      return adapter.current;
    },
  };
  return adapter;
}

let dir: string;
let store: Store;
let server: Server;
let port: number;
/** the version whose health endpoint answers 503 (fault injection) */
let sick: string | undefined;
let adapter: FakeAdapter;

async function registerVersion(version: string): Promise<void> {
  writeFileSync(join(dir, 'model.bin'), `weights of ${version}`);
  await register({ model: 'fraud', inputs: ['model.bin'], version, cwd: dir, env, actor });
}

function configure(playbook: string): Promise<Store> {
  appendFileSync(join(dir, '.modelreg', 'config.yaml'), 'targets:\n  prod:\n    adapter: fake\n    playbook: prod.yaml\n');
  mkdirSync(join(dir, '.modelreg', 'playbooks'), { recursive: true });
  writeFileSync(join(dir, '.modelreg', 'playbooks', 'prod.yaml'), playbook);
  return openStore({ cwd: dir });
}

const healthyPlaybook = () => `deploy:\n  - deploy: {}\n  - health: {http: "http://127.0.0.1:${port}/health", retries: 1}\nrollback:\n  - deploy: {}\n`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mreg-deploy-runner-'));
  await initStore({ cwd: dir });
  store = await openStore({ cwd: dir });
  adapter = fakeAdapter();
  sick = undefined;
  server = createServer((_req, res) => {
    res.statusCode = adapter.current !== undefined && adapter.current === sick ? 503 : 200;
    res.end(`live: ${adapter.current}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await registerVersion('1.0.0');
  await registerVersion('2.0.0');
  store = await configure(healthyPlaybook());
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const targetEvents = async () =>
  (await readHistory(store.layout, 'fraud')).events.filter((e) => e.event === 'deploy' || e.event === 'rollback').map((e) => `${e.event} ${e.version} ${e.phase}`);

describe('deploy runner', () => {
  it('a successful deploy records the live version', async () => {
    const result = await deploy(store, { ref: 'fraud@1.0.0', target: 'prod', cwd: dir, env, actor }, { adapter, blobs: createBlobSource(store.layout) });
    expect(result).toMatchObject({ ok: true, model: 'fraud', version: '1.0.0', target: 'prod', previous: null, live: '1.0.0' });
    expect(result.steps.map((s) => [s.phase, s.step, s.ok])).toEqual([
      ['deploy', 'deploy', true],
      ['deploy', 'health', true],
    ]);
    expect(adapter.deployed).toEqual([{ version: '1.0.0', content: 'weights of 1.0.0' }]);
    expect(await targetEvents()).toEqual(['deploy 1.0.0 started', 'deploy 1.0.0 succeeded']);
    const s = await status(store, 'fraud', 'prod', env, { adapter, blobs: createBlobSource(store.layout) });
    expect(s).toMatchObject({ live: '1.0.0', via: 'deploy', adapter_live: '1.0.0', interrupted: null, last: { event: 'deploy', phase: 'succeeded', version: '1.0.0' } });
  });

  it('a failing health check rolls back to the previous live version and records the outcome', async () => {
    await deploy(store, { ref: 'fraud@1.0.0', target: 'prod', cwd: dir, env, actor }, { adapter, blobs: createBlobSource(store.layout) });
    sick = '2.0.0';
    const result = await deploy(store, { ref: 'fraud@2.0.0', target: 'prod', cwd: dir, env, actor }, { adapter, blobs: createBlobSource(store.layout) });
    expect(result).toMatchObject({ ok: false, version: '2.0.0', previous: '1.0.0', live: '1.0.0', rolled_back_to: '1.0.0', rollback_ok: true });
    expect(result.failed_step).toMatchObject({ phase: 'deploy', index: 1, step: 'health' });
    expect(result.failed_step!.error).toBe(`health check failed 1 time: http://127.0.0.1:${port}/health answered 503, expected 200`);
    expect(result.steps.map((s) => [s.phase, s.step, s.ok])).toEqual([
      ['deploy', 'deploy', true],
      ['deploy', 'health', false],
      ['rollback', 'deploy', true],
    ]);
    expect(adapter.current).toBe('1.0.0');
    expect(adapter.deployed.map((d) => d.version)).toEqual(['1.0.0', '2.0.0', '1.0.0']);
    expect(await targetEvents()).toEqual([
      'deploy 1.0.0 started',
      'deploy 1.0.0 succeeded',
      'deploy 2.0.0 started',
      'deploy 2.0.0 failed',
      'rollback 1.0.0 started',
      'rollback 1.0.0 succeeded',
    ]);
    const failed = (await readHistory(store.layout, 'fraud')).events.find((e) => e.event === 'deploy' && e.phase === 'failed');
    expect(failed).toMatchObject({ failed_step: 'health', previous: '1.0.0', target: 'prod' });
    expect((await status(store, 'fraud', 'prod', env, { adapter, blobs: createBlobSource(store.layout) })).live).toBe('1.0.0');
  });

  it('takes its release files from the blob source it is handed', async () => {
    const manifest = readFileSync(join(store.layout.models, 'fraud', '2.0.0.yaml'), 'utf8');
    const sha256 = /sha256: ([0-9a-f]{64})/.exec(manifest)![1]!;
    rmSync(blobPath(store.layout, sha256), { force: true });
    const asked: string[] = [];
    const blobs = createBlobSource(store.layout, {
      async fetch(needs, sink) {
        for (const need of needs) {
          asked.push(need.label);
          await sink(need, (async function* () {
            yield Buffer.from('weights of 2.0.0');
          })());
        }
      },
    });
    const result = await deploy(store, { ref: 'fraud@2.0.0', target: 'prod', cwd: dir, env, actor }, { adapter, blobs });
    expect(result.ok).toBe(true);
    expect(asked).toEqual(['fraud@2.0.0:model.bin']);
    expect(adapter.deployed).toEqual([{ version: '2.0.0', content: 'weights of 2.0.0' }]);
  });

  it('a rollback with no earlier healthy deploy is refused before anything runs', async () => {
    await deploy(store, { ref: 'fraud@1.0.0', target: 'prod', cwd: dir, env, actor }, { adapter, blobs: createBlobSource(store.layout) });
    await expect(rollback(store, { model: 'fraud', target: 'prod', cwd: dir, env, actor }, { adapter, blobs: createBlobSource(store.layout) })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'nothing to roll back to: prod has no earlier healthy deploy of fraud before 1.0.0 (use --to <version>)',
    });
  });

  it('the step registry rejects an unknown step kind, naming the playbook and the step', async () => {
    writeFileSync(join(dir, '.modelreg', 'playbooks', 'prod.yaml'), 'deploy:\n  - deploy: {}\n  - launch: {now: true}\n');
    const err = await deploy(store, { ref: 'fraud@1.0.0', target: 'prod', cwd: dir, env, actor }, { adapter, blobs: createBlobSource(store.layout) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: `playbooks/prod.yaml: deploy[1]: unknown step "launch" (expected one of: ${STEP_KINDS.join(', ')})` });
    expect(STEP_KINDS).toEqual(['deploy', 'health', 'monitor', 'wait', 'notify', 'promote', 'route']);
    expect(adapter.deployed).toEqual([]);
    expect(await targetEvents()).toEqual([]);
  });
});
