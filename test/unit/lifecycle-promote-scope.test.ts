// Stage rules at their edges (src/core/lifecycle/promote.ts): a stage scoped to some models asks
// nothing of the others on entry, a misspelt stage gets a suggestion, a version held by an exclusive
// and a retire stage at once is settled by promoting it again, and promote/demote report exactly
// what moved (a displaced version without a destination, every stage a refused demotion names).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import type { Config, StageConfig } from '../../src/core/config/config.js';
import { appendEvents } from '../../src/core/lifecycle/history.js';
import { demote, planPromotion, promote, type StageChangeRequest } from '../../src/core/lifecycle/promote.js';
import { emptyState, type StageState } from '../../src/core/lifecycle/state.js';
import { initStore, openStore } from '../../src/core/store.js';
import { MregError } from '../../src/errors.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';

const stage = (rules: Partial<StageConfig> = {}): StageConfig => ({ exclusive: false, from: [], retire: false, checks: [], signatures: 0, ...rules });
const config = (stages: Record<string, StageConfig>): Config => ({ stages, checks: { smoke: { command: ['true'], timeoutMs: 1000 } }, models: {} }) as unknown as Config;

function state(stages: Record<string, string[]>): StageState {
  const s = emptyState();
  for (const [name, versions] of Object.entries(stages)) s.stages.set(name, [...versions]);
  return s;
}

describe('planPromotion, edges', () => {
  const scoped = config({ staging: stage(), production: stage({ from: ['staging'], checks: ['smoke'], models: ['churn*'] }), archived: stage({ retire: true }) });

  it('a stage scoped to other models asks nothing of this one on entry; of a model in scope it asks everything', () => {
    expect(planPromotion(scoped, state({}), 'fraud', '1.0.0', 'production', { actor: 'a' })).toStrictEqual({
      unchanged: false,
      event: { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'a' },
    });
    let err: unknown;
    try {
      planPromotion(scoped, state({}), 'churn-eu', '1.0.0', 'production', { actor: 'a' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MregError);
    expect((err as MregError).data).toStrictEqual({ rules: [expect.objectContaining({ rule: 'from' }), expect.objectContaining({ rule: 'checks' })] });
  });

  it('a misspelt stage is refused with the nearest configured name', () => {
    expect(() => planPromotion(scoped, state({}), 'fraud', '1.0.0', 'productoin', { actor: 'a' })).toThrow(
      'unknown stage "productoin" (stages in config.yaml: staging, production, archived); did you mean production?',
    );
  });

  it('a version in an exclusive stage and a retire stage at once: promoting it again takes it out of the retire one', () => {
    const c = config({ staging: stage(), canary: stage(), production: stage({ exclusive: true, from: ['staging'], replacedTo: 'archived' }), archived: stage({ retire: true }), vault: stage({ retire: true }) });
    expect(planPromotion(c, state({ production: ['1.0.0'], archived: ['1.0.0'], vault: ['1.0.0'], staging: ['1.0.0'] }), 'fraud', '1.0.0', 'production', { actor: 'a' })).toStrictEqual({
      unchanged: false,
      event: { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'a', left: ['archived', 'staging', 'vault'] },
    });
    // Entering from nowhere but a retire stage: the from rule is broken, and forcing leaves archived too.
    expect(planPromotion(c, state({ archived: ['2.0.0'] }), 'fraud', '2.0.0', 'production', { actor: 'a', force: true }).event).toStrictEqual({
      event: 'promote',
      model: 'fraud',
      version: '2.0.0',
      stage: 'production',
      actor: 'a',
      left: ['archived'],
      forced: true,
      overridden: ['from'],
    });
    // Entering an exclusive stage leaves only its from stages and retire stages: another stage, known
    // to this config or not (history from an older config), keeps the version.
    expect(planPromotion(c, state({ staging: ['3.0.0'], canary: ['3.0.0'], legacy: ['3.0.0'] }), 'fraud', '3.0.0', 'production', { actor: 'a' }).event).toStrictEqual({
      event: 'promote',
      model: 'fraud',
      version: '3.0.0',
      stage: 'production',
      actor: 'a',
      left: ['staging'],
    });
    // A stage that is not exclusive leaves retire stages alone.
    expect(planPromotion(c, state({ archived: ['2.0.0'] }), 'fraud', '2.0.0', 'staging', { actor: 'a' }).event).not.toHaveProperty('left');
  });
});

describe('promote and demote, what they report', () => {
  async function storeWith(versions: string[]) {
    const dir = tempDir('mreg-promote-scope-');
    await initStore({ cwd: dir });
    for (const v of versions) {
      writeFileSync(join(dir, 'm.bin'), `weights ${v}`);
      await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model: 'fraud', inputs: ['m.bin'], version: v });
    }
    return { dir, store: await openStore({ cwd: dir }) };
  }

  it('a displaced version without a destination is reported without one; a refused demotion names every stage the version is in', async () => {
    const { dir, store } = await storeWith(['1.0.0', '2.0.0']);
    delete store.config.stages.production!.replacedTo;
    const req = (ref: string, stage: string, more: Partial<StageChangeRequest> = {}): StageChangeRequest => ({ ref, stage, cwd: dir, env: { MREG_ACTOR: 'alice' }, force: true, ...more });
    await promote(store, req('fraud@1.0.0', 'production'));
    const second = await promote(store, req('fraud@2.0.0', 'production'));
    expect(second).toMatchObject({ displaced: [{ version: '1.0.0' }], stages: ['production'] });
    expect(second.displaced[0]).toStrictEqual({ version: '1.0.0' });
    await promote(store, req('fraud@2.0.0', 'staging'));
    expect(await failure(demote(store, req('fraud@2.0.0', 'archived')))).toMatchObject({ code: 'REFUSED', message: 'fraud@2.0.0 is not in archived (it is in production, staging)' });
  });

  it('a stage ref names the version the stage holds: promoting it out of a stage into a retire one', async () => {
    const { dir, store } = await storeWith(['1.0.0', '2.0.0']);
    await appendEvents(store.layout, 'fraud', [{ event: 'promote', model: 'fraud', version: '2.0.0', stage: 'staging', actor: 't' }]);
    const result = await promote(store, { ref: 'fraud@staging', stage: 'archived', cwd: dir, env: { MREG_ACTOR: 'alice' } });
    expect(result).toMatchObject({ version: '2.0.0', left: ['staging'], stages: ['archived'] });
  });

  it('judges a stage\'s checks by the results in the history', async () => {
    const { dir, store } = await storeWith(['1.0.0']);
    store.config.checks = { smoke: { command: ['true'], timeoutMs: 1000 } } as never;
    store.config.stages.production!.checks = ['smoke'];
    const req = (stage: string): StageChangeRequest => ({ ref: 'fraud@1.0.0', stage, cwd: dir, env: { MREG_ACTOR: 'alice' } });
    await promote(store, req('staging'));
    expect((await failure(promote(store, req('production')))).message).toMatch(/requires check 'smoke', which has not been run/);
    await appendEvents(store.layout, 'fraud', [{ event: 'check', model: 'fraud', version: '1.0.0', actor: 'ci', check: 'smoke', passed: true }]);
    expect(await promote(store, req('production'))).toMatchObject({ forced: false, left: ['staging'], stages: ['production'] });
  });
});
