// Garbage collection (src/core/retention/gc.ts) of a kept version whose lineage names a parent this
// store does not hold: a model it has no version of at all, or a version its model lacks here. Such a
// store is made by pulling the child's model alone: the kept child must keep nothing else, fail nothing.
import { describe, expect, it } from 'vitest';
import { scratchStore } from '../helpers/store.js';
import { pull } from '../../src/core/remote/pull.js';
import { push } from '../../src/core/remote/push.js';
import { collectGarbage } from '../../src/core/retention/gc.js';
import { tempDir } from '../helpers/cli.js';

const LATER = () => new Date(Date.now() + 2 * 3_600_000);

const side = (remoteDir: string) => scratchStore('mreg-gc-absent-', remoteDir);

/** A remote holding raw@1.0.0 and fraud@1.0.0 made from it, and a second store `b` to pull into. */
async function world() {
  const remoteDir = tempDir('mreg-gc-absent-remote-');
  const a = await side(remoteDir);
  await a.add('raw', '1.0.0', 'raw one');
  await a.add('fraud', '1.0.0', 'fraud one', ['raw@1.0.0']);
  await push(a.store, { refs: [] });
  return side(remoteDir);
}

const pruned = (report: { pruned: { model: string; version: string }[] }) => report.pruned.map((p) => `${p.model}@${p.version}`);

describe('collectGarbage, a kept version whose parent is not held here', () => {
  it('a parent in a model this store holds no version of: nothing else kept, nothing pruned, no failure', async () => {
    const b = await world();
    await pull(b.store, { refs: [], models: ['fraud'] });
    // fraud@1.0.0 is the last (so kept) version, and its parent raw@1.0.0 has no model here.
    const report = await collectGarbage(b.store, { actor: 'collector', now: LATER(), keepLast: 1 });
    expect(report).toStrictEqual({ dry_run: false, pruned: [], blobs_deleted: 0, bytes_reclaimed: 0, temp_files_removed: 0, blobs_in_grace: 0 });
  });

  it('a parent version its model lacks here: the model\'s own versions follow the policy alone', async () => {
    const b = await world();
    await b.add('raw', '8.0.0', 'raw eight');
    await b.add('raw', '9.0.0', 'raw nine');
    await pull(b.store, { refs: [], models: ['fraud'] });
    // raw is here, raw@1.0.0 is not: raw keeps its last version only, and fraud@1.0.0 stays.
    const report = await collectGarbage(b.store, { actor: 'collector', now: LATER(), keepLast: 1, dryRun: true });
    expect(pruned(report)).toStrictEqual(['raw@8.0.0']);
  });
});
