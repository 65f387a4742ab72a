// npm run bench: mreg's performance targets, each measured against a baseline run in the same
// process on the same machine (cp, openssl dgst, node -e ''), printed as ratios. Not a test:
// timings on a shared machine are noisy, so nothing here fails the build.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
// `npm run bench -- scale`: only the 100,000-version store (bench/scale.mjs), which the full run ends with.
if (process.argv[2] === 'scale') {
  await (await import('./scale.mjs')).benchScale();
  process.exit(0);
}
const MREG = join(ROOT, 'bin', 'mreg.js');
const RSS_HOOK = pathToFileURL(join(ROOT, 'bench', 'maxrss.mjs')).href;
const SIZE = Number(process.env.MREG_BENCH_SIZE ?? 1024 ** 3);
const work = mkdtempSync(join(tmpdir(), 'mreg-bench-'));
const env = { ...process.env, MREG_ACTOR: 'bench', NO_COLOR: '1' };
delete env.MREG_STORE;

function sync() {
  spawnSync('sync');
}

/** Runs a command once; returns seconds (and peak RSS in bytes for mreg runs). */
function time(cmd, args, options = {}) {
  const rssFile = join(work, 'rss');
  rmSync(rssFile, { force: true });
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd: options.cwd ?? work, env: { ...env, ...options.env, MREG_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  let rss;
  try {
    rss = Number(readFileSync(rssFile, 'utf8'));
  } catch {
    rss = undefined;
  }
  return { seconds, rss };
}

function mreg(args, options) {
  return time(process.execPath, ['--import', RSS_HOOK, MREG, ...args], options);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median seconds over `runs`, with `before` run untimed before each. */
function measure(runs, fn, before) {
  const seconds = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    before?.();
    const r = fn();
    seconds.push(r.seconds);
    rss = Math.max(rss, r.rss ?? 0);
  }
  return { seconds: median(seconds), rss };
}

const rows = [];
function report(name, result, baseline, target) {
  const ratio = baseline ? result.seconds / baseline.seconds : undefined;
  rows.push({ name, result, ratio, target });
  const parts = [`${name.padEnd(46)} ${result.seconds.toFixed(3).padStart(8)} s`];
  if (ratio !== undefined) parts.push(`${ratio.toFixed(2).padStart(6)}x`);
  if (target !== undefined && ratio !== undefined) parts.push(ratio <= target ? `(target <= ${target}x: met)` : `(target <= ${target}x: MISSED)`);
  if (result.rss) parts.push(`peak ${(result.rss / 2 ** 20).toFixed(0)} MB`);
  console.log(parts.join('  '));
}

// Many small files (issue 16): a directory of 10,000 files of 5 bytes registered, re-registered
// unchanged, exported and verified, against `cp -r` of the same directory. Rounds take turns like
// the rest; MREG_BENCH_ONLY=small-files runs only this case (MREG_BENCH_SMALL_FILES sets the count).
function smallFiles() {
  const count = Number(process.env.MREG_BENCH_SMALL_FILES ?? 10000);
  const rounds = Number(process.env.MREG_BENCH_ROUNDS ?? 3);
  const dir = join(work, 'small');
  const files = join(dir, 'files');
  mkdirSync(files, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(files, `f${i}.txt`), String(i % 100000).padStart(5, '0'));
  const smallStore = join(dir, 'store');
  const runs = { cp: [], register: [], unchanged: [], export: [], verify: [] };
  const opts = { cwd: dir };
  for (let r = 0; r < rounds; r++) {
    for (const path of [join(dir, 'copy'), smallStore, join(dir, 'out')]) rmSync(path, { recursive: true, force: true });
    execFileSync(process.execPath, [MREG, 'init', '--store', smallStore], { env });
    sync();
    runs.cp.push(time('cp', ['-r', files, join(dir, 'copy')], opts));
    runs.register.push(mreg(['register', 'm', 'files', '--version', '1.0.0', '--store', smallStore], opts));
    runs.unchanged.push(mreg(['register', 'm', 'files', '--store', smallStore], opts));
    runs.export.push(mreg(['export', 'm@1.0.0', 'out', '--store', smallStore], opts));
    runs.verify.push(mreg(['verify', '--store', smallStore], opts));
  }
  const med = (list) => ({ seconds: median(list.map((x) => x.seconds)), rss: Math.max(...list.map((x) => x.rss ?? 0)) });
  const cp = med(runs.cp);
  console.log(`${count} files of 5 bytes, median of ${rounds} rounds\n`);
  report('cp -r of the directory (baseline)', cp);
  report(`mreg register, ${count} small files, vs cp -r`, med(runs.register), cp, 10);
  report('mreg register, unchanged, vs cp -r', med(runs.unchanged), cp);
  report('mreg export, vs cp -r', med(runs.export), cp);
  report('mreg verify, vs cp -r', med(runs.verify), cp);
}
if (process.env.MREG_BENCH_ONLY === 'small-files') {
  smallFiles();
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

console.log(`mreg benchmark: ${SIZE / 2 ** 20} MiB file, ${process.version}, ${join(work)}\n`);

// A file of random bytes, written in 16 MiB pieces and flushed, so the runs below start level.
const big = join(work, 'model.bin');
const fd = openSync(big, 'w');
const piece = randomBytes(16 * 2 ** 20);
piece[0] = 0; // no pickle opcode: register scans .bin files as possible PyTorch pickles
for (let done = 0; done < SIZE; done += piece.length) writeSync(fd, piece, 0, Math.min(piece.length, SIZE - done));
closeSync(fd);
sync();
execFileSync('cat', [big], { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache for every contender alike

// Contenders take turns, round after round, so that the disk's moods (writeback, discard after
// a delete) fall on all of them alike; each figure is the median of its rounds.
const ROUNDS = Number(process.env.MREG_BENCH_ROUNDS ?? 5);
const copy = join(work, 'copy.bin');
const store = join(work, 'store');
const out = join(work, 'out');
// Deleting a 1 GiB file makes this disk (mounted with discard) slow for a moment: let it settle.
const settle = (...paths) => {
  for (const path of paths) rmSync(path, { recursive: true, force: true });
  sync();
  spawnSync('sleep', ['2']);
};
const freshStore = () => {
  settle(store);
  execFileSync(process.execPath, [MREG, 'init', '--store', store], { env });
};
// The same bytes as four files of a quarter each, as a sharded checkpoint holds them.
const quarters = join(work, 'quarters');
mkdirSync(quarters);
{
  const whole = openSync(big, 'r');
  const buffer = Buffer.allocUnsafe(16 * 2 ** 20);
  for (let q = 0; q < 4; q++) {
    const part = openSync(join(quarters, `model-0000${q + 1}-of-00004.bin`), 'w');
    for (let done = 0; done < SIZE / 4; ) {
      const n = readSync(whole, buffer, 0, Math.min(buffer.length, SIZE / 4 - done), (q * SIZE) / 4 + done);
      writeSync(part, buffer, 0, n);
      done += n;
    }
    closeSync(part);
  }
  closeSync(whole);
}
const deployDir = join(work, 'deploy');
const linked = join(work, 'linked');
// A local target that hardlinks its releases from the store.
const addTarget = () => {
  writeFileSync(join(store, 'config.yaml'), `${readFileSync(join(store, 'config.yaml'), 'utf8')}\ntargets:\n  here:\n    adapter: local\n    options: {dir: ${JSON.stringify(deployDir)}, link: hardlink}\n    playbook: p.yaml\n`);
  mkdirSync(join(store, 'playbooks'), { recursive: true });
  writeFileSync(join(store, 'playbooks', 'p.yaml'), 'deploy: [deploy: {}]\n');
};
const samples = { cp: [], cpSync: [], sha: [], cpShaSync: [], registerNew: [], registerSame: [], registerQuarters: [], export: [], exportHardlink: [], deployHardlink: [], version: [] };
let peakStore = 0;
const take = (name, r) => {
  samples[name].push(r.seconds);
  peakStore = Math.max(peakStore, r.rss ?? 0);
};
for (let round = 0; round < ROUNDS; round++) {
  settle(copy);
  take('cp', time('cp', [big, copy]));
  settle(copy);
  take('cpSync', time('sh', ['-c', 'cp "$0" "$1" && sync "$1"', big, copy]));
  settle(copy);
  take('sha', time('openssl', ['dgst', '-sha256', big]));
  take('cpShaSync', time('sh', ['-c', 'cp "$0" "$1" && openssl dgst -sha256 "$1" >/dev/null && sync "$1"', big, copy]));
  settle(copy);
  freshStore();
  addTarget();
  take('registerNew', mreg(['register', 'm', big, '--change', 'patch', '--store', store]));
  take('version', time(process.execPath, [MREG, '--version']));
  take('registerSame', mreg(['register', 'm', big, '--change', 'patch', '--store', store]));
  settle(out);
  take('export', mreg(['export', 'm', out, '--store', store]));
  settle(linked);
  take('exportHardlink', mreg(['export', 'm', linked, '--link', 'hardlink', '--store', store]));
  settle(deployDir);
  take('deployHardlink', mreg(['deploy', 'm@0.0.1', '--target', 'here', '--store', store]));
  settle(out, linked, deployDir);
  take('registerQuarters', mreg(['register', 'q', quarters, '--change', 'patch', '--store', store]));
}
settle(copy, out, store, linked, deployDir, quarters);
const m = (name) => ({ seconds: median(samples[name]) });
const [cp, cpSync, sha] = [m('cp'), m('cpSync'), m('sha')];

console.log(`Storing a file (median of ${ROUNDS} rounds)`);
report('cp (baseline)', cp);
report('cp + sync (durable copy)', cpSync, cp);
report('openssl dgst -sha256 (hashing baseline)', sha, cp);
report('mreg register, new file, vs cp', m('registerNew'), cp, 1.3);
report('mreg register, new file, vs cp + sync', m('registerNew'), cpSync);
report('mreg register, unchanged file, vs sha256 pass', m('registerSame'), sha, 1.2);
report('mreg export (re-hash while copying) vs cp + sync', m('export'), cpSync);

console.log(`\nBig models (issue 13), median of ${ROUNDS} rounds`);
const [cpShaSync, versionInLoop] = [m('cpShaSync'), m('version')];
report('cp + openssl dgst of the copy + sync (baseline)', cpShaSync);
report('mreg --version (baseline, same rounds)', versionInLoop);
report('mreg register, new 1 GiB file, vs cp+dgst+sync', m('registerNew'), cpShaSync, 1.15);
report('mreg register, unchanged (stat cache) vs --version', m('registerSame'), versionInLoop, 1.5);
report('mreg register, 4 x 256 MiB vs 1 x 1 GiB', m('registerQuarters'), m('registerNew'), 0.8);
report('mreg export --link hardlink vs --version', m('exportHardlink'), versionInLoop, 2);
report('mreg deploy, local link: hardlink vs --version', m('deployHardlink'), versionInLoop, 2);
report('mreg export --link hardlink vs sha256 pass', m('exportHardlink'), sha);
if (process.env.MREG_BENCH_ONLY === 'store') {
  console.log(`\nPeak memory of mreg while storing, re-storing and exporting the file: ${(peakStore / 2 ** 20).toFixed(0)} MB`);
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

console.log('');
smallFiles();
console.log('');

// Remotes: push and pull of the same file through a local S3-compatible server (s3rver, in a process
// of its own), against the same transfer with the AWS SDK alone, each in a process of its own.
const s3dir = join(work, 's3rver');
mkdirSync(s3dir);
const s3logPath = join(work, 's3rver.log');
const s3log = openSync(s3logPath, 'w');
const s3 = spawn(process.execPath, [join(ROOT, 'test', 'helpers', 's3rver-process.mjs'), s3dir, '0', 'bench'], { stdio: ['ignore', s3log, 'inherit'] });
let s3port;
for (let i = 0; i < 400 && !s3port; i++) {
  spawnSync('sleep', ['0.05']);
  s3port = readFileSync(s3logPath, 'utf8').match(/\{"port":(\d+)\}/)?.[1];
}
process.on('exit', () => s3.kill());
if (!s3port) throw new Error('s3rver did not start');
const endpoint = `http://127.0.0.1:${s3port}`;
const s3env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CI: '1' };
const BASELINE = join(ROOT, 'bench', 's3-baseline.mjs');
const sdk = (mode, key, file) => time(process.execPath, [BASELINE, mode, endpoint, 'bench', key, file], { env: s3env });
const pushStore = join(work, 'push-store');
execFileSync(process.execPath, [MREG, 'init', '--store', pushStore], { env });
const registered = JSON.parse(execFileSync(process.execPath, [MREG, 'register', 'm', big, '--version', '1.0.0', '--store', pushStore, '--json'], { env }));
const blobSha = registered.artifacts[0].sha256;
const pulled = join(work, 'pulled.bin');
const pullDir = join(work, 'pull-project');
const remoteSamples = { put: [], upload: [], push: [], get: [], getSync: [], pull: [] };
let peakRemote = 0;
const takeRemote = (name, r) => {
  remoteSamples[name].push(r.seconds);
  if (name === 'push' || name === 'pull') peakRemote = Math.max(peakRemote, r.rss ?? 0);
};
const REMOTE_ROUNDS = Math.min(ROUNDS, 3);
for (let round = 0; round < REMOTE_ROUNDS; round++) {
  const prefix = `r${round}`;
  const key = `${prefix}/objects/${blobSha.slice(0, 2)}/${blobSha}`;
  takeRemote('put', sdk('put', 'put/model.bin', big));
  settle(join(s3dir, 'bench', 'put'));
  takeRemote('upload', sdk('upload', 'upload/model.bin', big));
  settle(join(s3dir, 'bench', 'upload'));
  execFileSync(process.execPath, [MREG, 'remote', 'add', prefix, `s3://bench/${prefix}`, '--endpoint', endpoint, '--store', pushStore], { env });
  takeRemote('push', mreg(['push', prefix, '--store', pushStore], { env: s3env }));
  execFileSync(process.execPath, [MREG, 'remote', 'rm', prefix, '--store', pushStore], { env });
  settle(pulled);
  takeRemote('get', sdk('get', key, pulled));
  settle(pulled);
  takeRemote('getSync', time('sh', ['-c', '"$0" "$1" get "$2" bench "$3" "$4" && sync "$4"', process.execPath, BASELINE, endpoint, key, pulled], { env: s3env }));
  settle(pulled, pullDir);
  mkdirSync(pullDir);
  execFileSync(process.execPath, [MREG, 'clone', `s3://bench/${prefix}`, '.', '--endpoint', endpoint], { cwd: pullDir, env: { ...env, ...s3env } });
  takeRemote('pull', mreg(['pull', 'm@1.0.0'], { cwd: pullDir, env: s3env }));
  settle(pulled, pullDir, join(s3dir, 'bench', prefix));
}
s3.kill();
closeSync(s3log);
const rm = (name) => ({ seconds: median(remoteSamples[name]) });
console.log(`\nRemotes: a local S3-compatible server (s3rver), median of ${REMOTE_ROUNDS} rounds`);
report('SDK PutObject of the file (baseline)', rm('put'));
report('SDK lib-storage Upload, multipart (baseline)', rm('upload'), rm('put'));
report('mreg push vs PutObject (s3rver re-assembles parts)', rm('push'), rm('put'));
report('mreg push vs lib-storage Upload', rm('push'), rm('upload'), 1.2);
report('SDK GetObject to a file (baseline)', rm('get'));
report('SDK GetObject + sync (durable download)', rm('getSync'), rm('get'));
report('mreg pull (verified, durable) vs GetObject', rm('pull'), rm('get'), 1.2);
report('mreg pull vs GetObject + sync', rm('pull'), rm('getSync'));
console.log(`Peak memory of mreg push and pull: ${(peakRemote / 2 ** 20).toFixed(0)} MB`);

// Start-up and listing.
const node = measure(21, () => time(process.execPath, ['-e', '']));
const version = measure(21, () => time(process.execPath, [MREG, '--version']));
console.log('\nStart-up');
report("node -e '' (baseline)", node);
report('mreg --version', version, node, 2);

// A store of 1,000 versions (10 models x 100), built through the library API to save time.
const many = join(work, 'many');
mkdirSync(many);
execFileSync(process.execPath, [MREG, 'init'], { cwd: many, env });
const { register } = await import(pathToFileURL(join(ROOT, 'dist/index.js')).href);
for (let i = 0; i < 1000; i++) {
  const file = join(many, 'w.bin');
  writeFileSync(file, `weights ${i}`);
  await register({ model: `model-${i % 10}`, inputs: [file], cwd: many, env, change: 'patch', params: { i }, metrics: { auc: i / 1000 } });
}
// Timed like the --version baseline, without the peak-memory hook (which costs a module load of its own).
const plain = (args) => time(process.execPath, [MREG, ...args], { cwd: many });
const ls = measure(11, () => plain(['ls']));
const lsModel = measure(11, () => plain(['ls', 'model-3']));
const show = measure(11, () => plain(['show', 'model-3']));
console.log('\nA store of 1,000 versions');
report('mreg ls vs mreg --version', ls, version, 3);
report('mreg ls <model> (100 versions) vs mreg --version', lsModel, version);
report('mreg show <model> vs mreg --version', show, version);

// The pre-commit hook on that store: committed, then one new version staged.
const gitEnv = { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' };
const git = (...args) => execFileSync('git', args, { cwd: many, env: gitEnv, stdio: 'ignore' });
git('init', '-q');
git('add', '-A');
git('commit', '-qm', 'store');
writeFileSync(join(many, 'w.bin'), 'one more');
execFileSync(process.execPath, [MREG, 'register', 'model-0', 'w.bin', '--change', 'minor'], { cwd: many, env });
git('add', '-A');
const hook = measure(11, () => plain(['verify', '--staged']));
report('mreg verify --staged (pre-commit hook) vs mreg --version', hook, version, 2);

// Lineage and impact on a store of 10,000 versions: bench/lineage.mjs (which also runs alone, for development).
const { benchLineage } = await import('./lineage.mjs');
await benchLineage({ version });

// The web view: mreg report and mreg ui on a store of 20 models x 50 versions: bench/ui.mjs (runs alone too).
const { benchUi } = await import('./ui.mjs');
await benchUi({ version });

// Scale: 100,000 versions and 1,000,000 history events (bench/scale.mjs, also runnable alone).
const { benchScale } = await import('./scale.mjs');
await benchScale();

const peak = peakStore;
console.log(`\nPeak memory of mreg while storing, re-storing and exporting the file: ${(peak / 2 ** 20).toFixed(0)} MB (target < 100 MB: ${peak < 100 * 2 ** 20 ? 'met' : 'MISSED'})`);
rmSync(work, { recursive: true, force: true });
