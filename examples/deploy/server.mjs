#!/usr/bin/env node
// A tiny model server for the deploy example: answers /health and /predict from the release that
// <dir>/current points at, re-read on every request, so a switch of `current` takes effect at once.
// A release whose model.json is missing, unreadable or says "broken": true is reported unhealthy.
// Usage: node server.mjs <deploy-dir> <port>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [dir, port = '8765'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node server.mjs <deploy-dir> <port>');
  process.exit(2);
}

function loadModel() {
  try {
    const model = JSON.parse(readFileSync(join(dir, 'current', 'model.json'), 'utf8'));
    if (model.broken) return { error: 'the release is broken' };
    if (typeof model.weight !== 'number') return { error: 'model.json has no weight' };
    return { model };
  } catch (err) {
    return { error: `cannot load the release: ${err.code ?? err.message}` };
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const { model, error } = loadModel();
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/health') return error ? send(503, { healthy: false, error }) : send(200, { healthy: true, version: model.version });
  if (url.pathname === '/predict') {
    if (error) return send(503, { error });
    const x = Number(url.searchParams.get('x') ?? '1');
    return send(200, { version: model.version, prediction: x * model.weight });
  }
  send(404, { error: 'not found' });
});
server.listen(Number(port), '127.0.0.1', () => console.error(`model server on http://127.0.0.1:${port}, serving ${dir}/current`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
