// mreg change status [--require <model>]...: the pending changes and the next version each model would get.
// With --require it is a CI gate: exit 1 when a named model has no pending change.
import { changeStatus } from '../../api/change.js';
import type { Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, _args: unknown[], opts: { require?: string[] }): Promise<number> {
  const report = await changeStatus({ ...whereOf(ctx), require: opts.require });
  const { models } = report;
  const text =
    models.length === 0
      ? 'no pending changes'
      : table(
          models.map((m) => [m.model, m.line ?? '-', m.current ?? '-', m.next, m.type, m.changes.join(', ')]),
          ['MODEL', 'LINE', 'CURRENT', 'NEXT', 'TYPE', 'CHANGES'],
        );
  ctx.render.result(report, text);
  for (const model of report.missing) {
    ctx.render.note(`mreg: no pending change for ${model}: declare one with mreg change add ${model} --change major|minor|patch -m "what changed"`);
  }
  return report.ok ? EXIT_OK : EXIT_FAILED;
}
