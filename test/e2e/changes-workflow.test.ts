// Declared changes in the situations around the main loop: the CI gate, changes naming several models,
// pre-release sequences, re-runs, missing declarations, and bad input (change files, model headers).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg } from '../helpers/cli.js';
import { safetensorsPrefix, writeGguf, writeOnnx } from '../helpers/model-fixtures.js';
import { newProject } from '../helpers/store.js';
import { changeFiles, FORMATS, storeSnapshot } from '../helpers/versioning.js';

const onnx = FORMATS.find((f) => f.name === 'ONNX')!;

describe('mreg change status as a CI gate', () => {
  it('exits 1 while a required model has no pending change, 0 once it has one', async () => {
    const p = await newProject();
    // Not cliFails: the gate prints its report (one JSON document) rather than an error.
    const missing = await runMreg(['change', 'status', '--require', 'fraud', '--json'], { cwd: p.dir });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toStrictEqual({ ok: false, changes: [], models: [], missing: ['fraud'] });
    const human = await runMreg(['change', 'status', '--require', 'fraud'], { cwd: p.dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('no pending changes\n');
    expect(human.stderr).toMatch(/^mreg: no pending change for fraud: declare one with mreg change add fraud/);

    p.file('m.bin', 'v1');
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.2.0']);
    const added = await cliPasses(p.dir, ['change', 'add', 'fraud', 'churn', '--type', 'minor', '-m', 'Shared feature store', '--json']);
    const ok = await cliPasses(p.dir, ['change', 'status', '--require', 'fraud', '--require', 'churn', '--json']);
    expect(ok.json).toStrictEqual({
      ok: true,
      changes: [{ id: added.json.id, models: { fraud: 'minor', churn: 'minor' }, summary: 'Shared feature store' }],
      models: [
        { model: 'churn', current: null, next: '0.1.0', type: 'minor', changes: [added.json.id] },
        { model: 'fraud', current: '1.2.0', next: '1.3.0', type: 'minor', changes: [added.json.id] },
      ],
      missing: [],
    });
    await cliFails(p.dir, ['change', 'status', '--require', 'Bad/Name'], 2, /invalid model name/);
  });

  it('consumes a change naming several models per model, and removes its file when the last one has', async () => {
    const p = await newProject();
    p.file('a.bin', 'a');
    const change = await cliPasses(p.dir, ['change', 'add', 'fraud', 'churn', '--type', 'major', '-m', 'New feature store', '--json']);
    await cliPasses(p.dir, ['register', 'fraud', 'a.bin']);
    expect(changeFiles(p.store)).toStrictEqual([`${change.json.id}.md`]);
    expect((await cliPasses(p.dir, ['change', 'ls', '--json'])).json).toStrictEqual([{ id: change.json.id, models: { churn: 'major' }, summary: 'New feature store' }]);
    await cliFails(p.dir, ['bump', 'fraud'], 2, /no version declared: pass --change major\|minor\|patch, or declare the change in a change file \(mreg change add fraud /);
    expect((await cliPasses(p.dir, ['bump', 'churn'])).stdout).toBe('1.0.0\n');
    const churn = await cliPasses(p.dir, ['register', 'churn', 'a.bin', '--json']);
    expect(churn.json).toMatchObject({ version: '1.0.0', changes: [{ id: change.json.id, type: 'major' }] });
    expect(changeFiles(p.store)).toStrictEqual([]);
    expect((await cliPasses(p.dir, ['change', 'ls'])).stdout).toBe('no pending changes\n');
  });
});

describe('pre-releases', () => {
  it('--pre rc gives rc.0, rc.1, ...; a bump without --pre releases; a major change moves past the sequence', async () => {
    const p = await newProject();
    await onnx.v1(p.dir);
    await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', '--version', '1.2.0', '-m', 'baseline']);
    await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', 'Calibrated scores']);
    expect((await cliPasses(p.dir, ['bump', 'fraud', '--pre', 'rc'])).stdout).toBe('1.3.0-rc.0\n');
    await onnx.retrained(p.dir);
    expect((await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', '--pre', 'rc', '--json'])).json.version).toBe('1.3.0-rc.0');
    // nothing pending now: the sequence goes on, or is released
    expect((await cliPasses(p.dir, ['bump', 'fraud', '--pre', 'rc'])).stdout).toBe('1.3.0-rc.1\n');
    expect((await cliPasses(p.dir, ['bump', 'fraud'])).stdout).toBe('1.3.0\n');
    await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'patch', '-m', 'Fixed the threshold']);
    p.file('notes.txt', 'rc.1');
    expect((await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', 'notes.txt', '--pre', 'rc', '--json'])).json.version).toBe('1.3.0-rc.1');
    expect((await cliPasses(p.dir, ['bump', 'fraud', '--pre', 'rc', '--json'])).json).toMatchObject({ current: '1.3.0-rc.1', next: '1.3.0-rc.2', type: 'minor', changes: [] });
    await cliFails(p.dir, ['bump', 'fraud', '--pre', 'beta'], 2, /1\.3\.0-beta\.0 would sort before 1\.3\.0-rc\.1/);
    await cliFails(p.dir, ['bump', 'fraud', '--pre', 'RC.1'], 2, /invalid pre-release tag/);
    // continuing a minor sequence does not allow a breaking change
    await onnx.breaking(p.dir);
    await cliFails(p.dir, ['register', 'fraud', 'model.onnx', '--pre', 'rc'], 1, /declared minor \(continuing 1\.3\.0-rc\.1\), but output 'hn' was removed: major/);
    await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'major', '-m', 'Dropped hn']);
    expect((await cliPasses(p.dir, ['bump', 'fraud'])).stdout).toBe('2.0.0\n');
    expect((await cliPasses(p.dir, ['bump', 'fraud', '--pre', 'rc'])).stdout).toBe('2.0.0-rc.0\n');
    // release the minor sequence instead, with the files of rc.1
    await onnx.retrained(p.dir);
    writeFileSync(join(p.dir, 'notes.txt'), 'release');
    const pending = changeFiles(p.store);
    await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', 'notes.txt', '--version', '1.3.0']);
    expect(changeFiles(p.store)).toStrictEqual(pending); // --version consumes no change files
    const log = (await cliPasses(p.dir, ['changelog', 'fraud', '--json'])).json.versions;
    expect(log.map((v: { version: string }) => v.version)).toStrictEqual(['1.3.0', '1.3.0-rc.1', '1.3.0-rc.0', '1.2.0']);
    // the release gathers what its pre-releases consumed, and compares with what came before them
    expect(log[0]).toMatchObject({ previous: '1.2.0', type: 'minor' });
    expect(log[0].changes.map((c: { summary: string; version: string }) => [c.summary, c.version])).toStrictEqual([
      ['Calibrated scores', '1.3.0-rc.0'],
      ['Fixed the threshold', '1.3.0-rc.1'],
    ]);
    expect(log[3].changes).toStrictEqual([]);
    const md = (await cliPasses(p.dir, ['changelog', 'fraud'])).stdout;
    expect(md).toMatch(/## 1\.2\.0 \(\d{4}-\d\d-\d\d, hash [0-9a-f]{12}\)\n\n### First version\n\n- baseline\n/);
  });
});

describe('declarations and re-runs', () => {
  it('re-registering identical files with a pending change is unchanged and keeps the change', async () => {
    const p = await newProject();
    p.file('m.bin', 'weights');
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--change', 'minor']);
    const change = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'major', '-m', 'Next thing', '--json']);
    const again = await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--json']);
    expect(again.json).toMatchObject({ version: '0.1.0', unchanged: true, changes: [] });
    expect(changeFiles(p.store)).toStrictEqual([`${change.json.id}.md`]);
    // --change combined with pending changes: the highest wins
    p.file('m.bin', 'new weights');
    const reg = await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--change', 'patch', '--json']);
    expect(reg.json).toMatchObject({ version: '1.0.0', changes: [{ id: change.json.id, type: 'major' }] });
  });

  it('without a declaration: a re-run is unchanged (exit 0), anything new is exit 2 pointing at mreg change add, writing nothing', async () => {
    const p = await newProject();
    p.file('m.bin', 'weights');
    await cliFails(p.dir, ['register', 'fraud', 'm.bin'], 2, /no version declared: pass --version X\.Y\.Z, or --change major\|minor\|patch, or declare the change in a change file \(mreg change add fraud --change major\|minor\|patch -m "what changed"\)/);
    expect(existsSync(join(p.store, 'models', 'fraud'))).toBe(false);
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--change', 'patch']);
    expect((await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--json'])).json).toMatchObject({ version: '0.0.1', unchanged: true });
    p.file('m.bin', 'other weights');
    const before = storeSnapshot(p.store);
    await cliFails(p.dir, ['register', 'fraud', 'm.bin'], 2, /no version declared: .*mreg change add fraud /);
    expect(storeSnapshot(p.store)).toStrictEqual(before);
  });

  it('an explicit --version is checked against the files too', async () => {
    const p = await newProject();
    await onnx.v1(p.dir);
    await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', '--version', '1.2.0']);
    await onnx.breaking(p.dir);
    await cliFails(p.dir, ['register', 'fraud', 'model.onnx', '--version', '1.3.0'], 1, /declared minor \(--version 1\.3\.0 after 1\.2\.0\), but output 'hn' was removed: major/);
    expect((await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', '--version', '2.0.0', '--json'])).json.findings.map((f: { rule: string }) => f.rule)).toStrictEqual(['output-removed']);
  });
});

describe('bad input', () => {
  it('mreg change add checks everything before writing anything', async () => {
    const p = await newProject();
    await cliFails(p.dir, ['change', 'add', 'Fraud', '--type', 'minor', '-m', 'x'], 2, /invalid model name "Fraud"/);
    await cliFails(p.dir, ['change', 'add', 'fraud', '-m', 'x'], 2, /--change is required/);
    await cliFails(p.dir, ['change', 'add', 'fraud', '--type', 'huge', '-m', 'x'], 2, /--type.*huge/);
    await cliFails(p.dir, ['change', 'add', 'fraud', '--type', 'minor'], 2, /-m "summary" is required/);
    await cliFails(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', '  '], 2, /the summary is empty/);
    await cliFails(p.dir, ['change', 'add', 'fraud', 'fraud', '--type', 'minor', '-m', 'x'], 2, /named twice/);
    expect(existsSync(join(p.store, 'changes'))).toBe(false);
  });

  it('a malformed change file stops change ls, bump and register with its name (exit 2), writing nothing', async () => {
    const p = await newProject();
    p.file('m.bin', 'weights');
    p.file('.modelreg/changes/README.md', '# not a change file: ignored');
    p.file('.modelreg/changes/bad-change-123456.md', '---\nfraud: minr\n---\nTypo\n');
    const before = storeSnapshot(p.store);
    for (const args of [['change', 'ls'], ['change', 'status'], ['bump', 'fraud'], ['register', 'fraud', 'm.bin']]) {
      await cliFails(p.dir, args, 2, /changes\/bad-change-123456\.md: fraud: expected major, minor or patch, not "minr"/);
    }
    expect(storeSnapshot(p.store)).toStrictEqual(before);
    p.file('.modelreg/changes/bad-change-123456.md', '---\nfraud: minor\n---\nTypo fixed\n');
    expect((await cliPasses(p.dir, ['change', 'ls', '--json'])).json).toStrictEqual([{ id: 'bad-change-123456', models: { fraud: 'minor' }, summary: 'Typo fixed' }]);
  });

  it('a hostile model header is exit 2 naming the file, for register and bump, and stores nothing', async () => {
    const p = await newProject();
    await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', 'x']);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(1n << 40n);
    p.file('models/huge.safetensors', Buffer.concat([length, Buffer.from('{"a":1}')]));
    p.file('models/garbage.onnx', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    p.file('models/cut.gguf', Buffer.from('GGUF\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff', 'latin1'));
    p.file('models/bad-json.safetensors', safetensorsPrefix('{"a": [1, 2'));
    const before = storeSnapshot(p.store);
    for (const file of ['models/huge.safetensors', 'models/garbage.onnx', 'models/cut.gguf', 'models/bad-json.safetensors']) {
      const escaped = file.replace(/\./g, '\\.');
      const r = await cliFails(p.dir, ['register', 'fraud', file, '--json'], 2, new RegExp(`^${escaped}: `));
      expect(r.json.error.code).toBe('INVALID_HEADER');
      await cliFails(p.dir, ['bump', 'fraud', file], 2, new RegExp(`^mreg: ${escaped}: `));
    }
    // inside a directory input, the file is named by its path too
    await cliFails(p.dir, ['register', 'fraud', 'models'], 2, /^mreg: models\/[a-z-]+\.(safetensors|onnx|gguf): /);
    expect(storeSnapshot(p.store)).toStrictEqual(before);
    expect(changeFiles(p.store)).toHaveLength(1);
  });

  it('reads a multi-file version: each model file gets its schema entry, and findings name the file', async () => {
    const p = await newProject();
    p.file('m/tokenizer.json', '{"vocab": {}}');
    await writeOnnx(join(p.dir, 'm/encoder.onnx'), { inputs: [{ name: 'x', dtype: 'float32', shape: ['b', 8] }], outputs: [{ name: 'h', dtype: 'float32', shape: ['b', 4] }] });
    await writeGguf(join(p.dir, 'm/lm.gguf'), { kvs: { 'general.architecture': 'llama' }, tensors: [{ name: 'output.weight', shape: [4, 2] }] });
    await cliPasses(p.dir, ['register', 'duo', 'm', '--change', 'minor']);
    const m = parse(readFileSync(join(p.store, 'models/duo/0.1.0.yaml'), 'utf8'));
    expect(Object.keys(m.schema).sort()).toStrictEqual(['encoder.onnx', 'lm.gguf']);
    await writeOnnx(join(p.dir, 'm/encoder.onnx'), { inputs: [{ name: 'x', dtype: 'float32', shape: ['b', 16] }], outputs: [{ name: 'h', dtype: 'float32', shape: ['b', 4] }] });
    await cliFails(p.dir, ['register', 'duo', 'm', '--change', 'minor'], 1, /declared minor, but encoder\.onnx: input 'x' dimension 1 changed from 8 to 16/);
  });
});

describe('interface rules as a user meets them', () => {
  it('a shorter GGUF context is major, a longer one minor', async () => {
    const p = await newProject();
    const lm = (context: number, fill: number) =>
      writeGguf(join(p.dir, 'lm.gguf'), { kvs: { 'general.architecture': 'llama', 'llama.context_length': context }, tensors: [{ name: 'output.weight', shape: [4, 2], data: { size: 32, fill } }] });
    await lm(4096, 1);
    await cliPasses(p.dir, ['register', 'lm', 'lm.gguf', '--version', '1.0.0']);
    await lm(2048, 2);
    await cliFails(p.dir, ['register', 'lm', 'lm.gguf', '--change', 'minor'], 1, /^mreg: lm: declared minor, but the context length \(llama\.context_length\) shrank from 4096 to 2048 tokens: major$/);
    await lm(8192, 2);
    await cliFails(p.dir, ['bump', 'lm', 'lm.gguf', '--change', 'patch'], 1, /grew from 4096 to 8192 tokens: minor/);
    const reg = await cliPasses(p.dir, ['register', 'lm', 'lm.gguf', '--change', 'minor', '--json']);
    expect(reg.json.findings.map((f: { rule: string }) => f.rule)).toStrictEqual(['context-length-increased']);
  });

  it('names a dimension that lost its name; BUMP_TOO_LOW lists one finding per line and its hint names the flag used', async () => {
    const p = await newProject();
    const model = (dim0: string | null, extra: boolean) =>
      writeOnnx(join(p.dir, 'vad.onnx'), {
        inputs: [{ name: 'input', dtype: 'float32', shape: [dim0, 512] }, ...(extra ? [{ name: 'sr', dtype: 'int64', shape: [1] }] : [])],
        outputs: [{ name: 'output', dtype: 'float32', shape: ['batch', 1] }, ...(extra ? [] : [{ name: 'state', dtype: 'float32', shape: [2, 64] }])],
      });
    await model('batch', false);
    await cliPasses(p.dir, ['register', 'vad', 'vad.onnx', '--version', '1.0.0']);
    await model(null, false);
    const bump = await cliPasses(p.dir, ['bump', 'vad', 'vad.onnx', '--change', 'patch']);
    expect(bump.stderr).toBe("patch: input 'input' dimension 0 lost its name 'batch' (now dynamic)\n");

    await model(null, true);
    const flag = await cliFails(p.dir, ['register', 'vad', 'vad.onnx', '--change', 'minor'], 1, /^mreg: vad: declared minor, but:$/);
    expect(flag.stderr).toBe(
      [
        'mreg: vad: declared minor, but:',
        "  required input 'sr' was added (int64 [1]); callers must now pass it: major",
        "  output 'state' was removed: major",
        'hint: pass --change major, or undo the interface change',
        '',
      ].join('\n'),
    );
    await cliPasses(p.dir, ['change', 'add', 'vad', '--change', 'minor', '-m', 'Sample rate']);
    const files = await cliFails(p.dir, ['register', 'vad', 'vad.onnx'], 1, /declared minor, but:/);
    expect(files.stderr).toMatch(/hint: declare the change as major \(mreg change add vad --change major -m "\.\.\."\), or undo the interface change/);
    const version = await cliFails(p.dir, ['register', 'vad', 'vad.onnx', '--version', '1.1.0'], 1, /declared minor \(--version 1\.1\.0 after 1\.0\.0\), but:/);
    expect(version.stderr).toMatch(/hint: register it as --version 2\.0\.0 \(a major step from 1\.0\.0\), or undo the interface change/);
  });
});
