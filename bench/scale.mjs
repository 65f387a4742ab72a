// Scale (issue 13): a store of 100,000 versions (100 models x 1,000) and 1,000,000 history events
// (10 per version: register, 6 check results, promote to staging, promote to production, which
// displaces the previous version to archived, and a demote of that one from archived), written with
// the library's manifest and history functions. Then ls, ls <model>, show <model>@<stage>,
// history <model> --json, promote and verify --staged, each against `mreg --version` measured in the
// same run (target: within 5x). Called at the end of bench/run.mjs; runs alone too:
// `npm run bench -- scale` (or `npm run build && node bench/scale.mjs`).
//
// Generating the store takes minutes, so it is kept between runs under the system's temp directory
// (MREG_BENCH_SCALE_DIR to choose another place), keyed by the generator's version; each run puts its
// history files back as committed (git checkout) so every run measures the same store. The derived
// caches (.modelreg/cache/) are cleared once per run: the first listing rebuilds them, and is
// reported on its own line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MREG, lib, report, sha, timeMreg } from './synthetic-store.mjs';

const GENERATOR = 1;
const MODELS = Number(process.env.MREG_BENCH_SCALE_MODELS ?? 100);
const VERSIONS = Number(process.env.MREG_BENCH_SCALE_VERSIONS ?? 1000);
const CHECKS = ['unit', 'eval', 'bias', 'latency', 'size', 'license'];

async function buildStore(dir, env) {
  execFileSync(process.execPath, [MREG, 'init'], { cwd: dir, env });
  const { openStore } = await lib('core/store.js');
  const { versionDigest, manifestChecksum, shortHash } = await lib('core/manifest/hash.js');
  const { manifestToYaml } = await lib('core/manifest/yaml.js');
  const { serializeEvent } = await lib('core/lifecycle/history.js');
  const store = await openStore({ cwd: dir });
  const start = Date.parse('2025-01-01T00:00:00Z');
  let events = 0;
  let clock = 0;
  const id = () => (++clock).toString(16).padStart(16, '0');
  for (let m = 0; m < MODELS; m++) {
    const name = `model-${m}`;
    mkdirSync(join(store.layout.models, name), { recursive: true });
    const lines = [];
    const event = (fields) => {
      lines.push(serializeEvent({ id: id(), time: new Date(start + clock * 1000).toISOString(), model: name, actor: 'bench', ...fields }));
    };
    for (let i = 0; i < VERSIONS; i++) {
      const version = `1.${Math.floor(i / 100)}.${i % 100}`;
      const content = `${name} ${version}`;
      const artifacts = [{ path: 'w.bin', sha256: sha(content), size: content.length }];
      const meta = { params: { i, lr: 0.001 * (i % 7) }, metrics: { auc: (i % 97) / 100, loss: 1 / (i + 1) }, tags: { owner: `team-${m % 5}` } };
      const digest = versionDigest(artifacts, meta, 'model');
      const created = new Date(start + (clock + 1) * 1000).toISOString();
      const fields = { format: 1, name, kind: 'model', version, hash: shortHash(digest), digest, created_at: created, actor: 'bench', artifacts, ...meta };
      writeFileSync(join(store.layout.models, name, `${version}.yaml`), manifestToYaml({ ...fields, checksum: manifestChecksum(fields) }));
      event({ event: 'register', version, hash: fields.hash });
      for (const check of CHECKS) event({ event: 'check', version, check, passed: true, exit_code: 0, duration_ms: 100 + (i % 50) });
      event({ event: 'promote', version, stage: 'staging', left: [], displaced: [] });
      const previous = i > 0 ? `1.${Math.floor((i - 1) / 100)}.${(i - 1) % 100}` : undefined;
      event({ event: 'promote', version, stage: 'production', left: ['staging'], displaced: previous ? [{ version: previous, left: ['production'], to: 'archived' }] : [] });
      // The version production displaced leaves the archive again (or, for the first, one more check).
      if (previous) event({ event: 'demote', version: previous, stage: 'archived' });
      else event({ event: 'check', version, check: 'smoke', passed: true, exit_code: 0, duration_ms: 1 });
    }
    mkdirSync(store.layout.history, { recursive: true });
    writeFileSync(join(store.layout.history, `${name}.jsonl`), `${lines.join('\n')}\n`);
    events += lines.length;
  }
  return { versions: MODELS * VERSIONS, events };
}

const gitEnv = (env) => ({ ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' });

/** The generated store, committed to git; made once and kept (with a stamp saying it is complete). */
async function cachedStore(env) {
  const base = process.env.MREG_BENCH_SCALE_DIR ?? join(tmpdir(), 'mreg-bench-scale');
  const dir = join(base, `g${GENERATOR}-${MODELS}x${VERSIONS}`);
  const stamp = `${dir}.complete`; // beside the repository, where no git command of a run can remove it
  const git = (...args) => execFileSync('git', args, { cwd: dir, env: gitEnv(env), stdio: 'ignore' });
  if (!existsSync(stamp)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    const counts = await buildStore(dir, env);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'store');
    writeFileSync(stamp, JSON.stringify(counts));
    console.log(`(generated the store in ${((performance.now() - started) / 1000).toFixed(0)} s, kept in ${dir})`);
  } else {
    git('reset', '-q', '--hard', 'HEAD'); // undo the last run's promotions
  }
  rmSync(join(dir, '.modelreg', 'cache'), { recursive: true, force: true });
  rmSync(join(dir, '.modelreg', 'locks'), { recursive: true, force: true });
  return { dir, git };
}

/** Measures its own `mreg --version` baseline (wall and CPU), right before the commands it is compared with. */
export async function benchScale() {
  const env = { ...process.env, MREG_ACTOR: 'bench', NO_COLOR: '1' };
  delete env.MREG_STORE;
  const { dir, git } = await cachedStore(env);
  console.log(`\nScale: a store of ${(MODELS * VERSIONS).toLocaleString('en')} versions (${MODELS} models) and ${(MODELS * VERSIONS * 10).toLocaleString('en')} history events (load average ${loadavg()[0].toFixed(1)})`);
  const baseline = timeMreg(['--version'], dir, env, 21);
  report('mreg --version (baseline)', baseline);
  report('first mreg ls (replays every history, writes the snapshots)', timeMreg(['ls'], dir, env, 1), baseline);
  report('mreg ls', timeMreg(['ls'], dir, env, 11), baseline, 5);
  report(`mreg ls <model> (${VERSIONS.toLocaleString('en')} versions)`, timeMreg(['ls', 'model-3'], dir, env, 11), baseline, 5);
  report('mreg show <model>@production', timeMreg(['show', 'model-3@production'], dir, env, 11), baseline, 5);
  report(`mreg history <model> --json (${(VERSIONS * 10).toLocaleString('en')} events)`, timeMreg(['history', 'model-3', '--json'], dir, env, 11), baseline, 5);
  // Each round promotes another old version to staging: a new event every time.
  report('mreg promote <model>@<version> staging', timeMreg((i) => ['promote', `model-3@1.0.${i}`, 'staging'], dir, env, 11), baseline, 5);
  git('add', '-A');
  report('mreg verify --staged (the promotions staged)', timeMreg(['verify', '--staged'], dir, env, 11), baseline, 5);
  report(`mreg ls, after the promotions`, timeMreg(['ls'], dir, env, 5), baseline, 5);
  console.log(`(load average ${loadavg()[0].toFixed(1)} at the end)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchScale();
