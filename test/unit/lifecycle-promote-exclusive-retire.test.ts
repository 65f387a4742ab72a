// Promotion into a stage configured both exclusive and retire (src/core/lifecycle/promote.ts): a
// version already in it is unchanged (the stage itself is not a retire stage it must leave), while a
// version also held in another retire stage leaves that one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { readHistory } from '../../src/core/lifecycle/history.js';
import { planPromotion, promote } from '../../src/core/lifecycle/promote.js';
import { emptyState } from '../../src/core/lifecycle/state.js';
import type { Config, StageConfig } from '../../src/core/config/config.js';
import { initStore, openStore } from '../../src/core/store.js';
import { tempDir } from '../helpers/cli.js';

const stage = (rules: Partial<StageConfig> = {}): StageConfig => ({ exclusive: false, from: [], retire: false, checks: [], signatures: 0, ...rules });

describe('promote into a stage that is exclusive and retire', () => {
  it('planned: a version already alone in it is unchanged; one also in another retire stage leaves that one', () => {
    const config = { stages: { vault: stage({ exclusive: true, retire: true }), attic: stage({ retire: true }) }, checks: {}, models: {} } as unknown as Config;
    const s = emptyState();
    s.stages.set('vault', ['1.0.0']);
    expect(planPromotion(config, s, 'fraud', '1.0.0', 'vault', { actor: 'tester' })).toStrictEqual({ unchanged: true });
    s.stages.set('attic', ['1.0.0']);
    expect(planPromotion(config, s, 'fraud', '1.0.0', 'vault', { actor: 'tester' })).toStrictEqual({
      unchanged: false,
      event: { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'vault', actor: 'tester', left: ['attic', 'vault'] },
    });
  });

  it('on a store: promoting the same version again records no event and reports it unchanged', async () => {
    const dir = tempDir('mreg-promote-vault-');
    await initStore({ cwd: dir });
    const store = await openStore({ cwd: dir });
    store.config.stages.vault = stage({ exclusive: true, retire: true });
    mkdirSync(join(dir, 'w'), { recursive: true });
    writeFileSync(join(dir, 'w', 'w.bin'), 'weights');
    const env = { MREG_ACTOR: 'tester' };
    await register({ cwd: dir, env, model: 'fraud', inputs: ['w/w.bin'], version: '1.0.0' });
    const first = await promote(store, { ref: 'fraud@1.0.0', stage: 'vault', cwd: dir, env });
    expect(first).toMatchObject({ unchanged: false, stages: ['vault'] });
    const before = (await readHistory(store.layout, 'fraud')).events.length;
    const again = await promote(store, { ref: 'fraud@1.0.0', stage: 'vault', cwd: dir, env });
    expect(again).toStrictEqual({ model: 'fraud', version: '1.0.0', stage: 'vault', unchanged: true, forced: false, left: [], displaced: [], stages: ['vault'] });
    expect((await readHistory(store.layout, 'fraud')).events.length).toBe(before);
  });
});
