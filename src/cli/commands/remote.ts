// mreg remote add|ls|rm: one export per subcommand.
import { MregError } from '../../errors.js';
import { remoteAdd, remoteList, remoteRemove } from '../../api/remote.js';
import { whereOf, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';

/** --endpoint and --region describe an S3 server; said here in flag words before the use case sees them. */
export function checkS3Flags(url: string, opts: { endpoint?: string; region?: string }): void {
  for (const flag of ['endpoint', 'region'] as const) {
    if (opts[flag] !== undefined && !url.startsWith('s3://')) throw new MregError('INVALID_INPUT', `--${flag} applies only to an s3:// remote`);
  }
}

/** The use case's messages name the endpoint and region in words; the command line knows them as flags. */
export function inFlagWords(err: unknown): unknown {
  if (err instanceof MregError && /^invalid (endpoint|region) /.test(err.message)) {
    return new MregError(err.code, err.message.replace(/^invalid (endpoint|region) /, 'invalid --$1 '), { ...(err.hint ? { hint: err.hint } : {}), cause: err });
  }
  return err;
}

export async function add(ctx: Context, args: unknown[], opts: { endpoint?: string; region?: string; default?: boolean }): Promise<number> {
  const [name, url] = args as [string, string];
  checkS3Flags(url, opts);
  const remote = await remoteAdd({ ...whereOf(ctx), name, url, endpoint: opts.endpoint, region: opts.region, default: opts.default }).catch((err: unknown) => {
    throw inFlagWords(err);
  });
  ctx.render.result(remote, `added remote ${remote.name} (${remote.url}${remote.endpoint ? ` at ${remote.endpoint}` : ''})${remote.default ? ', the default' : ''}`);
  return EXIT_OK;
}

export async function ls(ctx: Context): Promise<number> {
  const rows = await remoteList(whereOf(ctx));
  const text = rows.length ? table(rows.map((r) => [r.name, r.url, r.endpoint ?? '', r.default ? '(default)' : ''])) : 'no remotes (add one with: mreg remote add origin s3://bucket/prefix)';
  ctx.render.result(rows, text);
  return EXIT_OK;
}

export async function rm(ctx: Context, args: unknown[]): Promise<number> {
  const removed = await remoteRemove({ ...whereOf(ctx), name: args[0] as string });
  ctx.render.result(removed, `removed remote ${removed.name} (${removed.url}); nothing on it was touched`);
  return EXIT_OK;
}
