// mreg changelog <model>: Markdown on stdout (newest version first), or the entries as JSON.
import { changelog, changelogMarkdown } from '../../api/changelog.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const result = await changelog({ ...whereOf(ctx), model: args[0] as string });
  ctx.render.result(result, changelogMarkdown(result.model, result.versions));
  return EXIT_OK;
}
