// The everyday commands, run as a user runs them: init, register, show, ls, verify, export.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliFailsProcess, cliPasses, cliPassesProcess, MREG, runMreg, runMregProcess, tempDir, testEnv } from '../helpers/cli.js';
import { newProject } from '../helpers/store.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const ROOT_PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('mreg init', () => {
  it('creates the store layout with a .gitignore that keeps blobs out of git, and changes nothing the second time', async () => {
    const dir = tempDir();
    const first = await cliPasses(dir, ['init', '--json']);
    expect(first.json).toStrictEqual({ store: join(dir, '.modelreg'), created: true });
    for (const entry of ['config.yaml', 'objects', 'models', '.gitignore']) expect(existsSync(join(dir, '.modelreg', entry))).toBe(true);
    expect(readFileSync(join(dir, '.modelreg', '.gitignore'), 'utf8')).toMatch(/^\/objects\/$/m);
    const before = readFileSync(join(dir, '.modelreg', 'config.yaml'), 'utf8');
    const mtime = statSync(join(dir, '.modelreg', 'config.yaml')).mtimeMs;
    const again = await cliPasses(dir, ['init', '--json']);
    expect(again.json.created).toBe(false);
    expect(readFileSync(join(dir, '.modelreg', 'config.yaml'), 'utf8')).toBe(before);
    expect(statSync(join(dir, '.modelreg', 'config.yaml')).mtimeMs).toBe(mtime);
  });

  it('honours --store and MREG_STORE, and other commands find a store from a subdirectory', async () => {
    const dir = tempDir();
    await cliPasses(dir, ['init', '--store', 'elsewhere/reg']);
    expect(existsSync(join(dir, 'elsewhere/reg/config.yaml'))).toBe(true);
    writeFileSync(join(dir, 'm.bin'), 'weights');
    await cliPasses(dir, ['register', 'm', 'm.bin', '--change', 'patch'], { MREG_STORE: join(dir, 'elsewhere/reg') });
    expect((await cliPasses(dir, ['ls', '--json', '--store', 'elsewhere/reg'])).json).toMatchObject([{ model: 'm', version: '0.0.1' }]);

    const project = await newProject();
    project.file('deep/down/x.bin', 'x');
    await cliPasses(join(project.dir, 'deep/down'), ['register', 'x', 'x.bin', '--version', '1.0.0']);
    expect(readdirSync(join(project.store, 'models/x'))).toStrictEqual(['1.0.0.yaml']);
  });

  it('says how to start when there is no store (exit 2)', async () => {
    // the real binary's exit code; the rest of this file runs main() in-process
    await cliFailsProcess(tempDir(), ['ls'], 2, /no \.modelreg store found \(run mreg init\)/);
    const r = await cliFails(tempDir(), ['ls', '--json'], 2, /no \.modelreg store found/);
    expect(r.json.error.code).toBe('NO_STORE');
  });

  it('refuses an unreadable config, naming the file', async () => {
    const project = await newProject();
    writeFileSync(join(project.store, 'config.yaml'), 'format: 1\nformat: 1\n');
    await cliFails(project.dir, ['ls'], 2, /config\.yaml:2: Map keys must be unique/);
    writeFileSync(join(project.store, 'config.yaml'), 'formt: 1\n');
    await cliFails(project.dir, ['ls'], 2, /config\.yaml: formt: unknown key/);
  });
});

describe('mreg register', () => {
  it('stores files and directories content-addressed, with relative paths and metadata, and prints the documented JSON', async () => {
    const p = await newProject();
    // not a real ONNX model, so not named like one: register reads a .onnx file's header (exit 2 if it cannot)
    p.file('model.bin', 'onnx-bytes');
    p.file('tok/vocab.txt', 'a b c');
    p.file('tok/sub/merges.txt', 'ab');
    const r = await cliPasses(p.dir, ['register', 'fraud', 'model.bin', 'tok', '--change', 'minor', '-m', 'first', '--param', 'lr=0.01', '--param', 'opt=adam', '--metric', 'auc=0.91', '--tag', 'prod=true', '--json']);
    expect(r.json).toMatchObject({ model: 'fraud', version: '0.1.0', unchanged: false });
    expect(r.json.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(r.json.artifacts).toStrictEqual([
      { path: 'model.bin', sha256: sha256('onnx-bytes'), size: 10 },
      { path: 'sub/merges.txt', sha256: sha256('ab'), size: 2 },
      { path: 'vocab.txt', sha256: sha256('a b c'), size: 5 },
    ]);
    const blob = join(p.store, 'objects', sha256('onnx-bytes').slice(0, 2), sha256('onnx-bytes'));
    expect(readFileSync(blob, 'utf8')).toBe('onnx-bytes');
    expect(statSync(blob).mode & 0o222).toBe(0); // blobs are read-only

    const show = await cliPasses(p.dir, ['show', 'fraud@0.1.0', '--json']);
    expect(show.json).toMatchObject({
      name: 'fraud',
      version: '0.1.0',
      hash: r.json.hash,
      message: 'first',
      params: { lr: 0.01, opt: 'adam' },
      metrics: { auc: 0.91 },
      tags: { prod: true },
      actor: 'tester@example.com',
    });
    expect(Date.parse(show.json.created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(show.json.created_at).toMatch(/Z$/);
  });

  it('bumps from 0.0.0 and from the highest version; refuses existing versions and undeclared ones', async () => {
    const p = await newProject();
    for (const [change, expected] of [['major', '1.0.0'], ['minor', '1.1.0'], ['patch', '1.1.1'], ['major', '2.0.0']] as const) {
      p.file('m.bin', `content for ${expected}`);
      expect((await cliPasses(p.dir, ['register', 'm', 'm.bin', '--change', change, '--json'])).json.version).toBe(expected);
    }
    for (const [change, expected] of [['minor', '0.1.0'], ['patch', '0.0.1']] as const) {
      p.file('n.bin', change);
      expect((await cliPasses(p.dir, ['register', `n-${change}`, 'n.bin', '--change', change, '--json'])).json.version).toBe(expected);
    }
    p.file('m.bin', 'explicit');
    expect((await cliPasses(p.dir, ['register', 'm', 'm.bin', '--version', '1.5.0-rc.1', '--json'])).json.version).toBe('1.5.0-rc.1');
    p.file('m.bin', 'something else');
    const before = readdirSync(join(p.store, 'objects')).length;
    await cliFails(p.dir, ['register', 'm', 'm.bin', '--version', '1.0.0'], 1, /m@1\.0\.0 is already registered with other content/);
    expect(readdirSync(join(p.store, 'objects')).length).toBe(before); // nothing written
    await cliFails(p.dir, ['register', 'm', 'm.bin'], 2, /no version declared: pass --version X\.Y\.Z, or --change/);
    await cliFails(p.dir, ['register', 'm', 'm.bin', '--version', '1.0'], 2, /invalid version "1\.0"/);
    await cliFails(p.dir, ['register', 'm', 'm.bin', '--version', '1.0.0+build'], 2, /build metadata/);
    await cliFails(p.dir, ['register', 'm', 'm.bin', '--change', 'huge'], 2, /huge/);
    await cliFails(p.dir, ['register', 'm', 'm.bin', '--change', 'patch', '--version', '9.0.0'], 2, /either --version or --change/);
    expect(readdirSync(join(p.store, 'models/m')).sort()).toStrictEqual(['1.0.0.yaml', '1.1.0.yaml', '1.1.1.yaml', '1.5.0-rc.1.yaml', '2.0.0.yaml']);
  });

  it('reports unchanged for identical artifacts and metadata, whatever the message or order of inputs', async () => {
    const p = await newProject();
    p.file('a.bin', 'aaa');
    p.file('b.bin', 'bbb');
    const first = await cliPasses(p.dir, ['register', 'm', 'a.bin', 'b.bin', '--change', 'minor', '--param', 'k=1', '--json']);
    const again = await cliPasses(p.dir, ['register', 'm', 'b.bin', 'a.bin', '--change', 'minor', '--param', 'k=1', '-m', 'rerun', '--json']);
    expect(again.json).toMatchObject({ version: first.json.version, hash: first.json.hash, unchanged: true });
    const explicit = await cliPasses(p.dir, ['register', 'm', 'a.bin', 'b.bin', '--version', first.json.version, '--param', 'k=1', '--json']);
    expect(explicit.json.unchanged).toBe(true);
    const human = await cliPasses(p.dir, ['register', 'm', 'a.bin', 'b.bin', '--change', 'patch', '--param', 'k=1']);
    expect(human.stdout).toMatch(/^unchanged: m@0\.1\.0/);
    const changed = await cliPasses(p.dir, ['register', 'm', 'a.bin', 'b.bin', '--change', 'patch', '--param', 'k=2', '--json']);
    expect(changed.json).toMatchObject({ version: '0.1.1', unchanged: false });
    expect(readdirSync(join(p.store, 'models/m'))).toHaveLength(2);
  });

  it('reads --meta files (YAML and JSON) for everything a version records; flags win', async () => {
    const p = await newProject();
    p.file('m.bin', 'x');
    p.file(
      'meta.yaml',
      `message: from file
params: {lr: 0.1, layers: [64, 32]}
metrics: {auc: 0.8}
tags: {team: risk}
data: {name: transactions, version: 2.1.0, hash: "sha256:ab12", uri: "s3://data/tx"}
pipeline: {name: features, version: 1.4.0}
architecture: {name: gbdt, trees: 500}
framework: {xgboost: "2.0.3", python: "3.11"}
training: {duration_s: 5400, compute: {cpus: 32, gpus: 0}, cost: {usd: 3.2}}
requirements: {python: ">=3.10", memory: 2Gi, packages: [xgboost==2.0.3]}
`,
    );
    await cliPasses(p.dir, ['register', 'm', 'm.bin', '--change', 'major', '--meta', 'meta.yaml', '--param', 'lr=0.2']);
    const m = (await cliPasses(p.dir, ['show', 'm', '--json'])).json;
    expect(m.params).toStrictEqual({ lr: 0.2, layers: [64, 32] });
    expect(m.data).toStrictEqual({ name: 'transactions', version: '2.1.0', hash: 'sha256:ab12', uri: 's3://data/tx' });
    expect(m.training).toStrictEqual({ duration_s: 5400, compute: { cpus: 32, gpus: 0 }, cost: { usd: 3.2 } });
    expect(m.framework).toStrictEqual({ xgboost: '2.0.3', python: '3.11' });
    expect(m.requirements.packages).toStrictEqual(['xgboost==2.0.3']);
    expect(m.message).toBe('from file');

    p.file('meta.json', JSON.stringify({ metrics: { auc: 0.95 }, pipeline: { version: '2' } }));
    p.file('m.bin', 'y');
    await cliPasses(p.dir, ['register', 'm', 'm.bin', '--change', 'minor', '--meta', 'meta.json']);
    expect((await cliPasses(p.dir, ['show', 'm@1.1.0', '--json'])).json.metrics).toStrictEqual({ auc: 0.95 });
  });

  it.each([
    ['malformed YAML', 'params: {a: 1\n', /meta\.yaml.*(end with|Flow)/],
    ['an unknown key', 'paramz: {}\n', /meta\.yaml: paramz: unknown key/],
    ['a wrong type', 'training: {duration_s: soon}\n', /meta\.yaml: training\.duration_s: expected a number/],
    ['duplicate keys', 'tags: {}\ntags: {}\n', /meta\.yaml:2: Map keys must be unique/],
  ])('refuses a meta file with %s, writing nothing (exit 2)', async (_what, text, why) => {
    const p = await newProject();
    p.file('m.bin', 'x');
    p.file('meta.yaml', text);
    await cliFails(p.dir, ['register', 'm', 'm.bin', '--change', 'patch', '--meta', 'meta.yaml'], 2, why);
    expect(readdirSync(join(p.store, 'models'))).toStrictEqual([]);
    expect(readdirSync(join(p.store, 'objects'))).toStrictEqual([]);
  });

  it('records the git commit and whether the work tree was dirty', async () => {
    const p = await newProject();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: p.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).toString().trim();
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'dev@example.com');
    git('config', 'user.name', 'Dev');
    p.file('m.bin', 'v1');
    git('add', '-A');
    git('commit', '-qm', 'init');
    const head = git('rev-parse', 'HEAD');
    await cliPasses(p.dir, ['register', 'm', 'm.bin', '--change', 'patch'], { MREG_ACTOR: undefined });
    const clean = (await cliPasses(p.dir, ['show', 'm', '--json'])).json;
    expect(clean.git).toStrictEqual({ commit: head, dirty: false, branch: 'main' });
    expect(clean.actor).toBe('dev@example.com');
    p.file('m.bin', 'v2');
    await cliPasses(p.dir, ['register', 'm', 'm.bin', '--change', 'patch', '--actor', 'ci-bot']);
    const dirty = (await cliPasses(p.dir, ['show', 'm', '--json'])).json;
    expect(dirty.git.dirty).toBe(true);
    expect(dirty.actor).toBe('ci-bot');
    // .modelreg/.gitignore keeps blobs out: only YAML is left to commit
    git('add', '-A');
    const tracked = git('ls-files', '.modelreg').split('\n');
    expect(tracked.sort()).toStrictEqual([
      '.modelreg/.gitattributes',
      '.modelreg/.gitignore',
      '.modelreg/config.yaml',
      '.modelreg/history/m.jsonl',
      '.modelreg/models/m/0.0.1.yaml',
      '.modelreg/models/m/0.0.2.yaml',
    ]);
  });
});

describe('reading back', () => {
  it('show resolves model, model@latest and model@X.Y.Z by semver order', async () => {
    const p = await newProject();
    for (const v of ['1.0.0', '1.10.0', '1.2.0', '1.10.0-rc.1']) {
      p.file('m.bin', v);
      await cliPasses(p.dir, ['register', 'm', 'm.bin', '--version', v]);
    }
    expect((await cliPasses(p.dir, ['show', 'm', '--json'])).json.version).toBe('1.10.0');
    expect((await cliPasses(p.dir, ['show', 'm@latest', '--json'])).json.version).toBe('1.10.0');
    expect((await cliPasses(p.dir, ['show', 'm@1.2.0', '--json'])).json.version).toBe('1.2.0');
    const human = await cliPasses(p.dir, ['show', 'm@1.2.0']);
    expect(human.stdout).toMatch(/^m@1\.2\.0 {2}hash [0-9a-f]{12}\n/);
    expect(human.stdout).toMatch(/m\.bin\s+5 B/);
    await cliFails(p.dir, ['show', 'm@3.0.0'], 1, /m@3\.0\.0 is not registered/);
    await cliFails(p.dir, ['show', 'nope'], 1, /model nope has no versions/);
    await cliFails(p.dir, ['show', 'm@one'], 2, /invalid reference "m@one"/);
    await cliFails(p.dir, ['show', '../etc@1.0.0'], 2, /invalid model name/);
  });

  it('ls lists models with their latest version, and one model oldest first in JSON', async () => {
    const p = await newProject();
    expect((await cliPasses(p.dir, ['ls', '--json'])).json).toStrictEqual([]);
    for (const [model, v] of [['b', '1.0.0'], ['a', '0.1.0'], ['a', '0.2.0']]) {
      p.file('m.bin', `${model}${v}`);
      await cliPasses(p.dir, ['register', model!, 'm.bin', '--version', v!, '-m', `msg ${v}`]);
    }
    expect((await cliPasses(p.dir, ['ls', '--json'])).json).toStrictEqual([
      { model: 'a', kind: 'model', version: '0.2.0', versions: 2, stages: [], by_stage: {} },
      { model: 'b', kind: 'model', version: '1.0.0', versions: 1, stages: [], by_stage: {} },
    ]);
    const one = (await cliPasses(p.dir, ['ls', 'a', '--json'])).json;
    expect(one.map((r: { version: string }) => r.version)).toStrictEqual(['0.1.0', '0.2.0']);
    expect(one[0]).toMatchObject({ model: 'a', message: 'msg 0.1.0' });
    const human = (await cliPasses(p.dir, ['ls'])).stdout.split('\n');
    expect(human[0]).toMatch(/^MODEL\s+LATEST\s+VERSIONS\s+STAGES\s+KIND$/);
    expect(human[1]).toMatch(/^a\s+0\.2\.0\s+2 versions\s+model$/);
    await cliFails(p.dir, ['ls', 'zzz'], 1, /model zzz has no versions/);
  });

  it('ls never trusts its cache over the manifests: an edit or a damaged cache is noticed', async () => {
    const p = await newProject();
    for (const v of ['1.0.0', '1.1.0']) {
      p.file('m.bin', v);
      await cliPasses(p.dir, ['register', 'm', 'm.bin', '--version', v, '-m', `v${v}`]);
    }
    expect((await cliPasses(p.dir, ['ls', 'm', '--json'])).json.map((r: { message: string }) => r.message)).toStrictEqual(['v1.0.0', 'v1.1.0']);
    const cache = join(p.store, 'cache/manifests/m.json');
    expect(existsSync(cache)).toBe(true);
    writeFileSync(cache, '{"format":1,"entries":{"1.0.0":{"key":"x"');
    expect((await cliPasses(p.dir, ['ls', 'm', '--json'])).json).toHaveLength(2);
    const manifest = join(p.store, 'models/m/1.0.0.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('message: v1.0.0', 'message: edited'), { mode: 0o644 });
    await cliFails(p.dir, ['ls', 'm'], 1, /models\/m\/1\.0\.0\.yaml: checksum: does not match the manifest: the manifest was edited/);
  });

  it('export writes the artifacts at their relative paths, refuses to overwrite without --force', async () => {
    const p = await newProject();
    p.file('in/a.bin', 'A');
    p.file('in/deep/b.bin', 'B');
    await cliPasses(p.dir, ['register', 'm', 'in', '--change', 'major']);
    const out = join(p.dir, 'out');
    const r = await cliPasses(p.dir, ['export', 'm@1.0.0', 'out', '--json']);
    expect(r.json).toMatchObject({ model: 'm', version: '1.0.0', dir: out });
    expect(readFileSync(join(out, 'a.bin'), 'utf8')).toBe('A');
    expect(readFileSync(join(out, 'deep/b.bin'), 'utf8')).toBe('B');
    await cliFails(p.dir, ['export', 'm', 'out'], 1, /already exists \(pass --force/);
    await cliPasses(p.dir, ['export', 'm', 'out', '--force']);
    expect(readdirSync(out).sort()).toStrictEqual(['a.bin', 'deep']);
  });
});

describe('conventions', () => {
  it('--version matches package.json, with or without --json', async () => {
    const dir = tempDir();
    // the binary answers a lone --version itself, before loading the CLI: run it for real
    expect((await cliPassesProcess(dir, ['--version'])).stdout).toBe(`${ROOT_PACKAGE.version}\n`);
    expect((await cliPassesProcess(dir, ['--version', '--json'])).json).toStrictEqual({ version: ROOT_PACKAGE.version });
    expect((await cliPasses(dir, ['--version'])).stdout).toBe(`${ROOT_PACKAGE.version}\n`);
  });

  it('--help on every command and subcommand of the command table shows its usage, options and examples', async () => {
    const dir = tempDir();
    const { COMMANDS } = await import('../../src/cli/commands/index.js');
    expect(COMMANDS.length).toBeGreaterThan(30);
    const top = await cliPasses(dir, ['--help']);
    const topCommands = new Set(COMMANDS.map((c) => c.name.split(' ')[0]!));
    for (const name of topCommands) expect(top.stdout, name).toMatch(new RegExp(`^ {2}${name}( |$)`, 'm'));
    for (const spec of COMMANDS) {
      const help = await cliPasses(dir, [...spec.name.split(' '), '--help']);
      expect(help.stdout, spec.name).toMatch(new RegExp(`^Usage: mreg ${spec.name} `));
      expect(help.stderr, spec.name).toBe('');
      expect(spec.examples.length, spec.name).toBeGreaterThan(0);
      expect(help.stdout, spec.name).toContain(`Examples:\n${spec.examples.map((e) => `  $ ${e}\n`).join('')}`);
      for (const option of spec.options) {
        const long = /--[a-z-]+/.exec(option.flags)![0];
        if (option.aliasOf) expect(help.stdout, `${spec.name} ${long}`).not.toContain(long);
        else expect(help.stdout, `${spec.name} ${long}`).toContain(long);
      }
    }
    // A group lists each of its subcommands.
    for (const group of new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))) {
      const help = await cliPasses(dir, [group, '--help']);
      for (const sub of COMMANDS.filter((c) => c.name.startsWith(`${group} `))) expect(help.stdout, sub.name).toMatch(new RegExp(`^ {2}${sub.name.split(' ')[1]}( |$)`, 'm'));
    }
  });

  it('usage errors are one line (exit 2), or one JSON document with --json', async () => {
    const dir = tempDir();
    const r = await cliFailsProcess(dir, ['ls', '--bogus'], 2, /unknown option '--bogus'/);
    expect(r.stderr.split('\n')[0]).toBe("mreg: unknown option '--bogus'");
    await cliFails(dir, ['frobnicate'], 2, /unknown command 'frobnicate'/);
    const j = await cliFails(dir, ['register', '--json'], 2, /missing required argument 'model'/);
    expect(j.json.error.code).toBe('USAGE');
    // The reason also reaches stderr, so a CI log that pipes stdout to jq still shows it (issue 15.4).
    expect(j.stderr.split('\n')[0]).toBe("mreg: missing required argument 'model'");
    expect((await runMregProcess([], { cwd: dir })).code).toBe(2);
    expect((await runMreg([], { cwd: dir })).code).toBe(2);
  });

  it('leaves quietly when the reader of its output stops early, with far more output than a pipe holds', async () => {
    // One version with 3000 params: its JSON is several times the 64 KiB a pipe buffers, so head's
    // exit really breaks the pipe while mreg is still writing.
    const p = await newProject();
    p.file('m.bin', 'weights');
    p.file('meta.yaml', `params:\n${Array.from({ length: 3000 }, (_, i) => `  p${i}: "${'v'.repeat(100)}"\n`).join('')}`);
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0', '--meta', 'meta.yaml']);
    const whole = await cliPasses(p.dir, ['show', 'fraud@1.0.0', '--json']);
    expect(whole.stdout.length).toBeGreaterThan(4 * 65536);
    const status = join(p.dir, 'status');
    const r = spawnSync('bash', ['-c', `'${process.execPath}' '${MREG}' show fraud@1.0.0 --json | head -c 1; echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" > '${status}'`], { cwd: p.dir, encoding: 'utf8', env: testEnv() });
    expect(r.stdout).toBe('{');
    expect(r.stderr).toBe('');
    expect(readFileSync(status, 'utf8')).toBe('0 0\n'); // mreg's exit code, then head's
  });

  it('never colours piped output, and never when NO_COLOR is set', async () => {
    const p = await newProject();
    p.file('m.bin', 'x');
    const r = await cliPasses(p.dir, ['register', 'm', 'm.bin', '--change', 'patch'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(r.stdout + r.stderr).not.toMatch(/\u001b\[/);
    const plain = await runMreg(['verify'], { cwd: p.dir });
    expect(plain.stdout + plain.stderr).not.toMatch(/\u001b\[/);
  });

  it.each([
    ['..', 2],
    ['a/b', 2],
    ['CON', 2],
    ['con', 2],
    ['.modelreg', 2],
    ['x'.repeat(101), 2],
    ['Model', 2],
    ['trailing.', 2],
  ])('refuses model name %j on register and show, writing nothing', async (name, code) => {
    const p = await newProject();
    p.file('m.bin', 'x');
    await cliFails(p.dir, ['register', name, 'm.bin', '--change', 'patch'], code as 2, /invalid model name/);
    await cliFails(p.dir, ['show', name], code as 2, /invalid model name/);
    expect(readdirSync(join(p.store, 'models'))).toStrictEqual([]);
    expect(readdirSync(join(p.store, 'objects'))).toStrictEqual([]);
  });
});
