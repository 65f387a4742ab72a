// mreg register <model> <paths...>
import { MregError } from '../../errors.js';
import { register, type ChangeType, type Kind } from '../../api/register.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes, throughput } from '../render/render.js';
import { whereOf } from '../context.js';

interface Options {
  version?: string;
  change?: ChangeType;
  pre?: string;
  line?: string;
  message?: string;
  param?: string[];
  metric?: string[];
  tag?: string[];
  meta?: string;
  actor?: string;
  allowUnsafe?: boolean;
  card?: string;
  rehash?: boolean;
  kind?: Kind;
  parent?: string[];
  data?: string[];
  features?: string[];
  pipeline?: string[];
}

/** The use case names its options; the command line says them as flags. */
const FLAG_WORDING: [RegExp, string][] = [
  [/^version and change: give one or the other, not both/, 'give either --version or --change, not both'],
  [/^version and pre: give one or the other, not both.*/, 'give either --version or --pre, not both (--version takes a pre-release: 1.3.0-rc.0)'],
  [/pass a version \(X\.Y\.Z\) or a change \(major\|minor\|patch\)/, 'pass --version X.Y.Z, or --change major|minor|patch'],
  [/\(version (\S+) after /, '(--version $1 after '],
  [/^register it as version /, 'register it as --version '],
  [/^params(?=[ :])/, '--param'],
  [/^metrics(?=[ :])/, '--metric'],
  [/^tags(?=[ :])/, '--tag'],
  [/^(change|kind|pre|meta)(?=[ :])/, '--$1'],
  [/\ballowUnsafe\b/, '--allow-unsafe'],
];

function inFlagWords(err: unknown): unknown {
  if (!(err instanceof MregError)) return err;
  const say = (text: string) => FLAG_WORDING.reduce((t, [from, to]) => t.replace(from, to), text);
  const [message, hint] = [say(err.message), err.hint === undefined ? undefined : say(err.hint)];
  if (message === err.message && hint === err.hint) return err;
  return new MregError(err.code, message, { ...(hint === undefined ? {} : { hint }), ...(err.data === undefined ? {} : { data: err.data }), cause: err });
}

export async function run(ctx: Context, args: unknown[], opts: Options): Promise<number> {
  const [model, paths] = args as [string, string[]];
  const progress = await ctx.render.progress(`storing ${model}`);
  let [file, started] = [0, Date.now()]; // the rate is per file
  let result;
  try {
    result = await register({
      ...whereOf(ctx),
      model,
      inputs: paths,
      version: opts.version,
      change: opts.change,
      pre: opts.pre,
      line: opts.line,
      message: opts.message,
      params: opts.param,
      metrics: opts.metric,
      tags: opts.tag,
      meta: opts.meta,
      kind: opts.kind,
      parents: opts.parent,
      data: opts.data,
      features: opts.features,
      pipeline: opts.pipeline,
      actor: opts.actor,
      allowUnsafe: opts.allowUnsafe,
      card: opts.card,
      rehash: opts.rehash,
      onProgress: (p) => {
        if (p.fileIndex !== file) [file, started] = [p.fileIndex, Date.now()];
        progress.update(
          p.bytes >= p.total
            ? `writing ${p.file} to disk (${p.fileIndex + 1}/${p.fileCount})`
            : `hashing ${p.file} (${p.fileIndex + 1}/${p.fileCount}): ${throughput(p.bytes, started, p.total)}`,
        );
      },
    });
  } catch (err) {
    throw inFlagWords(err);
  } finally {
    progress.stop();
  }
  const total = result.artifacts.reduce((sum, a) => sum + a.size, 0);
  const text = result.unchanged
    ? `unchanged: ${result.model}@${result.version} already holds these files and metadata (hash ${result.hash})`
    : `registered ${result.kind === 'model' ? '' : `${result.kind} `}${ctx.render.out.bold(`${result.model}@${result.version}`)} (hash ${result.hash}, ${result.artifacts.length} file${result.artifacts.length === 1 ? '' : 's'}, ${formatBytes(total)}; ${formatBytes(result.bytes_stored)} new)`;
  for (const w of result.warnings) {
    ctx.render.warn(`${w.path}: scan status warning, stored anyway: ${w.message}; see mreg scan`);
  }
  if (result.changes.length > 0) {
    ctx.render.note(`consumed ${result.changes.length} change${result.changes.length === 1 ? '' : 's'}: ${result.changes.map((c) => `${c.id} (${c.type})`).join(', ')}`);
  }
  for (const w of result.after_commit ?? []) ctx.render.warn(`${w.code}: ${w.message}`);
  ctx.render.result(result, text);
  return EXIT_OK;
}
