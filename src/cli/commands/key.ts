// mreg key generate|trust|untrust: one export per subcommand.
import { keyGenerate, keyTrust, keyUntrust } from '../../api/key.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function generate(ctx: Context, args: unknown[], opts: { out?: string }): Promise<number> {
  const keys = await keyGenerate({ ...whereOf(ctx), name: args[0] as string, dir: opts.out });
  ctx.render.result(keys, `wrote ${keys.private_key} (keep it secret) and ${keys.public_key}\nto trust it: mreg key trust ${keys.name} ${keys.public_key}`);
  return EXIT_OK;
}

export async function trust(ctx: Context, args: unknown[]): Promise<number> {
  const [name, publicKeyFile] = args as [string, string];
  const trusted = await keyTrust({ ...whereOf(ctx), name, publicKeyFile });
  ctx.render.result(trusted, trusted.unchanged ? `key ${trusted.fingerprint} is already trusted as ${trusted.name}; nothing changed` : `trusted key ${trusted.fingerprint} as ${trusted.name} (config.yaml keys:)`);
  return EXIT_OK;
}

export async function untrust(ctx: Context, args: unknown[]): Promise<number> {
  const removed = await keyUntrust({ ...whereOf(ctx), name: args[0] as string });
  ctx.render.result(removed, `no longer trusting ${removed.name} (key ${removed.fingerprint}); its signatures stay, but no longer count`);
  return EXIT_OK;
}
