// mreg change ls
import { changeList } from '../../api/change.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context): Promise<number> {
  const rows = await changeList(whereOf(ctx));
  ctx.render.result(
    rows,
    rows.length === 0
      ? 'no pending changes'
      : table(
          rows.map((r) => [r.id, Object.entries(r.models).map(([m, t]) => `${m}${r.lines?.[m] === undefined ? '' : `@${r.lines[m]}`}: ${t}`).join(', '), r.summary.split('\n')[0]!]),
          ['ID', 'MODELS', 'SUMMARY'],
        ),
  );
  return EXIT_OK;
}
