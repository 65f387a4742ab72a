// mreg report --out <dir> [--model M]...: the web view as static HTML pages, for a CI job to publish.
import { report } from '../../api/report.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, _args: unknown[], opts: { out?: string; model?: string[] }): Promise<number> {
  const result = await report({ ...whereOf(ctx), out: opts.out ?? '', models: opts.model });
  ctx.render.result(
    result,
    `wrote ${result.pages.length} page${result.pages.length === 1 ? '' : 's'} for ${result.models.length} name${result.models.length === 1 ? '' : 's'}${result.removed.length ? `, removed ${result.removed.length} page${result.removed.length === 1 ? '' : 's'} an earlier report wrote` : ''}\nopen ${result.index}\nbrowse it live: mreg ui`,
  );
  return EXIT_OK;
}
