// Deciding the next version (src/core/versioning/plan.ts): decideNext's refusals and result exactly, and planBump
// over a real store (versions registered in-process, change files, lines, candidate files read from disk).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../src/api/register.js';
import { finding } from '../../src/core/formats/compare.js';
import type { ModelInterface } from '../../src/core/formats/types.js';
import { initStore } from '../../src/core/store.js';
import { addChange, ConsumedIndex, readChanges } from '../../src/core/versioning/changes.js';
import type { VersionInterface } from '../../src/core/versioning/findings.js';
import { decideNext, noDeclarationMessage, planBump, readCandidate } from '../../src/core/versioning/plan.js';
import { MregError } from '../../src/errors.js';
import { layoutOf, type Layout } from '../../src/store/layout.js';
import { writeOnnx } from '../helpers/model-fixtures.js';

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<MregError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(MregError);
    return err as MregError;
  }
  throw new Error('accepted');
}

const iface = (outputs: string[]): ModelInterface => ({ format: 'onnx', inputs: [], outputs: outputs.map((name) => ({ name, dtype: 'float32', shape: [1] })) });
const side = (outputs: string[]): VersionInterface => ({ schema: { 'm.onnx': iface(outputs) }, artifacts: [{ path: 'm.onnx', sha256: 'h' }] });

describe('decideNext', () => {
  it('with nothing declared, says what to pass and what the files require', async () => {
    const none = await refusal(() => decideNext({ model: 'vad', flag: 'change X' }));
    expect(none.code).toBe('USAGE');
    expect(none.message).toBe(noDeclarationMessage('vad', 'change X'));
    expect(none.message).toBe('no version declared: pass change X, or declare the change in a change file (mreg change add vad --change major|minor|patch -m "what changed")');
    expect(none.data).toStrictEqual({ option: 'change' });
    const released = await refusal(() => decideNext({ model: 'vad', current: '1.0.0', previous: side(['a', 'b']), candidate: side(['c']), flag: 'change X' }));
    expect(released.code).toBe('USAGE');
    // 'b' removed (major) and 'a' renamed to 'c' (major); both named
    expect(released.message).toBe(`${noDeclarationMessage('vad', 'change X')}; these files require at least major (output 'a' was renamed to 'c'; output 'b' was removed)`);
    const minorOnly = await refusal(() => decideNext({ model: 'vad', current: '1.0.0', previous: side(['a']), candidate: side(['a', 'b']), flag: 'change X' }));
    expect(minorOnly.message).toMatch(/; these files require at least minor \(output 'b' was added \(float32 \[1\]\)\)$/);
  });

  it('names only the findings at the required level', async () => {
    const previous: VersionInterface = { schema: { 'm.onnx': iface(['a']), 'n.onnx': iface(['x']) }, artifacts: [{ path: 'm.onnx' }, { path: 'n.onnx' }] };
    const candidate: VersionInterface = { schema: { 'm.onnx': iface(['a', 'b']) }, artifacts: [{ path: 'm.onnx' }] };
    const err = await refusal(() => decideNext({ model: 'vad', current: '1.0.0', previous, candidate, flag: 'f' }));
    expect(err.message).toMatch(/; these files require at least major \(model file 'n\.onnx' was removed\)$/);
  });

  it('with nothing declared, continues or releases a pre-release at its own level', async () => {
    expect(decideNext({ model: 'vad', current: '1.3.0-rc.0', pre: 'rc', flag: 'f' })).toStrictEqual({ next: '1.3.0-rc.1', type: 'minor', required: undefined, findings: [] });
    expect(decideNext({ model: 'vad', current: '1.3.0-rc.0', previous: side(['a']), candidate: side(['a', 'b']), flag: 'f' })).toStrictEqual({
      next: '1.3.0',
      type: 'minor',
      required: 'minor',
      findings: [finding('output-added', 'b', "output 'b' was added (float32 [1])", undefined, { name: 'b', dtype: 'float32', shape: [1] })],
    });
    const err = await refusal(() => decideNext({ model: 'vad', current: '1.3.0-rc.0', previous: side(['a']), candidate: side([]), flag: 'f' }));
    expect(err.code).toBe('BUMP_TOO_LOW');
    expect(err.message).toBe("vad: declared minor (continuing 1.3.0-rc.0), but output 'a' was removed: major");
    expect(err.data).toMatchObject({ current: '1.3.0-rc.0', next: '1.3.0' });
  });

  it('a declared type is not "continuing", and the refusal records the line', async () => {
    const err = await refusal(() => decideNext({ model: 'vad', current: '1.3.0', previous: side(['a']), candidate: side([]), declared: 'minor', line: '1', flag: 'f' }));
    expect(err.message).toBe("vad: declared minor, but output 'a' was removed: major");
    expect(err.data).toStrictEqual({
      model: 'vad', declared: 'minor', required: 'major', current: '1.3.0', next: '1.4.0', line: '1',
      findings: [finding('output-removed', 'a', "output 'a' was removed", { name: 'a', dtype: 'float32', shape: [1] })],
    });
    expect(err.hint).toMatch(/^declare the change as major /);
  });

  it('records no line in the refusal when the bump is in none', async () => {
    const err = await refusal(() => decideNext({ model: 'vad', current: '1.3.0', previous: side(['a']), candidate: side([]), declared: 'patch', flag: 'f' }));
    expect(err.code).toBe('BUMP_TOO_LOW');
    expect(err.data).toStrictEqual({
      model: 'vad', declared: 'patch', required: 'major', current: '1.3.0', next: '1.3.1',
      findings: [finding('output-removed', 'a', "output 'a' was removed", { name: 'a', dtype: 'float32', shape: [1] })],
    });
    expect(Object.keys(err.data!)).not.toContain('line');
  });

  it('compares nothing without a candidate, and checks the line', async () => {
    expect(decideNext({ model: 'vad', current: '1.0.0', previous: side(['a']), declared: 'patch', flag: 'f' })).toStrictEqual({ next: '1.0.1', type: 'patch', required: undefined, findings: [] });
    const out = await refusal(() => decideNext({ model: 'vad', current: '1.4.0', declared: 'minor', line: '1.4', flag: 'f' }));
    expect(out.message).toMatch(/^line 1\.4 takes patch changes only/);
  });
});

describe('planBump and readCandidate on a store', () => {
  let dir: string;
  let layout: Layout;
  const ENV = { MREG_ACTOR: 'tester@example.com' };
  const spec = (outputs: string[], fill: number) => ({
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch', 4] as (string | number)[] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 2] as (string | number)[] }, { name: 'hn', dtype: 'float32', shape: [2, 'batch', 8] as (string | number)[] }].filter((o) => outputs.includes(o.name)),
    initializers: [{ name: 'w', dims: [4, 4], data: { size: 64, fill } }],
  });

  // Built by the first test that needs it, not in a beforeAll: Stryker counts what a beforeAll reaches as
  // reached by no test in particular ("static"), and would run every test against those mutants.
  let built: Promise<void> | undefined;
  const store = (): Promise<void> => (built ??= build());
  async function build(): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'mreg-version-plan-'));
    const { root } = await initStore({ cwd: dir });
    layout = layoutOf(root);
    await writeOnnx(join(dir, 'v1.onnx'), spec(['logits', 'hn'], 1));
    await writeOnnx(join(dir, 'retrained.onnx'), spec(['logits', 'hn'], 2));
    await writeOnnx(join(dir, 'breaking.onnx'), spec(['logits'], 1));
    writeFileSync(join(dir, 'notes.txt'), 'notes');
    await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['v1.onnx'], version: '1.0.0' });
    await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['v1.onnx', 'notes.txt'], version: '2.0.0' });
    await addChange(layout, { models: { churn: 'minor' }, summary: 'Add a feature' }, { random: (n) => Buffer.alloc(n) });
    await addChange(layout, { models: { churn: 'patch', other: 'major' }, summary: 'Fix a bug' }, { random: (n) => Buffer.alloc(n) });
    await addChange(layout, { models: { fraud: 'patch' }, lines: { fraud: '1' }, summary: 'Backport' }, { random: (n) => Buffer.alloc(n) });
  }
  afterAll(() => {
    if (built) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the candidate files: their interfaces, the declared signature, and each file hashed', async () => {
    await store();
    const signature = { inputs: [], outputs: [] };
    const candidate = await readCandidate(['notes.txt', 'breaking.onnx'], dir, signature);
    expect(Object.keys(candidate.schema!)).toStrictEqual(['breaking.onnx']);
    expect(candidate.schema!['breaking.onnx']!.outputs.map((o) => o.name)).toStrictEqual(['logits']);
    expect(candidate.signature).toBe(signature);
    expect(candidate.artifacts).toStrictEqual([
      // in path order, not the order given
      { path: 'breaking.onnx', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number) },
      { path: 'notes.txt', sha256: createHash('sha256').update('notes').digest('hex'), size: 5 },
    ]);
  });

  it('plans from the highest version, without candidate files', async () => {
    await store();
    expect(await planBump(layout, { model: 'fraud', type: 'minor', cwd: dir })).toStrictEqual({
      model: 'fraud', current: '2.0.0', next: '2.1.0', type: 'minor', required: null, findings: [], changes: [],
    });
    expect(await planBump(layout, { model: 'fraud', type: 'minor', pre: 'rc', cwd: dir, inputs: [] })).toMatchObject({ next: '2.1.0-rc.0', findings: [] });
  });

  it('compares candidate files with the highest version and refuses an understated option', async () => {
    await store();
    expect(await planBump(layout, { model: 'fraud', type: 'patch', cwd: dir, inputs: ['retrained.onnx'] })).toStrictEqual({
      model: 'fraud', current: '2.0.0', next: '2.0.1', type: 'patch', required: 'patch',
      findings: [finding('weights-changed', 'weights', 'the weights changed; the interface is the same')], changes: [],
    });
    const err = await refusal(planBump(layout, { model: 'fraud', type: 'minor', cwd: dir, inputs: ['breaking.onnx'] }));
    expect(err.code).toBe('BUMP_TOO_LOW');
    expect(err.message).toBe("fraud: declared minor, but output 'hn' was removed: major");
    expect(err.hint).toBe('pass change major, or undo the interface change');
    expect(err.data).toMatchObject({ option: 'change', current: '2.0.0', next: '2.1.0' });
  });

  it('in a line: its highest version, its change files, the line in the plan', async () => {
    await store();
    const plan = await planBump(layout, { model: 'fraud', line: '1', cwd: dir, inputs: ['v1.onnx'] });
    expect(plan).toStrictEqual({
      model: 'fraud', line: '1', current: '1.0.0', next: '1.0.1', type: 'patch', required: null, findings: [],
      changes: [{ id: 'backport-000000', type: 'patch', summary: 'Backport', line: '1' }],
    });
    expect((await refusal(planBump(layout, { model: 'fraud', line: '1.x', cwd: dir }))).data).toMatchObject({ option: 'line' });
  });

  it('takes the highest of the option and the pending change files, which the plan lists', async () => {
    await store();
    const plan = await planBump(layout, { model: 'churn', cwd: dir });
    expect(plan).toStrictEqual({
      model: 'churn', current: null, next: '0.1.0', type: 'minor', required: null, findings: [],
      changes: [
        { id: 'add-a-feature-000000', type: 'minor', summary: 'Add a feature' },
        { id: 'fix-a-bug-000000', type: 'patch', summary: 'Fix a bug' },
      ],
    });
    expect(await planBump(layout, { model: 'churn', type: 'major', cwd: dir })).toMatchObject({ next: '1.0.0', type: 'major' });
    expect(await planBump(layout, { model: 'churn', type: 'patch', cwd: dir })).toMatchObject({ next: '0.1.0', type: 'minor' });
    // a new model's candidate files have nothing to be compared with
    expect(await planBump(layout, { model: 'churn', cwd: dir, inputs: ['breaking.onnx'] })).toMatchObject({ current: null, findings: [], required: null });
  });

  it('uses the change files and consumed index it is given instead of reading them', async () => {
    await store();
    const changes = await readChanges(layout);
    expect(changes.map((c) => c.id)).toStrictEqual(['add-a-feature-000000', 'backport-000000', 'fix-a-bug-000000']);
    expect(await planBump(layout, { model: 'churn', cwd: dir }, { changes: changes.slice(2), index: new ConsumedIndex(layout) })).toMatchObject({ type: 'patch', next: '0.0.1' });
    const err = await refusal(planBump(layout, { model: 'churn', cwd: dir }, { changes: [] }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe(noDeclarationMessage('churn', 'change major|minor|patch'));
  });

  it('refuses an invalid model name', async () => {
    await store();
    const err = await refusal(planBump(layout, { model: '../x', type: 'minor', cwd: dir }));
    expect(err.message).toMatch(/^invalid model name/);
  });
});
