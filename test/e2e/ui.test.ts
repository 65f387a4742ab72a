// mreg ui: the live view, driven in-process through its use case (serveUi) and once as a real process.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi, type UiHandle } from '../../src/api/ui.js';
import { cliPasses, spawnMreg } from '../helpers/cli.js';
import { randomContent, type Project } from '../helpers/store.js';
import { viewProject } from '../helpers/view-fixture.js';

let p: Project;
let ui: UiHandle;

beforeAll(async () => {
  p = await viewProject();
  ui = await serveUi({ cwd: p.dir, port: 0 });
});
afterAll(async () => ui?.close());

function send(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, ui.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mreg ui (the use case)', () => {
  it('listens on 127.0.0.1 and serves the same pages as the report', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(ui.loopback).toBe(true);
    const index = await send('GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(index.body).toMatch(/<a href="m\/fraud\/index.html">fraud<\/a>/);
    expect((await send('GET', '/m/fraud/')).body).toMatch(/<h1>fraud<\/h1>/);
    expect((await send('GET', '/m/fraud/index.html')).body).toMatch(/<h1>fraud<\/h1>/);
    expect((await send('GET', '/m/fraud/1.3.0.html')).body).toMatch(/<h1>fraud@1\.3\.0<\/h1>/);
  });

  it('draws only the page asked for, whole: a version page with its graph, scan and card, a data set page with every impact', async () => {
    const version = (await send('GET', '/m/fraud/1.2.0.html')).body;
    expect(version).toMatch(/<figure class="lineage-graph">[\s\S]*data-id="transactions@2\.0\.0" href="\.\.\/transactions\/2\.0\.0\.html"/);
    expect(version).toMatch(/<table id="scan">[\s\S]*weights\.bin/);
    expect(version).toMatch(/<details id="card">/);
    const data = (await send('GET', '/m/transactions/')).body;
    expect(data.match(/<table id="impact">[\s\S]*?<\/table>/)![0].match(/<tr>/g)).toHaveLength(1 + 6); // the head; 1.0.0 made every fraud version (1.2.0 and 1.3.0 through their parents), 2.0.0 made 1.2.0 and 1.3.0
    const dataVersion = (await send('GET', '/m/transactions/1.0.0.html')).body;
    expect(dataVersion).toMatch(/<h2>Made from it \(impact\)<\/h2><table id="impact">[\s\S]*fraud@1\.0\.0[\s\S]*fraud@1\.1\.0/);
  });

  it('re-reads the store on every request: a new version shows on reload', async () => {
    expect((await send('GET', '/m/fraud/1.4.0.html')).status).toBe(404);
    p.file('model/weights.bin', randomContent(300));
    await cliPasses(p.dir, ['register', 'fraud', 'model', '--version', '1.4.0', '--metric', 'auc=0.95']);
    const page = await send('GET', '/m/fraud/1.4.0.html');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/data-value="0.95"/);
  });

  it('answers GET and HEAD only; everything else is 405 and changes nothing', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await send(method, '/m/fraud/');
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
    const head = await send('HEAD', '/');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
  });

  it('404s unknown pages, names and versions, and paths that try to leave', async () => {
    for (const path of ['/nope', '/m/nope/', '/m/fraud/9.9.9.html', '/m/..%2F..%2Fetc/', '/m/fraud/..%2F..%2Fconfig.yaml.html', '/m/%E0%A4%A/']) {
      expect((await send('GET', path)).status, path).toBe(404);
    }
    // Dot segments, even encoded, are resolved as URLs are: they never climb above the site's root.
    expect((await send('GET', '/m/%2e%2e/%2e%2e/index.html')).body).toMatch(/<h1>Registry<\/h1>/);
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    expect((await send('GET', '/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await send('GET', '/', { host: `localhost:${ui.port}` })).status).toBe(200);
  });

  it('refuses a bad port, and a port in use', async () => {
    await expect(serveUi({ cwd: p.dir, port: 70000 })).rejects.toThrow(/port 70000: expected a TCP port/);
    await expect(serveUi({ cwd: p.dir, port: ui.port })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('mreg ui (the command, in a real process)', () => {
  it('prints its URL, serves, warns when not on loopback, and stops on SIGTERM with exit 0', async () => {
    const child = spawnMreg(['ui', '--port', '0', '--host', '0.0.0.0', '--json'], { cwd: p.dir });
    let stdout = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const started = await new Promise<{ url: string; port: number }>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        try {
          resolve(JSON.parse(stdout));
        } catch {
          // not whole yet
        }
      });
      child.on('exit', () => reject(new Error(`mreg ui exited early: ${stderr}`)));
    });
    expect(started.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    expect(stderr).toMatch(/warning: serving on 0\.0\.0\.0: anyone who can reach this address can read the registry/);
    const res = await fetch(`http://127.0.0.1:${started.port}/`);
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
