// mreg push [remote] [refs...]
import { push } from '../../core/remote/push.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes } from '../render/render.js';
import { transferDisplay } from '../transfers.js';

/** The first argument is a remote when one of that name is configured; otherwise every argument is a reference. */
export function splitRemoteArgs(remotes: Record<string, unknown>, first: string | undefined, rest: string[]): { remote?: string; refs: string[] } {
  if (first === undefined) return { refs: rest };
  if (Object.hasOwn(remotes, first)) return { remote: first, refs: rest };
  return { refs: [first, ...rest] };
}

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const [first, rest] = args as [string | undefined, string[]];
  const store = await openContextStore(ctx);
  const { remote, refs } = splitRemoteArgs(store.config.remotes, first, rest ?? []);
  const display = await transferDisplay(ctx.render, 'pushing');
  let result;
  try {
    result = await push(store, { remote, refs, onTransfer: display.listener, env: ctx.env });
  } finally {
    display.stop();
  }
  const pushed = result.versions.filter((v) => v.pushed);
  const lines = pushed.map((v) => `  pushed ${v.model}@${v.version} (hash ${v.hash})`);
  const blobs = `${result.blobs.uploaded} blob${result.blobs.uploaded === 1 ? '' : 's'} uploaded (${formatBytes(result.blobs.bytes)})${result.blobs.present ? `, ${result.blobs.present} already there` : ''}`;
  const summary = pushed.length
    ? `pushed ${pushed.length} version${pushed.length === 1 ? '' : 's'} to ${result.remote} (${result.url}): ${blobs}; ${result.events} event${result.events === 1 ? '' : 's'}`
    : `${result.remote} (${result.url}) already has ${result.versions.length === 1 ? 'this version' : `these ${result.versions.length} versions`}; ${result.events} new event${result.events === 1 ? '' : 's'} pushed`;
  ctx.render.result(result, [...lines, summary].join('\n'));
  return EXIT_OK;
}
