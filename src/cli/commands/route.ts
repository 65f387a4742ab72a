// mreg route set|get|show
import { MregError } from '../../errors.js';
import { checkName } from '../../core/names.js';
import { resolveActor } from '../../core/provenance.js';
import { bucket, parseSplit, pick, readRouting, setRouting } from '../../core/routing/route.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { salt?: string; actor?: string }): Promise<number> {
  const [action, modelArg, rest] = args as [string, string, string[]];
  const model = checkName(modelArg);
  const store = await openContextStore(ctx);
  if (action === 'set') {
    const actor = await resolveActor(ctx.cwd, ctx.env, opts.actor);
    const { split, salt } = await setRouting(store, model, parseSplit(rest), opts.salt ?? '', actor);
    ctx.render.result({ model, split, salt }, `routing ${model}: ${split.map((s) => `${s.version}=${s.weight}`).join(' ')}${salt ? ` (salt ${JSON.stringify(salt)})` : ''}`);
    return EXIT_OK;
  }
  const routing = await readRouting(store, model);
  if (action === 'show') {
    ctx.render.result(routing ? { model, ...routing } : { model, split: [], salt: '' }, routing ? routing.split.map((s) => `${s.version}\t${s.weight}`).join('\n') : `no routing set for ${model}`);
    return EXIT_OK;
  }
  if (action === 'get') {
    if (rest.length !== 1) throw new MregError('USAGE', 'route get <model> <user-id>');
    if (!routing) throw new MregError('NOT_FOUND', `no routing set for ${model} (mreg route set ${model} <version>=<weight>...)`);
    const b = bucket(model, routing.salt, rest[0]!);
    const version = pick(routing.split, b);
    ctx.render.result({ model, user: rest[0], version, bucket: b }, version);
    return EXIT_OK;
  }
  throw new MregError('USAGE', `unknown route action ${JSON.stringify(action)} (expected set, get or show)`);
}
