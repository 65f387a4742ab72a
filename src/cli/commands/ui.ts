// mreg ui [--port N] [--host H] [--open]: serves the web view until SIGINT or SIGTERM.
import { spawn } from 'node:child_process';
import { serveUi } from '../../api/ui.js';
import { MregError } from '../../errors.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

function openBrowser(ctx: Context, url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => ctx.render.warn(`could not start ${command} to open the browser: open ${url} yourself`));
  child.unref();
}

export async function run(ctx: Context, _args: unknown[], opts: { port?: string; host?: string; open?: boolean }): Promise<number> {
  const port = opts.port === undefined ? undefined : /^\d+$/.test(opts.port) ? Number(opts.port) : Number.NaN;
  if (port !== undefined && !(port >= 0 && port <= 65535)) throw new MregError('USAGE', `--port ${JSON.stringify(opts.port)}: expected a TCP port, 0 to 65535`);
  const handle = await serveUi({ ...whereOf(ctx), port, host: opts.host });
  if (!handle.loopback) ctx.render.warn(`serving on ${handle.host}: anyone who can reach this address can read the registry (read-only)`);
  ctx.render.result({ url: handle.url, host: handle.host, port: handle.port }, `mreg ui: serving the registry read-only at ${handle.url} (Ctrl-C to stop)`);
  if (opts.open) openBrowser(ctx, handle.url);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await handle.close();
  ctx.render.note(`mreg ui: stopped (${signal})`);
  return EXIT_OK;
}
