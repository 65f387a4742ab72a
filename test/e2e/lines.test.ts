// Maintenance lines end to end (issue 15.1): a 1.x hotfix after 2.0.0 exists, bumped from and compared with the
// line's highest version; change files declared for a line; change status and the changelog with lines.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliPasses } from '../helpers/cli.js';
import { writeOnnx } from '../helpers/model-fixtures.js';
import { newProject, type Project } from '../helpers/store.js';
import { changeFiles, storeSnapshot } from '../helpers/versioning.js';

// vad 1.x takes one input; 2.x adds a required sample-rate input (a major change).
const vad = (fill: number, sr: boolean) => ({
  inputs: [{ name: 'input', dtype: 'float32', shape: ['batch', 512] }, ...(sr ? [{ name: 'sr', dtype: 'int64', shape: [1] }] : [])],
  outputs: [{ name: 'output', dtype: 'float32', shape: ['batch', 1] }],
  initializers: [{ name: 'w', dims: [8, 8], data: { size: 256, fill } }],
});

describe('maintenance lines', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await writeOnnx(join(p.dir, 'v1.onnx'), vad(1, false));
    await writeOnnx(join(p.dir, 'v2.onnx'), vad(2, true));
    await writeOnnx(join(p.dir, 'legacy.onnx'), vad(3, false));
    await writeOnnx(join(p.dir, 'legacy2.onnx'), vad(4, false));
    await cliPasses(p.dir, ['register', 'vad', 'v1.onnx', '--version', '1.0.0']);
    await cliPasses(p.dir, ['register', 'vad', 'v2.onnx', '--change', 'major']);
  });

  it('a 1.x hotfix after 2.0.0: without --line it is compared with 2.0.0; with --line 1 it is 1.0.1', async () => {
    const refused = await cliFails(p.dir, ['register', 'vad', 'legacy.onnx', '--change', 'patch'], 1, /vad: declared patch, but input 'sr' was removed: major/);
    expect(refused.stderr).toMatch(/hint: pass --change major, or undo the interface change/);

    const bump = await cliPasses(p.dir, ['bump', 'vad', 'legacy.onnx', '--change', 'patch', '--line', '1', '--json']);
    expect(bump.json).toMatchObject({ model: 'vad', line: '1', current: '1.0.0', next: '1.0.1', type: 'patch', required: 'patch' });

    const reg = await cliPasses(p.dir, ['register', 'vad', 'legacy.onnx', '--change', 'patch', '--line', '1', '--json']);
    expect(reg.json).toMatchObject({ version: '1.0.1', line: '1', unchanged: false });
    expect(reg.json.findings.map((f: { rule: string }) => f.rule)).toStrictEqual(['weights-changed']);
    // A re-run with the same files is unchanged: compared with the line's highest version, not 2.0.0.
    const again = await cliPasses(p.dir, ['register', 'vad', 'legacy.onnx', '--change', 'patch', '--line', '1', '--json']);
    expect(again.json).toMatchObject({ version: '1.0.1', unchanged: true });
    expect((await cliPasses(p.dir, ['bump', 'vad', '--change', 'patch', '--line', '1'])).stdout).toBe('1.0.2\n');
    expect((await cliPasses(p.dir, ['bump', 'vad', '--change', 'minor', '--line', '1'])).stdout).toBe('1.1.0\n');
    expect((await cliPasses(p.dir, ['bump', 'vad', '--change', 'patch', '--line', '1', '--pre', 'rc'])).stdout).toBe('1.0.2-rc.0\n');
    expect((await cliPasses(p.dir, ['bump', 'vad', '--change', 'patch'])).stdout).toBe('2.0.1\n');
  });

  it('refuses what leaves or misses the line, writing nothing (exit 2)', async () => {
    const before = storeSnapshot(p.store);
    await cliFails(p.dir, ['register', 'vad', 'legacy2.onnx', '--change', 'major', '--line', '1'], 2, /^mreg: --line 1 takes minor and patch changes only: vad 1\.0\.1 bumped gives 2\.0\.0, which is already registered, outside the line/);
    await cliFails(p.dir, ['bump', 'vad', '--change', 'minor', '--line', '1.0'], 2, /--line 1\.0 takes patch changes only: vad 1\.0\.1 bumped gives 1\.1\.0, outside the line/);
    await cliFails(p.dir, ['register', 'vad', 'legacy2.onnx', '--version', '2.1.0', '--line', '1'], 2, /--line 1: version 2\.1\.0 is not in it/);
    await cliFails(p.dir, ['register', 'vad', 'legacy2.onnx', '--change', 'patch', '--line', '3'], 2, /--line 3: vad has no version in it yet; start the line with version 3\.0\.0/);
    await cliFails(p.dir, ['bump', 'vad', '--change', 'patch', '--line', 'v1'], 2, /--line "v1": expected a major version \(1\) or a major\.minor \(1\.4\)/);
    const json = await cliFails(p.dir, ['bump', 'vad', '--change', 'major', '--line', '1', '--json'], 2, /line 1 takes minor and patch/);
    expect(json.json.error).toMatchObject({ code: 'USAGE', data: { option: 'line', line: '1', current: '1.0.1', next: '2.0.0' } });
    expect(storeSnapshot(p.store)).toStrictEqual(before);
  });

  it('a change declared for line 1 is consumed by a 1.x register, not by a 2.x one', async () => {
    const fix = await cliPasses(p.dir, ['change', 'add', 'vad', '--change', 'patch', '--line', '1', '-m', 'Fix the 1.x resampler', '--json']);
    expect(fix.json).toMatchObject({ models: { vad: 'patch' }, lines: { vad: '1' } });
    const feature = await cliPasses(p.dir, ['change', 'add', 'vad', '--change', 'minor', '-m', 'Streaming mode', '--json']);
    expect(feature.json.lines).toBeUndefined();

    const ls = await cliPasses(p.dir, ['change', 'ls']);
    expect(ls.stdout).toMatch(/vad@1: patch +Fix the 1\.x resampler/);
    const status = await cliPasses(p.dir, ['change', 'status', '--json']);
    expect(status.json.models).toStrictEqual([
      { model: 'vad', current: '2.0.0', next: '2.1.0', type: 'minor', changes: [feature.json.id] },
      { model: 'vad', line: '1', current: '1.0.1', next: '1.0.2', type: 'patch', changes: [fix.json.id] },
    ]);
    expect((await cliPasses(p.dir, ['change', 'status'])).stdout).toMatch(/vad +1 +1\.0\.1 +1\.0\.2 +patch/);
    expect((await cliPasses(p.dir, ['bump', 'vad', '--line', '1'])).stdout).toBe('1.0.2\n');

    const reg = await cliPasses(p.dir, ['register', 'vad', 'legacy2.onnx', '--line', '1', '--json']);
    expect(reg.json).toMatchObject({ version: '1.0.2', changes: [{ id: fix.json.id, type: 'patch', line: '1' }] });
    expect(changeFiles(p.store)).toStrictEqual([`${feature.json.id}.md`]);
    expect((await cliPasses(p.dir, ['bump', 'vad'])).stdout).toBe('2.1.0\n');
    // Without --line, the line's change is not there to consume: nothing is declared for line 1 now.
    await cliFails(p.dir, ['bump', 'vad', '--line', '1'], 2, /no version declared/);
  });

  it('the changelog compares each version with the one it followed', async () => {
    const log = await cliPasses(p.dir, ['changelog', 'vad', '--json']);
    const entries = Object.fromEntries(log.json.versions.map((e: { version: string; previous: string | null; type: string | null }) => [e.version, [e.previous, e.type]]));
    expect(entries).toStrictEqual({ '1.0.0': [null, null], '2.0.0': ['1.0.0', 'major'], '1.0.1': ['1.0.0', 'patch'], '1.0.2': ['1.0.1', 'patch'] });
    const text = (await cliPasses(p.dir, ['changelog', 'vad'])).stdout;
    expect(text).toMatch(/## 1\.0\.2[^#]*\n### Patch\n\n- Fix the 1\.x resampler/);
  });
});

describe('fixing a declaration: change rm and change edit', () => {
  it('removes a wrong change and edits the right one; the changelog lists only what stayed', async () => {
    const p = await newProject();
    await writeOnnx(join(p.dir, 'v1.onnx'), vad(1, false));
    await writeOnnx(join(p.dir, 'v2.onnx'), vad(2, true));
    await cliPasses(p.dir, ['register', 'vad', 'v1.onnx', '--version', '1.0.0']);
    const wrong = await cliPasses(p.dir, ['change', 'add', 'vad', '--change', 'minor', '-m', 'Add the sample-rate input', '--json']);
    const right = await cliPasses(p.dir, ['change', 'add', 'vad', '--change', 'minor', '-m', 'Sample rate', '--json']);

    const rm = await cliPasses(p.dir, ['change', 'rm', wrong.json.id]);
    expect(rm.stderr).toBe('');
    expect(rm.stdout).toBe(`removed .modelreg/changes/${wrong.json.id}.md (vad: minor)\n`);
    expect(changeFiles(p.store)).toStrictEqual([`${right.json.id}.md`]);
    await cliFails(p.dir, ['change', 'rm', wrong.json.id], 1, new RegExp(`no pending change ${wrong.json.id}`));

    await cliFails(p.dir, ['change', 'edit', right.json.id], 2, /give the new type \(--change major\|minor\|patch\), the new summary \(-m "\.\.\."\), or both/);
    await cliFails(p.dir, ['change', 'edit', right.json.id, '-m', ''], 2, /-m: the summary is empty/);
    const edited = await cliPasses(p.dir, ['change', 'edit', right.json.id, '--type', 'major', '-m', 'Add the required sample-rate input', '--json']);
    expect(edited.json).toMatchObject({ id: right.json.id, models: { vad: 'major' }, summary: 'Add the required sample-rate input' });
    expect((await cliPasses(p.dir, ['bump', 'vad', 'v2.onnx'])).stdout).toBe('2.0.0\n');
    expect((await cliPasses(p.dir, ['register', 'vad', 'v2.onnx', '--json'])).json.version).toBe('2.0.0');
    const log = (await cliPasses(p.dir, ['changelog', 'vad', '--json'])).json.versions[0];
    expect(log.changes).toStrictEqual([{ id: right.json.id, type: 'major', summary: 'Add the required sample-rate input' }]);
  });

  it('refuses a change a version consumed (exit 1), an unknown id (exit 1) and a malformed id (exit 2), writing nothing', async () => {
    const p = await newProject();
    await writeOnnx(join(p.dir, 'v1.onnx'), vad(1, false));
    // One change for two models: consumed by vad, still pending for churn, so its file stays.
    const both = await cliPasses(p.dir, ['change', 'add', 'vad', 'churn', '--change', 'minor', '-m', 'First models', '--json']);
    await cliPasses(p.dir, ['register', 'vad', 'v1.onnx']);
    expect(changeFiles(p.store)).toStrictEqual([`${both.json.id}.md`]);
    const before = storeSnapshot(p.store);
    const rm = await cliFails(p.dir, ['change', 'rm', both.json.id], 1, new RegExp(`cannot remove change ${both.json.id}: vad@0\\.1\\.0 consumed it`));
    expect(rm.stderr).toMatch(/hint: declare a new change instead/);
    const edit = await cliFails(p.dir, ['change', 'edit', both.json.id, '--change', 'patch', '--json'], 1, /cannot edit change .*: vad@0\.1\.0 consumed it/);
    expect(edit.json.error).toMatchObject({ code: 'REFUSED', data: { id: both.json.id, consumed_by: ['vad@0.1.0'] } });
    await cliFails(p.dir, ['change', 'rm', 'no-such-change-abc123'], 1, /no pending change no-such-change-abc123/);
    await cliFails(p.dir, ['change', 'edit', '../config', '-m', 'x'], 2, /invalid change id "\.\.\/config"/);
    expect(storeSnapshot(p.store)).toStrictEqual(before);
  });
});
