// mreg clone <url> [dir]
import { relative } from 'node:path';
import { clone } from '../../core/remote/clone.js';
import { absoluteRemoteUrl } from '../../core/config/remotes.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { transferDisplay } from '../transfers.js';

interface Options {
  endpoint?: string;
  region?: string;
  name?: string;
  all?: boolean;
}

export async function run(ctx: Context, args: unknown[], opts: Options): Promise<number> {
  const [url, dir] = args as [string, string | undefined];
  const display = await transferDisplay(ctx.render, 'cloning');
  let result;
  try {
    result = await clone({ url: absoluteRemoteUrl(url, ctx.cwd), dir, cwd: ctx.cwd, name: opts.name, endpoint: opts.endpoint, region: opts.region, all: opts.all, onTransfer: display.listener, env: ctx.env });
  } finally {
    display.stop();
  }
  const models = new Set(result.versions.map((v) => v.model)).size;
  ctx.render.result(
    result,
    `cloned ${result.url} into ${relative(ctx.cwd, result.store) || '.'}: ${result.versions.length} version${result.versions.length === 1 ? '' : 's'} of ${models} model${models === 1 ? '' : 's'}, ${result.events} event${result.events === 1 ? '' : 's'}` +
      (opts.all ? `, ${result.blobs.downloaded} blobs` : '; blobs come on demand (mreg export, mreg pull <ref>)'),
  );
  return EXIT_OK;
}
