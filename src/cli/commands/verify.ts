// mreg verify
import { verifyStore } from '../../core/verify.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { formatBytes } from '../render.js';

export async function run(ctx: Context): Promise<number> {
  const store = await openContextStore(ctx);
  const progress = await ctx.render.progress('verifying');
  let report;
  try {
    report = await verifyStore(store, (done, total) => progress.update(`re-hashing blobs ${done}/${total}`));
  } finally {
    progress.stop();
  }
  const { render } = ctx;
  for (const w of report.warnings) render.warn(w.message);
  const summary = `${report.checked.manifests} manifests, ${report.checked.blobs} blobs (${formatBytes(report.checked.bytes)}) checked`;
  const text = report.ok
    ? `${render.out.green('ok')}: ${summary}`
    : [...report.problems.map((p) => `${render.out.red('problem')} ${p.code}: ${p.message}`), `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}: ${summary}`].join('\n');
  render.result(report, text);
  return report.ok ? EXIT_OK : EXIT_FAILED;
}
