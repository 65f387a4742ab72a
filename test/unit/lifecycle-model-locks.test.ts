// Each write to a model's history takes that model's own lock and no other: promote, demote, sign
// and a pull's merge go ahead while locks under other names are held (another model's, and the
// empty name a store-wide lock would have), so models never wait for each other.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { readHistory, type HistoryEvent } from '../../src/core/lifecycle/history.js';
import { writeKeyPair } from '../../src/core/lifecycle/keys.js';
import { demote, promote } from '../../src/core/lifecycle/promote.js';
import { signVersion } from '../../src/core/lifecycle/signatures.js';
import { mergeIntoLocal } from '../../src/core/remote/history.js';
import { initStore, openStore } from '../../src/core/store.js';
import { acquireLock } from '../../src/store/lock.js';
import { tempDir } from '../helpers/cli.js';

describe('model locks', () => {
  it('promote, demote, sign and merge go ahead while other models\' locks and an unnamed lock are held', async () => {
    const dir = tempDir('mreg-model-locks-');
    await initStore({ cwd: dir });
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w', 'a.bin'), 'weights');
    await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model: 'fraud', inputs: ['w/a.bin'], version: '1.0.0' });
    const store = await openStore({ cwd: dir });
    const key = await writeKeyPair(join(dir, 'keys'), 'alice');
    const held = [await acquireLock(store.layout, ''), await acquireLock(store.layout, 'model-'), await acquireLock(store.layout, 'model-churn')];
    try {
      const req = { ref: 'fraud@1.0.0', stage: 'staging', cwd: dir, env: { MREG_ACTOR: 'alice' } };
      expect((await promote(store, req)).stages).toStrictEqual(['staging']);
      expect((await demote(store, req)).stages).toStrictEqual([]);
      await signVersion(store, 'fraud@1.0.0', { file: key.private_key }, 'alice');
      const remote: HistoryEvent = { id: 'remote-1', time: '2026-01-01T00:00:00.000Z', event: 'check', model: 'fraud', version: '1.0.0', actor: 'bob', check: 'smoke', passed: true };
      expect(await mergeIntoLocal(store.layout, 'fraud', [remote], () => true)).toStrictEqual([remote]);
      expect((await readHistory(store.layout, 'fraud')).events.map((e) => e.event)).toStrictEqual(['register', 'promote', 'demote', 'sign', 'check']);
    } finally {
      for (const lock of held) await lock.release();
    }
  });
});
