// mreg gc
import { gc } from '../../api/gc.js';
import { MregError } from '../../errors.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, _args: unknown[], opts: { dryRun?: boolean; keepLast?: string }): Promise<number> {
  const keepLast = opts.keepLast === undefined ? undefined : Number(opts.keepLast);
  if (keepLast !== undefined && !(Number.isInteger(keepLast) && keepLast >= 1)) throw new MregError('USAGE', `--keep-last ${opts.keepLast}: expected a whole number >= 1`);
  const report = await gc({ ...whereOf(ctx), dryRun: opts.dryRun, keepLast });
  const verb = report.dry_run ? 'would ' : '';
  const lines = report.pruned.map((p) => `${verb}prune ${p.model}@${p.version} (created ${p.created_at})`);
  lines.push(
    `${report.dry_run ? 'dry run: ' : ''}${report.pruned.length} version${report.pruned.length === 1 ? '' : 's'} ${verb}${report.dry_run ? 'be ' : ''}pruned, ${report.blobs_deleted} blob${report.blobs_deleted === 1 ? '' : 's'} (${formatBytes(report.bytes_reclaimed)}) ${report.dry_run ? 'would be ' : ''}deleted, ${report.temp_files_removed} temp file${report.temp_files_removed === 1 ? '' : 's'} ${report.dry_run ? 'would be ' : ''}removed${report.blobs_in_grace ? `; ${report.blobs_in_grace} recent unreferenced blob${report.blobs_in_grace === 1 ? '' : 's'} left for the grace period` : ''}`,
  );
  ctx.render.result(report, lines.join('\n'));
  return EXIT_OK;
}
