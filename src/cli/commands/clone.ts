// mreg clone <url> [dir]
import { relative } from 'node:path';
import { clone } from '../../api/clone.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { transferDisplay } from '../transfers.js';
import { checkS3Flags, inFlagWords } from './remote.js';

interface Options {
  endpoint?: string;
  region?: string;
  name?: string;
  all?: boolean;
  trustKey?: string[];
}

export async function run(ctx: Context, args: unknown[], opts: Options): Promise<number> {
  const [url, dir] = args as [string, string | undefined];
  checkS3Flags(url, opts);
  const display = await transferDisplay(ctx.render, 'cloning');
  let result;
  try {
    result = await clone({ ...whereOf(ctx), url, dir, name: opts.name, endpoint: opts.endpoint, region: opts.region, all: opts.all, trustKeys: opts.trustKey, onTransfer: display.listener }).catch((err: unknown) => {
      throw inFlagWords(err);
    });
  } finally {
    display.stop();
  }
  const models = new Set(result.versions.map((v) => v.model)).size;
  ctx.render.result(
    result,
    `cloned ${result.url} into ${relative(ctx.cwd, result.store) || '.'}: ${result.versions.length} version${result.versions.length === 1 ? '' : 's'} of ${models} model${models === 1 ? '' : 's'}, ${result.events} event${result.events === 1 ? '' : 's'}` +
      (opts.all ? `, ${result.blobs.downloaded} blobs` : '; blobs come on demand (mreg export, mreg pull <ref>)') +
      result.trusted.map((k) => `\ntrusted key ${k.fingerprint} as ${k.name}`).join(''),
  );
  return EXIT_OK;
}
