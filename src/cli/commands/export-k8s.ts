// mreg export k8s <ref>: the YAML itself is the result, on stdout, to be piped into kubectl.
import { MregError } from '../../errors.js';
import { exportK8s } from '../../api/k8s.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { replicas?: string; image?: string }): Promise<number> {
  const replicas = opts.replicas === undefined ? undefined : Number(opts.replicas);
  if (replicas !== undefined && (opts.replicas!.trim() === '' || !Number.isInteger(replicas) || replicas < 0)) throw new MregError('USAGE', `--replicas ${opts.replicas}: expected a whole number`);
  const manifests = await exportK8s({ ...whereOf(ctx), ref: args[0] as string, replicas, image: opts.image });
  ctx.render.result(manifests.documents, manifests.yaml);
  return EXIT_OK;
}
