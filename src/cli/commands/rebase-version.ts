// mreg rebase-version <refs...> [--remote <name>]
import { rebaseVersion } from '../../api/rebase-version.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { remote?: string }): Promise<number> {
  const result = await rebaseVersion({ ...whereOf(ctx), refs: (args[0] as string[] | undefined) ?? [], remote: opts.remote });
  const lines = result.versions.map(
    (v) =>
      `moved ${v.model}@${v.from} (yours) to ${v.model}@${v.to} (hash ${v.hash}, ${v.events} event${v.events === 1 ? '' : 's'} moved with it${v.signatures_dropped ? `, ${v.signatures_dropped} signature${v.signatures_dropped === 1 ? '' : 's'} dropped: sign ${v.model}@${v.to} again` : ''}); ${v.model}@${v.from} is ${result.remote}'s`,
  );
  ctx.render.result(result, [...lines, `next: mreg push ${result.remote}`].join('\n'));
  return EXIT_OK;
}
