// mreg change ls
import { pendingChanges } from '../../core/versioning/changes.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';

export async function run(ctx: Context): Promise<number> {
  const store = await openContextStore(ctx);
  const rows = (await pendingChanges(store.layout)).map((c) => ({ id: c.id, models: c.models, summary: c.summary }));
  ctx.render.result(
    rows,
    rows.length === 0
      ? 'no pending changes'
      : table(
          rows.map((r) => [r.id, Object.entries(r.models).map(([m, t]) => `${m}: ${t}`).join(', '), r.summary.split('\n')[0]!]),
          ['ID', 'MODELS', 'SUMMARY'],
        ),
  );
  return EXIT_OK;
}
