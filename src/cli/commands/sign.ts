// mreg sign <ref> --key <file>
import { MregError } from '../../errors.js';
import { resolveActor } from '../../core/provenance.js';
import { signVersion } from '../../core/lifecycle/signatures.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { key?: string; actor?: string }): Promise<number> {
  if (!opts.key) throw new MregError('USAGE', 'sign needs --key <file> (make one with mreg key generate <name>)');
  const store = await openContextStore(ctx);
  const actor = await resolveActor(ctx.cwd, ctx.env, opts.actor);
  const result = await signVersion(store, args[0] as string, opts.key, actor);
  ctx.render.result(
    result,
    `signed ${result.model}@${result.version} with key ${result.fingerprint}${result.trusted_as ? ` (trusted as ${result.trusted_as})` : ' (not among the trusted keys in config.yaml yet)'}`,
  );
  return EXIT_OK;
}
