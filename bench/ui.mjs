// The web view on a store of 20 models x 50 versions (each from its previous version and a data set
// version, with metrics, a stored blob each, a few stage moves): `mreg report` of the whole store, and
// `mreg ui`'s time to first byte for the models page, a model page and a version page, each against
// `mreg --version` measured in the same run. Called at the end of bench/run.mjs with its start-up
// figure; runs alone too: `npm run build && node bench/ui.mjs` (MREG_BENCH_UI_MODELS, _VERSIONS to resize).
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const MREG = join(ROOT, 'bin', 'mreg.js');
const lib = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const MODELS = Number(process.env.MREG_BENCH_UI_MODELS ?? 20);
const VERSIONS = Number(process.env.MREG_BENCH_UI_VERSIONS ?? 50);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timeMreg(args, cwd, env, runs) {
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, [MREG, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    seconds.push((performance.now() - started) / 1000);
    if (r.status !== 0) throw new Error(`mreg ${args.join(' ')} failed: ${r.stderr}`);
  }
  return { seconds: median(seconds) };
}

function report(name, result, baseline) {
  const ratio = baseline ? result.seconds / baseline.seconds : undefined;
  const parts = [`${name.padEnd(58)} ${result.seconds.toFixed(3).padStart(8)} s`];
  if (ratio !== undefined) parts.push(`${ratio.toFixed(2).padStart(6)}x`);
  console.log(parts.join('  '));
}

const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Writes the store through the library's manifest functions (1,000 CLI registers would take minutes). */
export async function buildStore(dir, env) {
  execFileSync(process.execPath, [MREG, 'init'], { cwd: dir, env });
  const { promote } = await lib('index.js');
  const { openStore } = await lib('core/store.js');
  const { versionDigest, manifestChecksum, shortHash } = await lib('core/manifest/hash.js');
  const { manifestToYaml } = await lib('core/manifest/yaml.js');
  const { appendEvents } = await lib('core/lifecycle/history.js');
  const { blobPath } = await lib('store/layout.js');
  const store = await openStore({ cwd: dir });
  const time = Date.parse('2026-01-01T00:00:00Z');
  let count = 0;
  const write = async (name, kind, n, metaOf) => {
    mkdirSync(join(store.layout.models, name), { recursive: true });
    const events = [];
    for (let i = 0; i < n; i++) {
      const version = `1.0.${i}`;
      const content = `\0${name} ${version}`;
      const blob = blobPath(store.layout, sha(content));
      mkdirSync(join(blob, '..'), { recursive: true });
      writeFileSync(blob, content);
      const artifacts = [{ path: 'w.bin', sha256: sha(content), size: content.length }];
      const meta = { params: { i }, metrics: {}, tags: {}, ...metaOf(i) };
      const digest = versionDigest(artifacts, meta, kind);
      const fields = { format: 1, name, kind, version, hash: shortHash(digest), digest, created_at: new Date(time + count * 1000).toISOString(), actor: 'bench', artifacts, ...meta };
      writeFileSync(join(store.layout.models, name, `${version}.yaml`), manifestToYaml({ ...fields, checksum: manifestChecksum(fields) }));
      events.push({ event: 'register', model: name, version, actor: 'bench', hash: fields.hash, time: fields.created_at });
      count++;
    }
    await appendEvents(store.layout, name, events);
  };
  for (let d = 0; d < 2; d++) await write(`dataset-${d}`, 'dataset', 10, () => ({}));
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
  return count;
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
