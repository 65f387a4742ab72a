// mreg export <ref> <dir>
import { relative, resolve } from 'node:path';
import { MregError } from '../../errors.js';
import { exportVersion } from '../../api/export.js';
import type { TransferListener } from '../../core/remote/backend.js';
import { resolveRef } from '../../core/lifecycle/refs.js';
import { readManifest } from '../../core/manifest/versions.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { transferDisplay } from '../transfers.js';

async function kubernetes(ctx: Context, ref: string, opts: { replicas?: string; image?: string }): Promise<number> {
  const store = await openContextStore(ctx);
  const { model, version } = await resolveRef(store, ref);
  const manifest = await readManifest(store.layout, model, version);
  const replicas = opts.replicas === undefined ? undefined : Number(opts.replicas);
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw new MregError('USAGE', `--replicas ${opts.replicas}: expected a whole number`);
  const { renderDeployment, renderService, toYamlDocuments } = await import('../../core/deploy/k8s.js');
  const o = { model, version, hash: manifest.hash, ...(opts.image ? { image: opts.image } : {}), ...(replicas === undefined ? {} : { replicas }) };
  const docs = [renderDeployment(o), renderService(o)];
  // The YAML itself is the result: it goes to stdout to be piped into kubectl.
  ctx.render.result(docs, toYamlDocuments(docs));
  return EXIT_OK;
}

export async function run(ctx: Context, args: unknown[], opts: { force?: boolean; replicas?: string; image?: string }): Promise<number> {
  const [ref, dir] = args as [string, string | undefined];
  // The bare word k8s names the format; a model called k8s is still reachable as k8s@latest.
  if (ref === 'k8s') {
    if (dir === undefined) throw new MregError('USAGE', 'export k8s <ref>: name the version, e.g. mreg export k8s fraud@production');
    return kubernetes(ctx, dir, opts);
  }
  if (dir === undefined) throw new MregError('USAGE', "export needs a directory: mreg export <ref> <dir> (or 'mreg export k8s <ref>' for Kubernetes manifests)");
  const store = await openContextStore(ctx);
  const progress = await ctx.render.progress(`exporting ${ref}`);
  let result;
  try {
    // Blobs fetched from the default remote first: bytes on the spinner, or a plain line each.
    const fetched = ctx.render.interactive ? undefined : await transferDisplay(ctx.render, '');
    const onTransfer: TransferListener = (e) => {
      if (fetched) fetched.listener(e);
      else if (e.type === 'progress') progress.update(`fetching ${e.label} from the remote: ${formatBytes(e.bytes)} / ${formatBytes(e.size)}`);
    };
    result = await exportVersion(store, ref, resolve(ctx.cwd, dir), { force: Boolean(opts.force), onProgress: (file) => progress.update(`exporting ${file}`), onTransfer });
  } finally {
    progress.stop();
  }
  ctx.render.result(result, `exported ${result.model}@${result.version} (${result.artifacts.length} files) to ${relative(ctx.cwd, result.dir) || '.'}`);
  return EXIT_OK;
}
