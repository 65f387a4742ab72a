// The live web view: an HTTP server that draws the report's pages on each request from the store as it
// is now (a register in another terminal shows on reload). Read-only: GET and HEAD only, nothing written.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MregError } from '../errors.js';
import { nameProblem } from '../core/names.js';
import { esc, page } from '../core/report/html.js';
import { renderIndex, renderModel, renderVersion } from '../core/report/pages.js';
import { gatherModel, gatherModels } from './report.js';
import type { Where } from './where.js';

export const DEFAULT_UI_PORT = 4317;
export const DEFAULT_UI_HOST = '127.0.0.1';

export interface UiOptions extends Where {
  /** the TCP port (default 4317; 0 picks a free one) */
  port?: number | undefined;
  /** the address to listen on (default 127.0.0.1); anything else exposes the registry to the network */
  host?: string | undefined;
}

export interface UiHandle {
  /** where the view is served, e.g. http://127.0.0.1:4317/ */
  url: string;
  host: string;
  port: number;
  /** whether only this machine can reach it */
  loopback: boolean;
  /** stops listening and closes open connections */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // The pages load nothing from anywhere: the policy says so to the browser as well.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** A request's page: the models (/), a model (/m/<name>/) or a version (/m/<name>/<version>.html). */
type Route = { page: 'index' } | { page: 'model'; name: string } | { page: 'version'; name: string; version: string };

function routeOf(pathname: string): Route | undefined {
  if (pathname === '/' || pathname === '/index.html') return { page: 'index' };
  const m = /^\/m\/([^/]+)\/(?:(index\.html)|([^/]+)\.html)?$/.exec(pathname);
  if (!m) return undefined;
  let name: string;
  let version: string | undefined;
  try {
    name = decodeURIComponent(m[1]!);
    version = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
  } catch {
    return undefined;
  }
  if (nameProblem(name) !== undefined) return undefined;
  return version === undefined ? { page: 'model', name } : { page: 'version', name, version };
}

function notFound(what: string): string {
  return page({ title: 'Not found', root: '/', crumbs: [{ label: 'not found' }], body: `<h1>Not found</h1><p>${esc(what)}</p>` });
}

async function render(where: Where, route: Route): Promise<{ status: number; html: string }> {
  try {
    if (route.page === 'index') return { status: 200, html: renderIndex(await gatherModels(where), { generated: new Date().toISOString() }) };
    const view = await gatherModel({ ...where, model: route.name, detail: route.page === 'model' ? 'none' : { version: route.version } });
    if (route.page === 'model') return { status: 200, html: renderModel(view, { generated: new Date().toISOString() }) };
    const html = renderVersion(view, route.version, { generated: new Date().toISOString() });
    return html === undefined ? { status: 404, html: notFound(`${route.name}@${route.version} is not registered`) } : { status: 200, html };
  } catch (err) {
    if (err instanceof MregError && (err.code === 'NOT_FOUND' || err.code === 'INVALID_NAME')) return { status: 404, html: notFound(err.message) };
    const message = err instanceof MregError ? `${err.code}: ${err.message}` : 'internal error';
    return { status: 500, html: page({ title: 'Error', root: '/', crumbs: [{ label: 'error' }], body: `<h1>The store could not be read</h1><p>${esc(message)}</p>` }) };
  }
}

export async function serveUi(opts: UiOptions): Promise<UiHandle> {
  const host = opts.host ?? DEFAULT_UI_HOST;
  const port = opts.port ?? DEFAULT_UI_PORT;
  if (!(Number.isSafeInteger(port) && port >= 0 && port <= 65535)) throw new MregError('USAGE', `port ${JSON.stringify(port)}: expected a TCP port, 0 to 65535`, { data: { option: 'port' } });
  if (!host || /[\s/]/.test(host)) throw new MregError('USAGE', `host ${JSON.stringify(host)}: expected an address or host name`, { data: { option: 'host' } });
  const where: Where = { cwd: opts.cwd, store: opts.store, ...(opts.env ? { env: opts.env } : {}) };
  // Fails now, with the usual message, when there is no store: better than a server of error pages.
  await gatherModels(where);
  const loopback = isLoopback(host);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('405 method not allowed: this view is read-only\n');
      return;
    }
    // On loopback, only pages asked for by a loopback name: a web page elsewhere cannot read the registry by DNS rebinding.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (loopback && !isLoopback(hostHeader)) {
      res.writeHead(403, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('403 this view answers only to a loopback host name\n');
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routeOf(pathname);
    const { status, html } = route ? await render(where, route) : { status: 404, html: notFound(`no page at ${pathname}`) };
    const body = Buffer.from(html);
    res.writeHead(status, { ...HEADERS, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('500 internal error\n');
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new MregError('CONFLICT', `port ${port} on ${host} is in use`, { hint: 'choose another port (0 picks a free one)', data: { option: 'port' } }) : err),
    );
    server.listen(port, host, () => resolveListen());
  });
  const actual = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    host,
    port: actual,
    loopback,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
