// mreg verify
import { MregError } from '../../errors.js';
import { locateStoreRoot } from '../../core/store.js';
import type { VerifyReport } from '../../core/verify/verify.js';
import { openContextStore, storeOption, type Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';

async function staged(ctx: Context): Promise<VerifyReport> {
  // The pre-commit hook: no config parsing, no blob hashing; only what the commit changes.
  const root = await locateStoreRoot({ store: storeOption(ctx), cwd: ctx.cwd });
  if (!root) throw new MregError('NO_STORE', 'no .modelreg store found (run mreg init)');
  const { verifyStaged } = await import('../../core/verify/staged.js');
  return verifyStaged(root, ctx.cwd, ctx.env);
}

export async function run(ctx: Context, _args: unknown[], opts: { staged?: boolean; signatures?: boolean }): Promise<number> {
  let report: VerifyReport;
  if (opts.staged) report = await staged(ctx);
  else {
    const store = await openContextStore(ctx);
    const { verifyStore } = await import('../../core/verify/verify.js');
    const progress = await ctx.render.progress('verifying');
    try {
      report = await verifyStore(store, (done, total) => progress.update(`re-hashing blobs ${done}/${total}`));
      if (opts.signatures) {
        const { verifyAllSignatures } = await import('../../core/lifecycle/signatures.js');
        report.problems.push(...(await verifyAllSignatures(store)));
        report.ok = report.problems.length === 0;
      }
    } finally {
      progress.stop();
    }
  }
  const { render } = ctx;
  for (const w of report.warnings) render.warn(w.message);
  const summary = opts.staged
    ? `${report.checked.manifests} staged manifest${report.checked.manifests === 1 ? '' : 's'} checked`
    : `${report.checked.manifests} manifests, ${report.checked.blobs} blobs (${formatBytes(report.checked.bytes)}) checked`;
  const text = report.ok
    ? `${render.out.green('ok')}: ${summary}`
    : [...report.problems.map((p) => `${render.out.red('problem')} ${p.code}: ${p.message}`), `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}: ${summary}`].join('\n');
  render.result(report, text);
  return report.ok ? EXIT_OK : EXIT_FAILED;
}
