// mreg pull [remote] [refs...] [--all]
import { pull } from '../../api/pull.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { transferDisplay } from '../transfers.js';
import { remoteArgs } from './push.js';

export async function run(ctx: Context, args: unknown[], opts: { all?: boolean }): Promise<number> {
  const display = await transferDisplay(ctx.render, 'pulling');
  let outcome;
  try {
    outcome = await pull({ ...whereOf(ctx), ...remoteArgs(args), all: Boolean(opts.all), onTransfer: display.listener });
  } finally {
    display.stop();
  }
  const { asked, ...result } = outcome;
  const fresh = result.versions.filter((v) => v.new);
  const lines = fresh.map((v) => `  new ${v.model}@${v.version} (hash ${v.hash})`);
  lines.push(
    `pulled from ${result.remote} (${result.url}): ${fresh.length} new version${fresh.length === 1 ? '' : 's'}, ${result.events} new event${result.events === 1 ? '' : 's'}, ` +
      `${result.blobs.downloaded} blob${result.blobs.downloaded === 1 ? '' : 's'} downloaded (${formatBytes(result.blobs.bytes)})` +
      (result.signatures > 0 ? `, ${result.signatures} signature${result.signatures === 1 ? '' : 's'}` : ''),
  );
  if (result.skipped_events > 0) ctx.render.warn(`${result.skipped_events} history line${result.skipped_events === 1 ? '' : 's'} on the remote failed ${result.skipped_events === 1 ? 'its' : 'their'} checksum and ${result.skipped_events === 1 ? 'was' : 'were'} not merged`);
  for (const w of result.warnings) ctx.render.warn(`${w.code}: ${w.message}`);
  if (asked.length === 0 && !opts.all && fresh.length > 0) ctx.render.note('blobs come on demand (mreg export), or now with: mreg pull <ref> / mreg pull --all');
  ctx.render.result(result, lines.join('\n'));
  return EXIT_OK;
}
