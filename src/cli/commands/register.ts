// mreg register <model> <paths...>
import { resolve } from 'node:path';
import { readDocumentFile } from '../../core/documents.js';
import { mergeMetadata, parseAssignments } from '../../core/manifest/metadata.js';
import { validateMetadata } from '../../core/manifest/validate.js';
import { withFlagReferences } from '../../core/manifest/lineage.js';
import type { Kind, Metadata } from '../../core/manifest/types.js';
import { register, type ChangeType } from '../../api/register.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes, throughput } from '../render/render.js';

interface Options {
  version?: string;
  change?: ChangeType;
  pre?: string;
  message?: string;
  param?: string[];
  metric?: string[];
  tag?: string[];
  meta?: string;
  actor?: string;
  allowUnsafe?: boolean;
  kind?: Kind;
  parent?: string[];
  data?: string[];
  features?: string[];
  pipeline?: string[];
}

export async function run(ctx: Context, args: unknown[], opts: Options): Promise<number> {
  const [model, paths] = args as [string, string[]];
  const store = await openContextStore(ctx);
  let fileMeta: Metadata = { params: {}, metrics: {}, tags: {} };
  if (opts.meta) fileMeta = validateMetadata(await readDocumentFile(resolve(ctx.cwd, opts.meta), opts.meta), opts.meta);
  const meta = mergeMetadata(fileMeta, {
    params: parseAssignments(opts.param ?? [], '--param'),
    metrics: parseAssignments(opts.metric ?? [], '--metric'),
    tags: parseAssignments(opts.tag ?? [], '--tag'),
    ...(opts.message === undefined ? {} : { message: opts.message }),
  });
  const lineage = withFlagReferences(meta.lineage, { parents: opts.parent, data: opts.data, features: opts.features, pipeline: opts.pipeline });
  if (lineage) meta.lineage = lineage;

  const progress = await ctx.render.progress(`storing ${model}`);
  let [file, started] = [0, Date.now()]; // the rate is per file
  let result;
  try {
    result = await register(store, {
      model,
      inputs: paths,
      cwd: ctx.cwd,
      env: ctx.env,
      version: opts.version,
      change: opts.change,
      pre: opts.pre,
      meta,
      kind: opts.kind,
      actor: opts.actor,
      allowUnsafe: opts.allowUnsafe,
      onProgress: (p) => {
        if (p.fileIndex !== file) [file, started] = [p.fileIndex, Date.now()];
        progress.update(
          p.bytes >= p.total
            ? `writing ${p.file} to disk (${p.fileIndex + 1}/${p.fileCount})`
            : `hashing ${p.file} (${p.fileIndex + 1}/${p.fileCount}): ${throughput(p.bytes, started, p.total)}`,
        );
      },
    });
  } finally {
    progress.stop();
  }
  const total = result.artifacts.reduce((sum, a) => sum + a.size, 0);
  const text = result.unchanged
    ? `unchanged: ${result.model}@${result.version} already holds these files and metadata (hash ${result.hash})`
    : `registered ${result.kind === 'model' ? '' : `${result.kind} `}${ctx.render.out.bold(`${result.model}@${result.version}`)} (hash ${result.hash}, ${result.artifacts.length} file${result.artifacts.length === 1 ? '' : 's'}, ${formatBytes(total)}; ${formatBytes(result.bytes_stored)} new)`;
  if (result.changes.length > 0) {
    ctx.render.note(`consumed ${result.changes.length} change${result.changes.length === 1 ? '' : 's'}: ${result.changes.map((c) => `${c.id} (${c.type})`).join(', ')}`);
  }
  ctx.render.result(result, text);
  return EXIT_OK;
}
