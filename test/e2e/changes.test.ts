// Declared changes end to end, for each format mreg reads (and a declared signature): declare, bump, check the
// declaration against the files, register, changelog. The built mreg runs as a user runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses } from '../helpers/cli.js';
import { writeOnnx } from '../helpers/model-fixtures.js';
import { newProject } from '../helpers/store.js';
import { changeFiles, FORMATS, storeSnapshot } from '../helpers/versioning.js';

const manifest = (store: string, model: string, version: string) => parse(readFileSync(join(store, 'models', model, `${version}.yaml`), 'utf8'));

describe.each(FORMATS)('the whole loop for $name', (format) => {
  it('declare, bump, check, register, changelog', async () => {
    const p = await newProject();
    const store = p.store;

    // 1. First version: declared in a change file, consumed by register.
    const first = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', 'First fraud model', '--json']);
    expect(first.json.id).toMatch(/^first-fraud-model-[0-9a-f]{6}$/);
    expect(first.json.path).toBe(join(store, 'changes', `${first.json.id}.md`));
    expect(readFileSync(first.json.path, 'utf8')).toBe('---\nfraud: minor\n---\n\nFirst fraud model\n');
    expect((await cliPasses(p.dir, ['bump', 'fraud'])).stdout).toBe('0.1.0\n');
    let extra = await format.v1(p.dir);
    const reg1 = await cliPasses(p.dir, ['register', 'fraud', format.file, ...extra, '--json']);
    expect(reg1.json).toMatchObject({ version: '0.1.0', unchanged: false, changes: [{ id: first.json.id, type: 'minor', summary: 'First fraud model' }] });
    expect(changeFiles(store)).toStrictEqual([]);
    const m1 = manifest(store, 'fraud', '0.1.0');
    expect(m1.changes).toStrictEqual([{ id: first.json.id, type: 'minor', summary: 'First fraud model' }]);
    if (format.recorded === 'schema') expect(Object.keys(m1.schema)).toStrictEqual([format.file]);
    else expect(m1.signature.outputs.map((o: { name: string }) => o.name)).toStrictEqual(['logits', 'hn']);
    const shown = (await cliPasses(p.dir, ['show', 'fraud@0.1.0'])).stdout;
    expect(shown).toMatch(/^changes:\n {2}minor: First fraud model$/m);
    if (format.recorded === 'schema') expect(shown).toContain(`interface of ${format.file} (${m1.schema[format.file].format}):`);

    // 2. A retrain: same interface, new weights. Patch is enough, and the finding says why.
    await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'patch', '-m', 'Retrained on March data']);
    extra = await format.retrained(p.dir);
    const retrain = await cliPasses(p.dir, ['bump', 'fraud', format.file, ...extra, '--json']);
    expect(retrain.json).toMatchObject({ model: 'fraud', current: '0.1.0', next: '0.1.1', type: 'patch', required: 'patch' });
    expect(retrain.json.findings.map((f: { rule: string }) => f.rule)).toStrictEqual(['weights-changed']);
    expect((await cliPasses(p.dir, ['register', 'fraud', format.file, ...extra, '--json'])).json.version).toBe('0.1.1');

    // 3. A breaking change declared as minor: refused by bump and by register, and nothing is written.
    const minor = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'minor', '-m', 'Slimmer model', '--json']);
    extra = await format.breaking(p.dir);
    const before = storeSnapshot(store);
    await cliFails(p.dir, ['bump', 'fraud', format.file, ...extra], 1, new RegExp(`fraud: declared minor, but ${format.finding.text.source}`));
    const refused = await cliFails(p.dir, ['register', 'fraud', format.file, ...extra], 1, new RegExp(`fraud: declared minor, but ${format.finding.text.source}`));
    expect(refused.stderr).toMatch(/hint: declare the change as major/);
    const json = await cliFails(p.dir, ['register', 'fraud', format.file, ...extra, '--json'], 1, format.finding.text);
    expect(json.json.error).toMatchObject({ code: 'BUMP_TOO_LOW', data: { declared: 'minor', required: 'major' } });
    expect(json.json.error.data.findings.map((f: { rule: string }) => f.rule)).toContain(format.finding.rule);
    expect(storeSnapshot(store)).toStrictEqual(before); // no manifest, no blob, change file kept
    expect(changeFiles(store)).toStrictEqual([`${minor.json.id}.md`]);

    // 4. Declared as major: the highest pending type wins, and register consumes both changes.
    const major = await cliPasses(p.dir, ['change', 'add', 'fraud', '--type', 'major', '-m', 'Breaking: see the migration guide', '--json']);
    const bump = await cliPasses(p.dir, ['bump', 'fraud', format.file, ...extra, '--json']);
    expect(bump.json).toMatchObject({ current: '0.1.1', next: '1.0.0', type: 'major', required: 'major' });
    expect(bump.json.changes.map((c: { id: string }) => c.id).sort()).toStrictEqual([minor.json.id, major.json.id].sort());
    expect((await cliPasses(p.dir, ['bump', 'fraud'])).stdout).toBe('1.0.0\n');
    const reg3 = await cliPasses(p.dir, ['register', 'fraud', format.file, ...extra]);
    expect(reg3.stdout).toMatch(/^registered fraud@1\.0\.0 /);
    expect(reg3.stderr).toMatch(/consumed 2 changes/);
    expect(changeFiles(store)).toStrictEqual([]);
    const m3 = manifest(store, 'fraud', '1.0.0');
    expect(m3.changes.map((c: { summary: string }) => c.summary).sort()).toStrictEqual(['Breaking: see the migration guide', 'Slimmer model']);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json.ok).toBe(true);

    // 5. The changelog: newest first, grouped by type, with date, hash and a migration guide for 1.0.0.
    const log = (await cliPasses(p.dir, ['changelog', 'fraud'])).stdout;
    const headings = [...log.matchAll(/^## (\S+) \((\d{4}-\d\d-\d\d), hash ([0-9a-f]{12})\)$/gm)].map((m) => m[1]);
    expect(headings).toStrictEqual(['1.0.0', '0.1.1', '0.1.0']);
    expect(log).toContain(`hash ${m3.hash}`);
    const entry = log.slice(log.indexOf('## 1.0.0'), log.indexOf('## 0.1.1'));
    expect(entry).toMatch(/### Major\n\n- Breaking: see the migration guide\n/);
    expect(entry).toMatch(/### Minor\n\n- Slimmer model\n/);
    expect(entry).toMatch(/### Migration guide\n\nMoving from 0\.1\.1 to 1\.0\.0:\n\n- \S/);
    expect(log.slice(log.indexOf('## 0.1.1'), log.indexOf('## 0.1.0'))).toMatch(/### Patch\n\n- Retrained on March data\n/);
    expect(log.slice(log.indexOf('## 0.1.1'))).not.toContain('Migration guide');
    const logJson = (await cliPasses(p.dir, ['changelog', 'fraud', '--json'])).json;
    expect(logJson.versions.map((v: { version: string }) => v.version)).toStrictEqual(['1.0.0', '0.1.1', '0.1.0']);
    expect(logJson.versions[0]).toMatchObject({ type: 'major', previous: '0.1.1' });
    expect(logJson.versions[0].findings.map((f: { rule: string }) => f.rule)).toContain(format.finding.rule);
    expect(logJson.versions[0].migration.length).toBeGreaterThan(0);
  });
});

describe('declarations below what the files require', () => {
  const onnx = (outputs: string[]) => ({
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch', 128] }],
    outputs: outputs.map((name) => ({ name, dtype: 'float32', shape: ['batch', 2] })),
    initializers: [{ name: 'w', dims: [4, 4], data: { size: 64, fill: 1 } }],
  });

  it('refuses a minor change declared as patch, and a major one declared as minor or as patch', async () => {
    const p = await newProject();
    await writeOnnx(join(p.dir, 'model.onnx'), onnx(['logits']));
    await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', '--version', '1.0.0']);
    const before = storeSnapshot(p.store);

    await writeOnnx(join(p.dir, 'model.onnx'), onnx(['logits', 'score']));
    const minorAsPatch = await cliFails(p.dir, ['register', 'fraud', 'model.onnx', '--change', 'patch', '--json'], 1, /^fraud: declared patch, but output 'score' was added \(float32 \[batch, 2\]\): minor$/);
    expect(minorAsPatch.json.error).toMatchObject({ code: 'BUMP_TOO_LOW', data: { declared: 'patch', required: 'minor' } });
    await cliFails(p.dir, ['bump', 'fraud', 'model.onnx', '--change', 'patch'], 1, /declared patch, but output 'score' was added/);
    await cliFails(p.dir, ['register', 'fraud', 'model.onnx', '--version', '1.0.1'], 1, /^mreg: fraud: declared patch \(--version 1\.0\.1 after 1\.0\.0\), but output 'score' was added/);

    await writeOnnx(join(p.dir, 'model.onnx'), onnx([]));
    for (const declared of ['minor', 'patch']) {
      const refused = await cliFails(p.dir, ['register', 'fraud', 'model.onnx', '--change', declared, '--json'], 1, new RegExp(`^fraud: declared ${declared}, but output 'logits' was removed: major$`));
      expect(refused.json.error).toMatchObject({ code: 'BUMP_TOO_LOW', data: { declared, required: 'major' } });
    }
    expect(storeSnapshot(p.store)).toStrictEqual(before); // nothing registered by any refusal
    expect((await cliPasses(p.dir, ['register', 'fraud', 'model.onnx', '--change', 'major', '--json'])).json.version).toBe('2.0.0');
  });
});
