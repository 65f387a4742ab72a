// Pull (src/core/remote/pull.ts) between two real stores and a directory remote, at its edges: the
// result's versions in model and semver order whatever was here before, the pulled area's .gitignore
// written once, the artifact named when a blob is missing, a stage this config does not know, and
// the exact warnings for a remote prune of a protected version and for events this store refuses.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchStore } from '../helpers/store.js';
import { appendEvents, readHistory } from '../../src/core/lifecycle/history.js';
import { writeKeyPair } from '../../src/core/lifecycle/keys.js';
import { signVersion } from '../../src/core/lifecycle/signatures.js';
import { preparePulledArea, pull, type PullRequest } from '../../src/core/remote/pull.js';
import { push } from '../../src/core/remote/push.js';
import { unpushed } from '../../src/core/remote/known.js';
import { listVersions } from '../../src/core/manifest/versions.js';
import type { Store } from '../../src/core/store.js';
import { PULLED_GITIGNORE, pulledSignatureDir } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

const side = (remoteDir: string) => scratchStore('mreg-pull-edges-', remoteDir);

async function world() {
  const remoteDir = tempDir('mreg-pull-edges-remote-');
  return { remoteDir, a: await side(remoteDir), b: await side(remoteDir) };
}

const doPull = (s: { store: Store }, req: Partial<PullRequest> = {}) => pull(s.store, { refs: [], ...req });

describe('pull, edges', () => {
  it('lists versions by model, then semver, also when some were here before the pull', async () => {
    const { a, b } = await world();
    await a.add('zeta', '1.0.0', 'zeta one');
    await push(a.store, { refs: [] });
    expect((await doPull(b)).versions.map((v) => `${v.model}@${v.version} ${v.new}`)).toStrictEqual(['zeta@1.0.0 true']);
    await a.add('alpha', '1.10.0', 'alpha ten');
    await a.add('alpha', '1.9.0', 'alpha nine');
    await a.add('zeta', '0.9.0', 'zeta old');
    await push(a.store, { refs: [] });
    expect((await doPull(b)).versions.map((v) => `${v.model}@${v.version} ${v.new}`)).toStrictEqual(['alpha@1.9.0 true', 'alpha@1.10.0 true', 'zeta@0.9.0 true', 'zeta@1.0.0 false']);
  });

  it('writes the pulled area\'s .gitignore once, keeping an edited one; another error creating it passes through', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await push(a.store, { refs: [] });
    await doPull(b);
    const ignore = join(b.store.layout.pulled, '.gitignore');
    expect(readFileSync(ignore, 'utf8')).toBe(PULLED_GITIGNORE);
    writeFileSync(ignore, '# edited\n*\n');
    await a.add('fraud', '2.0.0', 'two');
    await push(a.store, { refs: [] });
    expect((await doPull(b)).versions).toHaveLength(2);
    expect(readFileSync(ignore, 'utf8')).toBe('# edited\n*\n');
    // /proc/self exists but takes no new file: the error is not "already exists", so it is thrown.
    const err = (await preparePulledArea({ ...b.store.layout, pulled: '/proc/self' }).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('ENOENT');
  });

  it('a blob the remote lacks is NOT_FOUND naming the version and file it belongs to', async () => {
    const { a, b, remoteDir } = await world();
    await a.add('fraud', '1.0.0', 'weights');
    await push(a.store, { refs: [] });
    const sha = sha256('weights');
    rmSync(join(remoteDir, 'objects', sha.slice(0, 2), sha));
    const err = await failure(doPull(b, { refs: ['fraud@1.0.0'] }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(new RegExp(`^fraud@1\\.0\\.0:m\\.bin: blob ${sha} is not on remote origin`));
  });

  it('a stage this config does not know, holding two versions here, is no stage conflict', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await a.add('fraud', '2.0.0', 'two');
    await push(a.store, { refs: [] });
    await doPull(b);
    // Brought by git from a store whose config had a "legacy" stage.
    await appendEvents(b.store.layout, 'fraud', ['1.0.0', '2.0.0'].map((version) => ({ event: 'promote', model: 'fraud', version, stage: 'legacy', actor: 'old' })));
    expect((await doPull(b)).warnings).toStrictEqual([]);
  });

  it('a remote prune of a version protected here is left out, with a warning naming the event and the protection', async () => {
    const { a, b, remoteDir } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await a.add('fraud', '2.0.0', 'two');
    await push(a.store, { refs: [] });
    await doPull(b);
    await appendEvents(b.store.layout, 'fraud', [
      { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'staging', actor: 'bob' },
      { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'bob', left: ['staging'] },
    ]);
    const [prune] = await appendEvents(a.store.layout, 'fraud', [
      { event: 'prune', model: 'fraud', version: '1.0.0', actor: 'gc' },
      { event: 'prune', model: 'fraud', version: '2.0.0', actor: 'gc' },
      { event: 'check', model: 'fraud', version: '1.0.0', actor: 'ci', check: 'smoke', passed: true },
    ]);
    await push(a.store, { refs: [] });
    const result = await doPull(b);
    expect(result.warnings).toStrictEqual([
      {
        code: 'PRUNE_IGNORED',
        message: `fraud@1.0.0: remote origin (${remoteDir}) says it was pruned (event ${prune!.id}, by gc at ${prune!.time}); ignored: it is in protected stage production here`,
      },
    ]);
    // Only the prune is left out: other events about the protected version are merged.
    expect(result.events).toBe(2);
    const prunes = (await readHistory(b.store.layout, 'fraud')).events.filter((e) => e.event === 'prune').map((e) => e.version);
    expect(prunes).toStrictEqual(['2.0.0']);
  });

  it('an event this store\'s rules refuse is merged marked rejected, with a warning naming the event, its stage or target', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await push(a.store, { refs: [] });
    await doPull(b);
    const [noStage, forced, deploy] = await appendEvents(a.store.layout, 'fraud', [
      { event: 'promote', model: 'fraud', version: '1.0.0', actor: 'alice' },
      { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'alice', forced: true, overridden: ['from'] },
      { event: 'deploy', model: 'fraud', version: '1.0.0', actor: 'carol', target: 'prod', phase: 'succeeded', op: 'x' },
    ]);
    await push(a.store, { refs: [] });
    b.store.config.targets = { prod: { adapter: 'local', options: {}, playbook: 'p.yaml', stage: 'production' } };
    b.store.config.stages.production!.signatures = 1;
    const result = await doPull(b);
    expect(result.events).toBe(3);
    expect(result.warnings).toStrictEqual([
      { code: 'EVENT_REJECTED', message: `fraud: promote of 1.0.0 by alice (event ${noStage!.id}) is refused by this store's rules and changes nothing: stage "" is not in this store's config.yaml` },
      {
        code: 'EVENT_REJECTED',
        message: `fraud: promote of 1.0.0 to production by alice (event ${forced!.id}) is refused by this store's rules and changes nothing: forced elsewhere (overriding from); a forced promotion counts only when made here or brought by git`,
      },
      {
        code: 'EVENT_REJECTED',
        message: `fraud: deploy of 1.0.0 on prod by carol (event ${deploy!.id}) is refused by this store's rules and changes nothing: target prod serves production: production requires signatures from 1 trusted key here, and fraud@1.0.0 has no valid one`,
      },
    ]);
    expect(existsSync(b.store.layout.pulled)).toBe(true);
  });

  it('counts the signatures it brings, and warns of each remote signature it does not keep', async () => {
    const { a, b, remoteDir } = await world();
    await a.add('fraud', '1.0.0', 'one');
    const key = await writeKeyPair(join(a.dir, 'keys'), 'alice');
    await signVersion(a.store, 'fraud@1.0.0', { file: key.private_key }, 'alice');
    await push(a.store, { refs: [] });
    writeFileSync(join(remoteDir, 'signatures', 'fraud', '1.0.0@0123456789abcdef.json'), '[]');
    const result = await doPull(b);
    expect(result.signatures).toBe(1);
    expect(result.warnings).toStrictEqual([
      { code: 'SIGNATURE_INVALID', message: `remote origin (${remoteDir}): signatures/fraud/1.0.0@0123456789abcdef.json: not a signature object; not kept` },
    ]);
    expect(existsSync(join(pulledSignatureDir(b.store.layout, 'fraud', '1.0.0'), `${key.fingerprint}.json`))).toBe(true);
    expect((await doPull(b)).signatures).toBe(0);
  });

  it('several refs of one model: its manifests and history are pulled once, each version listed once', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await a.add('fraud', '2.0.0', 'two');
    await push(a.store, { refs: [] });
    await doPull(b);
    const result = await doPull(b, { refs: ['fraud@1.0.0', 'fraud@2.0.0'] });
    expect(result.versions.map((v) => `${v.version} ${v.new}`)).toStrictEqual(['1.0.0 false', '2.0.0 false']);
    expect(result.blobs).toStrictEqual({ downloaded: 2, present: 0, bytes: 6 });
  });

  it('fetches the blobs of a version pruned in the history here when this store protects it', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await a.add('fraud', '2.0.0', 'two');
    await push(a.store, { refs: [] });
    await doPull(b);
    // Brought by git: a prune made elsewhere, and this store's promotion of the version to production.
    await appendEvents(b.store.layout, 'fraud', [
      { event: 'prune', model: 'fraud', version: '1.0.0', actor: 'gc' },
      { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'bob' },
      { event: 'prune', model: 'fraud', version: '2.0.0', actor: 'gc' },
    ]);
    const result = await doPull(b, { all: true });
    expect(result.blobs).toStrictEqual({ downloaded: 1, present: 0, bytes: 3 });
    expect(existsSync(join(b.store.layout.objects, sha256('one').slice(0, 2), sha256('one')))).toBe(true);
    expect(existsSync(join(b.store.layout.objects, sha256('two').slice(0, 2), sha256('two')))).toBe(false);
  });

  it('records what the remote holds: after a pull nothing that came from it counts as unpushed', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await a.add('fraud', '2.0.0', 'two');
    await appendEvents(a.store.layout, 'fraud', [{ event: 'promote', model: 'fraud', version: '1.0.0', stage: 'staging', actor: 'alice' }]);
    await push(a.store, { refs: [] });
    await doPull(b);
    const versions = await listVersions(b.store.layout, 'fraud');
    expect(versions).toStrictEqual(['1.0.0', '2.0.0']);
    const state = await unpushed(b.store.layout, b.store.config, 'fraud', versions, async () => (await readHistory(b.store.layout, 'fraud')).events);
    expect(state).toStrictEqual({ remote: 'origin', total: 0, byVersion: new Map([['1.0.0', 0], ['2.0.0', 0]]) });
  });

  it('a parent pruned by the remote together with the version made from it is no longer protected by it', async () => {
    const { a, b } = await world();
    await a.add('raw', '1.0.0', 'raw one');
    await a.add('raw', '2.0.0', 'raw two');
    await a.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
    await a.add('fraud', '2.0.0', 'fraud two');
    await push(a.store, { refs: [] });
    await doPull(b);
    await appendEvents(a.store.layout, 'fraud', [{ event: 'prune', model: 'fraud', version: '1.0.0', actor: 'gc' }]);
    await appendEvents(a.store.layout, 'raw', [{ event: 'prune', model: 'raw', version: '1.0.0', actor: 'gc' }]);
    await push(a.store, { refs: [] });
    const result = await doPull(b);
    expect(result.warnings).toStrictEqual([]);
    expect(result.events).toBe(2);
    for (const model of ['raw', 'fraud']) expect((await readHistory(b.store.layout, model)).events.filter((e) => e.event === 'prune').map((e) => e.version)).toStrictEqual(['1.0.0']);
  });

  it('a pull that brings no new manifest still keeps the pulled area out of git', async () => {
    const { a, b } = await world();
    await a.add('fraud', '1.0.0', 'one');
    await push(a.store, { refs: [] });
    await doPull(b, { into: 'tracked' });
    rmSync(b.store.layout.pulled, { recursive: true });
    expect((await doPull(b)).versions.map((v) => v.new)).toStrictEqual([false]);
    expect(readFileSync(join(b.store.layout.pulled, '.gitignore'), 'utf8')).toBe(PULLED_GITIGNORE);
  });
});
