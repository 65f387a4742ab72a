// mreg change status [--require <model>]...: the pending changes and the next version each model would get.
// With --require it is a CI gate: exit 1 when a named model has no pending change.
import { checkName } from '../../core/names.js';
import { ConsumedIndex, pendingChanges, readChanges } from '../../core/versioning/changes.js';
import { planBump } from '../../core/versioning/plan.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';

export async function run(ctx: Context, _args: unknown[], opts: { require?: string[] }): Promise<number> {
  const required = (opts.require ?? []).map((m) => checkName(m));
  const store = await openContextStore(ctx);
  const changes = await readChanges(store.layout);
  const index = new ConsumedIndex(store.layout);
  const pending = await pendingChanges(store.layout, changes, index);
  const names = [...new Set(pending.flatMap((c) => Object.keys(c.models)))].sort();
  const models = [];
  for (const model of names) {
    const plan = await planBump(store.layout, { model, cwd: ctx.cwd }, { changes, index });
    models.push({ model, current: plan.current, next: plan.next, type: plan.type, changes: plan.changes.map((c) => c.id) });
  }
  const missing = required.filter((m) => !names.includes(m));
  const report = {
    ok: missing.length === 0,
    changes: pending.map((c) => ({ id: c.id, models: c.models, summary: c.summary })),
    models,
    missing,
  };
  const text =
    models.length === 0
      ? 'no pending changes'
      : table(
          models.map((m) => [m.model, m.current ?? '-', m.next, m.type, m.changes.join(', ')]),
          ['MODEL', 'CURRENT', 'NEXT', 'TYPE', 'CHANGES'],
        );
  ctx.render.result(report, text);
  for (const model of missing) {
    ctx.render.note(`mreg: no pending change for ${model}: declare one with mreg change add ${model} --type major|minor|patch -m "what changed"`);
  }
  return report.ok ? EXIT_OK : EXIT_FAILED;
}
