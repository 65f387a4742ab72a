// mreg verify
import { verify, type VerifyReport } from '../../api/verify.js';
import type { Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, _args: unknown[], opts: { staged?: boolean; signatures?: boolean }): Promise<number> {
  let report: VerifyReport;
  // The pre-commit hook (--staged) hashes no blob: no progress to show.
  if (opts.staged) report = await verify({ ...whereOf(ctx), staged: true });
  else {
    const progress = await ctx.render.progress('verifying');
    try {
      report = await verify({ ...whereOf(ctx), signatures: opts.signatures, onProgress: (done, total) => progress.update(`re-hashing blobs ${done}/${total}`) });
    } finally {
      progress.stop();
    }
  }
  const { render } = ctx;
  for (const w of report.warnings) render.warn(w.message);
  const summary = opts.staged
    ? `${report.checked.manifests} staged manifest${report.checked.manifests === 1 ? '' : 's'} checked`
    : `${report.checked.manifests} manifest${report.checked.manifests === 1 ? '' : 's'}, ${report.checked.blobs} blob${report.checked.blobs === 1 ? '' : 's'} (${formatBytes(report.checked.bytes)}) checked`;
  const text = report.ok
    ? `${render.out.green('ok')}: ${summary}`
    : [...report.problems.map((p) => `${render.out.red('problem')} ${p.code}: ${p.message}`), `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}: ${summary}`].join('\n');
  render.result(report, text);
  const [first] = report.problems;
  if (first) render.failedResult(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}, the first: ${first.code}: ${first.message}`);
  return report.ok ? EXIT_OK : EXIT_FAILED;
}
