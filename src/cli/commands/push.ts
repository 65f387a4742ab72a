// mreg push [remote] [refs...]
import { push } from '../../api/push.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { transferDisplay } from '../transfers.js';

/** [remote] [refs...]: the first argument names a remote when one of that name is configured (decided by the use case). */
export function remoteArgs(args: unknown[]): { refs: string[]; remoteMayLead: true } {
  const [first, rest] = args as [string | undefined, string[] | undefined];
  return { refs: [...(first === undefined ? [] : [first]), ...(rest ?? [])], remoteMayLead: true };
}

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const display = await transferDisplay(ctx.render, 'pushing');
  let result;
  try {
    result = await push({ ...whereOf(ctx), ...remoteArgs(args), onTransfer: display.listener });
  } finally {
    display.stop();
  }
  const pushed = result.versions.filter((v) => v.pushed);
  const lines = pushed.map((v) => `  pushed ${v.model}@${v.version} (hash ${v.hash})`);
  const blobs = `${result.blobs.uploaded} blob${result.blobs.uploaded === 1 ? '' : 's'} uploaded (${formatBytes(result.blobs.bytes)})${result.blobs.present ? `, ${result.blobs.present} already there` : ''}`;
  const summary = pushed.length
    ? `pushed ${pushed.length} version${pushed.length === 1 ? '' : 's'} to ${result.remote} (${result.url}): ${blobs}; ${result.events} event${result.events === 1 ? '' : 's'}`
    : `${result.remote} (${result.url}) already has ${result.versions.length === 1 ? 'this version' : `these ${result.versions.length} versions`}; ${result.events} new event${result.events === 1 ? '' : 's'} pushed`;
  const signed = result.signatures > 0 ? `; ${result.signatures} signature${result.signatures === 1 ? '' : 's'}` : '';
  ctx.render.result(result, [...lines, summary + signed].join('\n'));
  return EXIT_OK;
}
