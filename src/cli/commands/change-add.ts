// mreg change add <models...> --change T -m "summary"
import { relative } from 'node:path';
import { MregError } from '../../errors.js';
import { checkName } from '../../core/names.js';
import { isChangeType, type ChangeType } from '../../core/versioning/bump.js';
import { checkSummary } from '../../core/versioning/change-file.js';
import { addChange } from '../../core/versioning/changes.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { change?: string; message?: string }): Promise<number> {
  const [names] = args as [string[]];
  // Everything is checked before the store is touched: bad input writes nothing.
  if (!isChangeType(opts.change)) throw new MregError('USAGE', '--change is required: major, minor or patch');
  if (opts.message === undefined) throw new MregError('USAGE', '-m "summary" is required: say what changed, for the changelog');
  const summary = checkSummary(opts.message);
  const models: Record<string, ChangeType> = {};
  for (const name of names) {
    checkName(name);
    if (Object.hasOwn(models, name)) throw new MregError('USAGE', `model ${name} is named twice`);
    models[name] = opts.change;
  }
  const store = await openContextStore(ctx);
  const change = await addChange(store.layout, { models, summary });
  ctx.render.result(
    { id: change.id, path: change.path, models: change.models, summary: change.summary },
    `added ${relative(ctx.cwd, change.path) || change.path} (${names.join(', ')}: ${opts.change})`,
  );
  return EXIT_OK;
}
