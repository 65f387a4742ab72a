// mreg sign <ref> --key <file>
import { MregError } from '../../errors.js';
import { sign } from '../../api/sign.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { key?: string; actor?: string }): Promise<number> {
  if (!opts.key) throw new MregError('USAGE', 'sign needs --key <file> (make one with mreg key generate <name>)');
  const result = await sign({ ...whereOf(ctx), ref: args[0] as string, keyFile: opts.key, actor: opts.actor });
  ctx.render.result(
    result,
    `signed ${result.model}@${result.version} with key ${result.fingerprint}${result.trusted_as ? ` (trusted as ${result.trusted_as})` : ' (not among the trusted keys in config.yaml yet)'}`,
  );
  return EXIT_OK;
}
