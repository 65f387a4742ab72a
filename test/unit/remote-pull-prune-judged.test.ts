// Pull (src/core/remote/pull.ts) judges a remote's prunes by what this store protects before the
// pull: only the incoming prune events are added to its own history for that judgement, not the
// other incoming events (a remote promotion that displaced the version does not lift its protection here).
import { describe, expect, it } from 'vitest';
import { scratchStore } from '../helpers/store.js';
import { appendEvents, readHistory } from '../../src/core/lifecycle/history.js';
import { pull } from '../../src/core/remote/pull.js';
import { push } from '../../src/core/remote/push.js';
import type { Store } from '../../src/core/store.js';
import { tempDir } from '../helpers/cli.js';

const side = (remoteDir: string) => scratchStore('mreg-pull-judged-', remoteDir);

const prunes = async (s: { store: Store }, model: string) => (await readHistory(s.store.layout, model)).events.filter((e) => e.event === 'prune').map((e) => e.version);

describe('pull, a remote prune judged by the protection here', () => {
  it('a version in production here, displaced and pruned on the remote, keeps its protection and its parent\'s for this pull', async () => {
    const remoteDir = tempDir('mreg-pull-judged-remote-');
    const a = await side(remoteDir);
    const b = await side(remoteDir);
    await a.add('raw', '1.0.0', 'raw one');
    await a.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
    await a.add('fraud', '2.0.0', 'fraud two');
    await appendEvents(a.store.layout, 'fraud', [
      { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'staging', actor: 'alice' },
      { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'alice', left: ['staging'] },
    ]);
    await push(a.store, { refs: [] });
    await pull(b.store, { refs: [] });
    // On the remote, later: 2.0.0 replaces 1.0.0 in production (1.0.0 goes to archived), then a check
    // of 2.0.0, and gc prunes 1.0.0 and its parent raw@1.0.0.
    const [, , , fraudPrune] = await appendEvents(a.store.layout, 'fraud', [
      { event: 'promote', model: 'fraud', version: '2.0.0', stage: 'staging', actor: 'alice' },
      { event: 'promote', model: 'fraud', version: '2.0.0', stage: 'production', actor: 'alice', left: ['staging'], displaced: [{ version: '1.0.0', left: ['production'], to: 'archived' }] },
      { event: 'check', model: 'fraud', version: '2.0.0', actor: 'ci', check: 'smoke', passed: true },
      { event: 'prune', model: 'fraud', version: '1.0.0', actor: 'gc' },
    ]);
    const [rawPrune] = await appendEvents(a.store.layout, 'raw', [{ event: 'prune', model: 'raw', version: '1.0.0', actor: 'gc' }]);
    await push(a.store, { refs: [] });
    const result = await pull(b.store, { refs: [] });
    expect(result.warnings).toStrictEqual([
      {
        code: 'PRUNE_IGNORED',
        message: `fraud@1.0.0: remote origin (${remoteDir}) says it was pruned (event ${fraudPrune!.id}, by gc at ${fraudPrune!.time}); ignored: it is in protected stage production here`,
      },
      {
        code: 'PRUNE_IGNORED',
        message: `raw@1.0.0: remote origin (${remoteDir}) says it was pruned (event ${rawPrune!.id}, by gc at ${rawPrune!.time}); ignored: it is in the lineage of fraud@1.0.0 here`,
      },
    ]);
    // The promotions and the check are merged; the two prunes are not.
    expect(result.events).toBe(3);
    expect(await prunes(b, 'fraud')).toStrictEqual([]);
    expect(await prunes(b, 'raw')).toStrictEqual([]);
  });
});
