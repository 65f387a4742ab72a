// promote() and demote() on a real store (src/core/lifecycle/promote.ts): the plan applied under the
// model's lock, the event recorded at the time given, the result reporting what left and was
// displaced, signatures required even with force, and demote refusing a stage the version is not in.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { readHistory } from '../../src/core/lifecycle/history.js';
import { demote, promote, type StageChangeRequest } from '../../src/core/lifecycle/promote.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';
import { failure } from '../helpers/errors.js';
import { tempDir } from '../helpers/cli.js';

async function storeWith(versions: string[]): Promise<{ dir: string; store: Store }> {
  const dir = tempDir('mreg-stage-');
  await initStore({ cwd: dir });
  for (const v of versions) {
    writeFileSync(join(dir, 'm.bin'), `weights ${v}`);
    await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model: 'fraud', inputs: ['m.bin'], version: v });
  }
  return { dir, store: await openStore({ cwd: dir }) };
}

const AT = new Date('2026-05-06T07:08:09.000Z');


describe('promote and demote on a store', () => {
  it('moves versions through the stages, recording each event at the given time and reporting what moved', async () => {
    const { dir, store } = await storeWith(['1.0.0', '2.0.0', '3.0.0']);
    const req = (ref: string, stage: string, more: Partial<StageChangeRequest> = {}): StageChangeRequest => ({ ref, stage, cwd: dir, env: { MREG_ACTOR: 'alice' }, now: () => AT, ...more });

    const staged = await promote(store, req('fraud@1.0.0', 'staging', { reason: 'try it' }));
    expect(staged).toStrictEqual({ model: 'fraud', version: '1.0.0', stage: 'staging', unchanged: false, forced: false, left: [], displaced: [], stages: ['staging'], event: staged.event });
    expect(staged.event).toMatchObject({ event: 'promote', stage: 'staging', actor: 'alice', reason: 'try it', time: AT.toISOString() });
    expect(await promote(store, req('fraud@1.0.0', 'staging'))).toStrictEqual({ model: 'fraud', version: '1.0.0', stage: 'staging', unchanged: true, forced: false, left: [], displaced: [], stages: ['staging'] });

    // model@staging is resolved under the lock to what staging holds.
    const live = await promote(store, req('fraud@staging', 'production'));
    expect(live).toMatchObject({ version: '1.0.0', unchanged: false, forced: false, left: ['staging'], displaced: [], stages: ['production'] });

    await promote(store, req('fraud@2.0.0', 'staging'));
    const next = await promote(store, req('fraud@2.0.0', 'production'));
    expect(next).toMatchObject({ version: '2.0.0', left: ['staging'], displaced: [{ version: '1.0.0', to: 'archived' }], stages: ['production'] });

    const refused = await failure(promote(store, req('fraud@3.0.0', 'production')));
    expect(refused.code).toBe('REFUSED');
    const forced = await promote(store, req('fraud@3.0.0', 'production', { force: true, actor: 'bob' }));
    expect(forced).toMatchObject({ version: '3.0.0', forced: true, left: [], displaced: [{ version: '2.0.0', to: 'archived' }], stages: ['production'] });
    expect(forced.event).toMatchObject({ actor: 'bob', forced: true, overridden: ['from'] });

    const events = (await readHistory(store.layout, 'fraud')).events.filter((e) => e.event === 'promote');
    expect(events.map((e) => `${e.version} ${e.stage} ${e.time}`)).toStrictEqual(
      ['1.0.0 staging', '1.0.0 production', '2.0.0 staging', '2.0.0 production', '3.0.0 production'].map((s) => `${s} ${AT.toISOString()}`),
    );

    // Without a time given, now.
    const { now: _, ...untimed } = req('fraud@1.0.0', 'staging');
    const later = await promote(store, untimed);
    expect(Math.abs(Date.parse(later.event!.time) - Date.now())).toBeLessThan(60 * 60_000);

    const out = await demote(store, req('fraud@1.0.0', 'staging', { reason: 'done' }));
    expect(out).toStrictEqual({ model: 'fraud', version: '1.0.0', stage: 'staging', unchanged: false, forced: false, left: ['staging'], displaced: [], stages: ['archived'], event: out.event });
    expect(out.event).toMatchObject({ event: 'demote', stage: 'staging', actor: 'alice', reason: 'done', time: AT.toISOString() });
    expect((await demote(store, req('fraud@3.0.0', 'production'))).event).not.toHaveProperty('reason');
    const { now: __, ...untimedDemote } = req('fraud@1.0.0', 'archived');
    expect(Math.abs(Date.parse((await demote(store, untimedDemote)).event!.time) - Date.now())).toBeLessThan(60 * 60_000);
  });

  it('refuses an unknown stage, a demotion from a stage the version is not in, and a protected stage without signatures even forced', async () => {
    const { dir, store } = await storeWith(['1.0.0']);
    const req = (stage: string, more: Partial<StageChangeRequest> = {}): StageChangeRequest => ({ ref: 'fraud@1.0.0', stage, cwd: dir, env: { MREG_ACTOR: 'alice' }, ...more });
    expect(await failure(promote(store, req('prod')))).toMatchObject({ code: 'INVALID_INPUT', message: 'unknown stage "prod" (stages in config.yaml: staging, production, archived)' });
    expect(await failure(demote(store, req('prod')))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await failure(demote(store, req('staging')))).toMatchObject({ code: 'REFUSED', message: 'fraud@1.0.0 is not in staging (it is in no stage)' });
    await promote(store, req('staging'));
    expect(await failure(demote(store, req('production')))).toMatchObject({ code: 'REFUSED', message: 'fraud@1.0.0 is not in production (it is in staging)' });
    store.config.stages.production!.signatures = 1;
    const err = await failure(promote(store, req('production', { force: true })));
    expect(err).toMatchObject({ code: 'REFUSED', message: 'production requires signatures from 1 trusted key, and fraud@1.0.0 has no valid signature from a trusted key' });
    expect((await readHistory(store.layout, 'fraud')).events.map((e) => e.event)).toStrictEqual(['register', 'promote']);
    expect(await failure(promote(store, req('staging', { ref: 'fraud@9.9.9' })))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
