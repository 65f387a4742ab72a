// The web view on a store of 20 models x 50 versions (each from its previous version and a data set
// version, with metrics, a stored blob each, a few stage moves): `mreg report` of the whole store, and
// `mreg ui`'s time to first byte for the models page, a model page and a version page, each against
// `mreg --version` measured in the same run. Called at the end of bench/run.mjs with its start-up
// figure; runs alone too: `npm run build && node bench/ui.mjs` (MREG_BENCH_UI_MODELS, _VERSIONS to resize).
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lib, median, MREG, report, storeWriter, timeMreg } from './synthetic-store.mjs';

const MODELS = Number(process.env.MREG_BENCH_UI_MODELS ?? 20);
const VERSIONS = Number(process.env.MREG_BENCH_UI_VERSIONS ?? 50);

export async function buildStore(dir, env) {
  const { write, count } = await storeWriter(dir, env, { blobs: true });
  const { promote } = await lib('index.js');
  for (let d = 0; d < 2; d++) await write(`dataset-${d}`, 'dataset', 10, () => undefined);
  for (let m = 0; m < MODELS; m++) {
    await write(`model-${m}`, 'model', VERSIONS, (i) => ({
      metrics: { auc: 0.8 + ((i * 7) % 19) / 100, f1: 0.7 + ((i * 3) % 23) / 100, loss: 0.5 - i / (VERSIONS * 4) },
      lineage: { ...(i > 0 ? { parents: [{ name: `model-${m}`, version: `1.0.${i - 1}` }] } : {}), data: [{ name: `dataset-${m % 2}`, version: `1.0.${i % 10}` }] },
    }));
  }
  for (let m = 0; m < MODELS; m++) {
    for (const v of [VERSIONS - 10, VERSIONS - 5, VERSIONS - 1].filter((x) => x >= 0)) {
      await promote({ ref: `model-${m}@1.0.${v}`, stage: 'staging', cwd: dir, env });
      await promote({ ref: `model-${m}@1.0.${v}`, stage: 'production', cwd: dir, env });
    }
  }
  return count();
}

/** Seconds from sending a GET to the response's first byte (the status line and headers). */
function firstByte(url) {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    get(url, (res) => {
      const seconds = (performance.now() - started) / 1000;
      if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
      res.resume();
      res.on('end', () => resolveTime(seconds));
    }).on('error', reject);
  });
}

async function startUi(dir, env) {
  const child = spawn(process.execPath, [MREG, 'ui', '--port', '0', '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((resolveUrl, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /"url":\s*"([^"]+)"/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`mreg ui exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function benchUi({ version } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'mreg-bench-ui-'));
  const env = { ...process.env, MREG_ACTOR: 'bench', NO_COLOR: '1' };
  delete env.MREG_STORE;
  let ui;
  try {
    const baseline = version ?? timeMreg(['--version'], work, env, 21);
    const dir = join(work, 'store');
    mkdirSync(dir);
    const count = await buildStore(dir, env);
    console.log(`\nThe web view, a store of ${count.toLocaleString('en')} versions (${MODELS} models x ${VERSIONS}, 2 data sets x 10)`);
    if (!version) report('mreg --version (baseline)', baseline);
    report('first mreg report, building the lineage index', timeMreg(['report', '--out', join(work, 'site0')], dir, env, 1), baseline);
    report('mreg report --out (every page)', timeMreg(['report', '--out', join(work, 'site')], dir, env, 3), baseline);
    report('mreg report --out --model (one model)', timeMreg(['report', '--out', join(work, 'one'), '--model', 'model-3'], dir, env, 3), baseline);
    ui = await startUi(dir, env);
    const ttfb = async (path, runs) => {
      await firstByte(new URL(path, ui.url).href); // the first request loads the page modules
      const seconds = [];
      for (let i = 0; i < runs; i++) seconds.push(await firstByte(new URL(path, ui.url).href));
      return { seconds: median(seconds) };
    };
    report('mreg ui: models page, time to first byte', await ttfb('/', 11), baseline);
    report(`mreg ui: a model page (${VERSIONS} versions), time to first byte`, await ttfb('/m/model-3/', 5), baseline);
    report('mreg ui: a version page, time to first byte', await ttfb(`/m/model-3/1.0.${Math.floor(VERSIONS / 2)}.html`, 5), baseline);
  } finally {
    ui?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchUi();
