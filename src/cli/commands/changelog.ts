// mreg changelog <model>: Markdown on stdout (newest version first), or the entries as JSON.
import { MregError } from '../../errors.js';
import { readModelManifests } from '../../core/manifest/cache.js';
import { checkName } from '../../core/names.js';
import { buildChangelog, changelogMarkdown } from '../../core/versioning/changelog.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const model = checkName(args[0] as string);
  const store = await openContextStore(ctx);
  const manifests = await readModelManifests(store.layout, model);
  if (manifests.length === 0) throw new MregError('NOT_FOUND', `model ${model} has no versions`);
  const entries = buildChangelog(manifests);
  ctx.render.result({ model, versions: entries }, changelogMarkdown(model, entries));
  return EXIT_OK;
}
