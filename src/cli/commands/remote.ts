// mreg remote add|ls|rm
import { MregError } from '../../errors.js';
import { addRemote, listRemotes, removeRemote } from '../../core/remote/remotes.js';
import { absoluteRemoteUrl, defaultRemote, type RemoteConfig } from '../../core/config/remotes.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';

interface Options {
  endpoint?: string;
  region?: string;
  default?: boolean;
}

function shape(remote: RemoteConfig, isDefault: boolean) {
  return { name: remote.name, url: remote.url, ...(remote.endpoint ? { endpoint: remote.endpoint } : {}), ...(remote.region ? { region: remote.region } : {}), default: isDefault };
}

export async function run(ctx: Context, args: unknown[], opts: Options): Promise<number> {
  const [action, name, url] = args as [string, string | undefined, string | undefined];
  const extra = (allowed: number) => {
    if ([name, url].filter((a) => a !== undefined).length > allowed) throw new MregError('USAGE', `too many arguments for remote ${action}`);
    if (action !== 'add' && (opts.endpoint !== undefined || opts.region !== undefined || opts.default)) {
      throw new MregError('USAGE', `--endpoint, --region and --default go with remote add, not remote ${action}`);
    }
  };
  if (action === 'add') {
    if (name === undefined || url === undefined) throw new MregError('USAGE', 'remote add needs a name and a URL: mreg remote add origin s3://bucket/prefix');
    const store = await openContextStore(ctx);
    const { remote, remotes } = await addRemote(store, { name, url: absoluteRemoteUrl(url, ctx.cwd), endpoint: opts.endpoint, region: opts.region, default: opts.default });
    const isDefault = defaultRemote(remotes)?.name === remote.name;
    ctx.render.result(shape(remote, isDefault), `added remote ${remote.name} (${remote.url}${remote.endpoint ? ` at ${remote.endpoint}` : ''})${isDefault ? ', the default' : ''}`);
    return EXIT_OK;
  }
  if (action === 'ls') {
    extra(0);
    const store = await openContextStore(ctx);
    const chosen = defaultRemote(store.config.remotes)?.name;
    const rows = listRemotes(store.config).map((r) => shape(r, r.name === chosen));
    const text = rows.length
      ? table(rows.map((r) => [r.name, r.url, r.endpoint ?? '', r.default ? '(default)' : '']))
      : 'no remotes (add one with: mreg remote add origin s3://bucket/prefix)';
    ctx.render.result(rows, text);
    return EXIT_OK;
  }
  if (action === 'rm') {
    extra(1);
    if (name === undefined) throw new MregError('USAGE', 'remote rm needs the name of a remote');
    const store = await openContextStore(ctx);
    const removed = await removeRemote(store, name);
    ctx.render.result({ name: removed.name, url: removed.url, removed: true }, `removed remote ${removed.name} (${removed.url}); nothing on it was touched`);
    return EXIT_OK;
  }
  throw new MregError('USAGE', `unknown remote action ${JSON.stringify(action)} (expected add, ls or rm)`);
}
