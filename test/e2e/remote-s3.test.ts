// S3 remotes against a real S3-compatible server (s3rver on loopback, fake credentials in the
// environment) through @aws-sdk/client-s3: the shared scenarios, a multipart upload, a server killed
// mid-push and restarted on the same directory, and connections dropped mid-transfer.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliFailsProcess, cliPasses, runMreg, tempDir } from '../helpers/cli.js';
import { teamScenarios } from '../helpers/team-scenarios.js';
import { remoteScenarios, verifyRemote, withRemote, type RemoteKind } from '../helpers/remote-scenarios.js';
import { s3Env, s3Keys, s3ObjectPath, startProxy, startS3, type S3Server } from '../helpers/s3.js';
import { newProject, writeLargeFile } from '../helpers/store.js';

const BUCKET = 'models';
const env = s3Env();
let server: S3Server;
let data: string;
let counter = 0;

beforeAll(async () => {
  data = tempDir('mreg-s3rver-');
  server = await startS3(data, BUCKET);
});
afterAll(async () => {
  await server?.kill();
});

const prefixOf = (url: string) => url.slice(`s3://${BUCKET}/`.length);
const kind: RemoteKind = {
  fresh: () => ({ url: `s3://${BUCKET}/team-${++counter}`, args: ['--endpoint', server.endpoint] }),
  env,
  blobFile: (url, sha) => s3ObjectPath(data, BUCKET, `${prefixOf(url)}/objects/${sha.slice(0, 2)}/${sha}`),
  blobs: (url) => s3Keys(data, BUCKET, `${prefixOf(url)}/objects/`).map((k) => basename(k)),
};

describe('S3 remote (s3rver)', () => {
  remoteScenarios(kind);
  teamScenarios(kind);

  it('uploads a large blob in parallel multipart parts, visible only when complete, and pulls it back verified', async () => {
    const remote = kind.fresh();
    const p = await newProject();
    writeLargeFile(join(p.dir, 'big.bin'), 40 * 1024 * 1024);
    await cliPasses(p.dir, ['register', 'llm', 'big.bin', '--version', '1.0.0']);
    await withRemote(kind, p, remote);
    const partsBefore = server.log.filter((l) => l.includes('Stored part')).length;
    const pushed = await cliPasses(p.dir, ['push'], env);
    expect(pushed.stdout).toMatch(/pushed 1 version to origin \(s3:\/\/models\/team-\d+\): 1 blob uploaded \(40\.0 MiB\); 1 event/);
    expect(server.log.filter((l) => l.includes('Stored part')).length - partsBefore).toBeGreaterThanOrEqual(5);
    // Progress in CI: one plain line per transfer, with size and rate.
    expect(pushed.stderr).toMatch(/uploaded llm@1\.0\.0:big\.bin \(blob [0-9a-f]{12}, 40\.0 MiB in [\d.]+ s, [\d.]+ [KMG]iB\/s\)/);
    const clone = await verifyRemote(kind, remote);
    // export fetches on demand through src/api/export.ts, which does not hand the environment on to
    // the remote yet: a real process, whose own environment the S3 client falls back to.
    await cliPasses(clone, ['export', 'llm', 'out'], env);
    expect(readFileSync(join(clone, 'out', 'big.bin')).equals(readFileSync(join(p.dir, 'big.bin')))).toBe(true);
  });

  it('a server killed mid-push leaves both sides valid; after a restart on the same directory, push again completes', async () => {
    const dir = tempDir('mreg-s3rver-crash-');
    let s3 = await startS3(dir, BUCKET);
    const proxy = await startProxy(s3.port);
    try {
      const remote = { url: `s3://${BUCKET}/crash`, args: ['--endpoint', proxy.endpoint] };
      const p = await newProject();
      writeLargeFile(join(p.dir, 'big.bin'), 40 * 1024 * 1024);
      p.file('small.txt', 'tokenizer');
      await cliPasses(p.dir, ['register', 'llm', 'big.bin', 'small.txt', '--version', '1.0.0']);
      await withRemote(kind, p, remote);
      let killed = false;
      proxy.onUp = (total) => {
        if (total > 12 * 1024 * 1024 && !killed) {
          killed = true;
          void s3.kill();
        }
      };
      const failed = await runMreg(['push'], { cwd: p.dir, env });
      expect(failed.code, failed.stderr).toBe(1);
      expect(killed).toBe(true);
      expect(failed.stderr).toMatch(/^mreg: remote origin \(s3:\/\/models\/crash\): uploading blob [0-9a-f]{64}: /m);
      // The remote shows no half-written object: no blob, and no manifest without its blobs.
      expect(s3Keys(dir, BUCKET, 'crash/').filter((k) => !k.startsWith('mreg-remote'))).toStrictEqual([]);
      await cliPasses(p.dir, ['verify']);

      s3 = await startS3(dir, BUCKET);
      proxy.target = s3.port;
      proxy.onUp = undefined;
      const again = await cliPasses(p.dir, ['push', '--json'], env);
      expect(again.json).toMatchObject({ versions: [{ version: '1.0.0', pushed: true }], blobs: { uploaded: 2 } });
      await verifyRemote(kind, remote);
    } finally {
      proxy.onUp = undefined;
      await s3.kill();
      await proxy.close();
    }
  });

  it('dropped connections are retried: a push and a pull that each lose a connection mid-transfer still succeed', async () => {
    const proxy = await startProxy(server.port);
    try {
      const remote = { url: `s3://${BUCKET}/flaky`, args: ['--endpoint', proxy.endpoint] };
      const p = await newProject();
      writeLargeFile(join(p.dir, 'big.bin'), 20 * 1024 * 1024);
      await cliPasses(p.dir, ['register', 'llm', 'big.bin', '--version', '1.0.0']);
      await withRemote(kind, p, remote);
      proxy.dropUpAfter = 3 * 1024 * 1024;
      await cliPasses(p.dir, ['push'], env);
      expect(proxy.dropped).toBe(1);

      const q = await newProject();
      await withRemote(kind, q, remote);
      proxy.dropDownAfter = proxy.down + 5 * 1024 * 1024;
      await cliPasses(q.dir, ['pull', 'llm@1.0.0'], env);
      expect(proxy.dropped).toBe(2);
      await cliPasses(q.dir, ['verify'], env);
      await cliPasses(q.dir, ['export', 'llm', 'out'], env);
      expect(readFileSync(join(q.dir, 'out', 'big.bin')).equals(readFileSync(join(p.dir, 'big.bin')))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('reports a missing bucket and missing credentials in one clear line', async () => {
    const p = await newProject();
    p.file('m.bin', 'w');
    await cliPasses(p.dir, ['register', 'm', 'm.bin', '--version', '1.0.0']);
    await cliPasses(p.dir, ['remote', 'add', 'origin', 's3://no-such-bucket/x', '--endpoint', server.endpoint]);
    await cliFails(p.dir, ['push'], 1, /remote origin \(s3:\/\/no-such-bucket\/x\): .*bucket no-such-bucket does not exist/, env);
    // Without keys the SDK's default chain looks further, in its own process's environment: a real process.
    await cliFailsProcess(p.dir, ['pull'], 1, /no AWS credentials found/, { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
  });
});
