// mreg export <ref> <dir>
import { relative } from 'node:path';
import { exportVersion } from '../../core/export.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { force?: boolean }): Promise<number> {
  const [ref, dir] = args as [string, string];
  const store = await openContextStore(ctx);
  const progress = await ctx.render.progress(`exporting ${ref}`);
  let result;
  try {
    result = await exportVersion(store, ref, dir, { force: Boolean(opts.force), onProgress: (file) => progress.update(`exporting ${file}`) });
  } finally {
    progress.stop();
  }
  ctx.render.result(result, `exported ${result.model}@${result.version} (${result.artifacts.length} files) to ${relative(ctx.cwd, result.dir) || '.'}`);
  return EXIT_OK;
}
