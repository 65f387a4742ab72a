// mreg sign <ref> --key <file> (or the key's text in MREG_SIGNING_KEY)
import { sign } from '../../api/sign.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { key?: string; actor?: string }): Promise<number> {
  const result = await sign({ ...whereOf(ctx), ref: args[0] as string, keyFile: opts.key, actor: opts.actor });
  ctx.render.result(
    result,
    `signed ${result.model}@${result.version} with key ${result.fingerprint}${result.trusted_as ? ` (trusted as ${result.trusted_as})` : ' (not among the trusted keys in config.yaml yet)'}`,
  );
  return EXIT_OK;
}
