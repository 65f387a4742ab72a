// mreg export <ref> <dir> (Kubernetes manifests: export-k8s.ts, the subcommand 'export k8s')
import { relative } from 'node:path';
import { MregError } from '../../errors.js';
import { exportVersion, type LinkType } from '../../api/export.js';
import type { TransferListener } from '../../api/transfers.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { transferDisplay } from '../transfers.js';

export async function run(ctx: Context, args: unknown[], opts: { force?: boolean; link?: LinkType }): Promise<number> {
  const [ref, dir] = args as [string, string | undefined];
  if (dir === undefined) throw new MregError('USAGE', "export needs a directory: mreg export <ref> <dir> (or 'mreg export k8s <ref>' for Kubernetes manifests)");
  const progress = await ctx.render.progress(`exporting ${ref}`);
  let result;
  try {
    // Blobs fetched from the default remote first: bytes on the spinner, or a plain line each.
    const fetched = ctx.render.interactive ? undefined : await transferDisplay(ctx.render, '');
    const onTransfer: TransferListener = (e) => {
      if (fetched) fetched.listener(e);
      else if (e.type === 'progress') progress.update(`fetching ${e.label} from the remote: ${formatBytes(e.bytes)} / ${formatBytes(e.size)}`);
    };
    result = await exportVersion({ ...whereOf(ctx), ref, dir, force: Boolean(opts.force), link: opts.link, onProgress: (file) => progress.update(`exporting ${file}`), onTransfer });
  } finally {
    progress.stop();
  }
  ctx.render.result(result, `exported ${result.model}@${result.version} (${result.artifacts.length} file${result.artifacts.length === 1 ? '' : 's'}${result.link === 'copy' ? '' : `, ${result.link}ed`}) to ${relative(ctx.cwd, result.dir) || '.'}`);
  return EXIT_OK;
}
