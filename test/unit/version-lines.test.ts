// Maintenance lines as pure functions (src/core/versioning/lines.ts), change files for a line, the decision
// in a line, the changelog's previous version with lines, and BUMP_TOO_LOW's text and hints.
import { describe, expect, it } from 'vitest';
import { bumpBase, checkLine, checkStaysInLine, checkVersionInLine, inLine, lineTop } from '../../src/core/versioning/lines.js';
import { parseChangeFile, renderChangeFile } from '../../src/core/versioning/change-file.js';
import { decideNext } from '../../src/core/versioning/plan.js';
import { buildChangelog } from '../../src/core/versioning/changelog.js';
import { checkDeclared } from '../../src/core/versioning/findings.js';
import { finding } from '../../src/core/formats/compare.js';
import type { Manifest } from '../../src/core/manifest/types.js';
import { thrown } from '../helpers/errors.js';


const VERSIONS = ['0.9.0', '1.0.0', '1.0.1', '1.4.0', '1.4.1-rc.0', '1.10.0', '2.0.0', '10.0.0'];

describe('lines', () => {
  it.each([
    ['1', '1.0.0', true], ['1', '1.4.1-rc.0', true], ['1', '10.0.0', false], ['1', '2.0.0', false],
    ['1.4', '1.4.0', true], ['1.4', '1.4.1-rc.0', true], ['1.4', '1.40.0', false], ['1.1', '1.10.0', false],
    ['0', '0.9.0', true], ['1.10', '1.10.0', true], ['1', 'not-a-version', false],
  ] as const)('line %s holds %s: %s', (line, version, expected) => {
    expect(inLine(version, line)).toBe(expected);
  });

  it.each([
    ['1', '1.10.0'], ['1.4', '1.4.1-rc.0'], ['1.0', '1.0.1'], ['2', '2.0.0'], ['10', '10.0.0'], ['0', '0.9.0'], ['3', undefined], ['1.2', undefined],
  ] as const)('the highest version of line %s is %s', (line, top) => {
    expect(lineTop(VERSIONS, line)).toBe(top);
  });

  it('checks a line: a major or a major.minor, nothing else', () => {
    for (const ok of ['0', '1', '1.4', '12.30']) expect(checkLine(ok)).toBe(ok);
    for (const bad of ['', '1.x', 'v1', '01', '1.04', '1.4.0', '-1', ' 1', '1.', '9999999999']) {
      const err = thrown(() => checkLine(bad));
      expect(err.code).toBe('USAGE');
      expect(err.data).toMatchObject({ option: 'line' });
      expect(err.message).toMatch(/^line ".*": expected a major version \(1\) or a major\.minor \(1\.4\)$/);
    }
  });

  it('bumps from the line, refuses a line with no version, and a next version outside it', () => {
    expect(bumpBase('vad', VERSIONS, undefined)).toBe('10.0.0');
    expect(bumpBase('vad', VERSIONS, '1')).toBe('1.10.0');
    expect(bumpBase('vad', [], undefined)).toBeUndefined();
    expect(thrown(() => bumpBase('vad', VERSIONS, '3')).message).toBe('line 3: vad has no version in it yet; start the line with version 3.0.0, or bump without a line');
    expect(thrown(() => bumpBase('vad', VERSIONS, '1.2')).message).toMatch(/start the line with version 1\.2\.0,/);

    expect(() => checkStaysInLine('vad', '1', '1.0.1', '1.1.0')).not.toThrow();
    expect(() => checkStaysInLine('vad', undefined, '1.0.1', '2.0.0')).not.toThrow();
    expect(thrown(() => checkStaysInLine('vad', '1', '1.0.1', '2.0.0', VERSIONS)).message).toBe(
      'line 1 takes minor and patch changes only: vad 1.0.1 bumped gives 2.0.0, which is already registered, outside the line; declare a smaller change, or register without a line to start a new one',
    );
    expect(thrown(() => checkStaysInLine('vad', '1.4', '1.4.0', '1.5.0')).message).toMatch(/^line 1\.4 takes patch changes only: vad 1\.4\.0 bumped gives 1\.5\.0, outside the line/);

    expect(() => checkVersionInLine('1', '1.0.2')).not.toThrow();
    expect(() => checkVersionInLine(undefined, '7.0.0')).not.toThrow();
    expect(thrown(() => checkVersionInLine('1.4', '1.5.0')).message).toBe('line 1.4: version 1.5.0 is not in it (a version of line 1.4 is 1.4.x)');
  });

  it('decides the next version in a line with the line recorded in the refusal', () => {
    expect(decideNext({ model: 'vad', current: '1.0.1', declared: 'patch', line: '1', flag: 'change' }).next).toBe('1.0.2');
    expect(decideNext({ model: 'vad', current: '1.0.1', declared: 'minor', line: '1', pre: 'rc', flag: 'change' }).next).toBe('1.1.0-rc.0');
    const err = thrown(() => decideNext({ model: 'vad', current: '1.0.1', declared: 'major', line: '1', registered: ['2.0.0'], flag: 'change' }));
    expect(err.data).toStrictEqual({ option: 'line', line: '1', current: '1.0.1', next: '2.0.0' });
  });
});

describe('change files for a line', () => {
  it('write model@line and read it back; a bad line or a model named twice fails naming the file', () => {
    const text = renderChangeFile({ models: { vad: 'patch', churn: 'minor' }, lines: { vad: '1.10' }, summary: 'Fix' });
    expect(text).toBe('---\nvad@1.10: patch\nchurn: minor\n---\n\nFix\n');
    expect(parseChangeFile(Buffer.from(text), 'changes/x.md')).toStrictEqual({ models: { vad: 'patch', churn: 'minor' }, lines: { vad: '1.10' }, summary: 'Fix' });
    expect(parseChangeFile(Buffer.from('---\nvad: patch\n---\n\nFix\n'), 'changes/x.md')).toStrictEqual({ models: { vad: 'patch' }, summary: 'Fix' });
    expect(thrown(() => parseChangeFile(Buffer.from('---\nvad@1.x: patch\n---\n\nFix\n'), 'changes/x.md')).message).toBe('changes/x.md: "vad@1.x": expected model@line with a line such as 1 or 1.4');
    expect(thrown(() => parseChangeFile(Buffer.from('---\nvad: minor\nvad@1: patch\n---\n\nFix\n'), 'changes/x.md')).message).toBe('changes/x.md: vad is named twice');
    expect(thrown(() => parseChangeFile(Buffer.from('---\n../x@1: patch\n---\n\nFix\n'), 'changes/x.md')).message).toMatch(/^changes\/x\.md: invalid model name "\.\.\/x"/);
  });
});

describe('the changelog with lines', () => {
  const m = (version: string, created_at: string): Manifest =>
    ({ format: 1, name: 'vad', kind: 'model', version, hash: version, digest: 'sha256:x', created_at, actor: 'a', artifacts: [], params: {}, metrics: {}, tags: {}, checksum: 'x' }) as Manifest;

  it('compares each version with the highest version below it registered before it', () => {
    const entries = buildChangelog([m('1.0.0', '2026-01-01T00:00:00.000Z'), m('2.0.0', '2026-02-01T00:00:00.000Z'), m('1.0.1', '2026-03-01T00:00:00.000Z'), m('2.1.0', '2026-04-01T00:00:00.000Z')]);
    expect(entries.map((e) => [e.version, e.previous, e.type])).toStrictEqual([
      ['2.1.0', '2.0.0', 'minor'],
      ['2.0.0', '1.0.0', 'major'],
      ['1.0.1', '1.0.0', 'patch'],
      ['1.0.0', null, null],
    ]);
    // Times that say nothing useful (every lower version registered later): the version below.
    expect(buildChangelog([m('1.0.0', '2026-02-01T00:00:00.000Z'), m('2.0.0', '2026-01-01T00:00:00.000Z')])[0]!.previous).toBe('1.0.0');
  });
});

describe('BUMP_TOO_LOW', () => {
  const one = [finding('output-removed', 'hn', "output 'hn' was removed")];
  const two = [...one, finding('input-added-required', 'sr', "required input 'sr' was added")];

  it('lists one finding per line when there are several', () => {
    expect(thrown(() => checkDeclared('vad', 'minor', one)).message).toBe("vad: declared minor, but output 'hn' was removed: major");
    expect(thrown(() => checkDeclared('vad', 'minor', two)).message).toBe("vad: declared minor, but:\n  output 'hn' was removed: major\n  required input 'sr' was added: major");
  });

  it('hints at the way the type was declared', () => {
    const files = thrown(() => checkDeclared('vad', 'minor', one));
    expect(files.hint).toBe('declare the change as major (mreg change add vad --change major -m "..."), or undo the interface change');
    expect(files.data?.option).toBeUndefined();
    const flag = thrown(() => checkDeclared('vad', 'minor', one, {}, undefined, 'change'));
    expect(flag.hint).toBe('pass change major, or undo the interface change');
    expect(flag.data).toMatchObject({ option: 'change', declared: 'minor', required: 'major' });
    const version = thrown(() => checkDeclared('vad', 'patch', one, { previous: '1.0.0', version: '1.0.1' }, 'version 1.0.1 after 1.0.0', 'version'));
    expect(version.hint).toBe('register it as version 2.0.0 (a major step from 1.0.0), or undo the interface change');
    // decideNext: the option's type is the declaration when it is the highest; below a change file's, the file is.
    const iface = (outputs: string[]) => ({ 'm.onnx': { format: 'onnx', inputs: [], outputs: outputs.map((name) => ({ name, dtype: 'float32', shape: [1] })) } });
    const input = { model: 'vad', current: '1.0.0', previous: { artifacts: [{ path: 'm.onnx' }], schema: iface(['a', 'hn']) }, candidate: { artifacts: [{ path: 'm.onnx' }], schema: iface(['a']) }, flag: 'change' };
    expect(thrown(() => decideNext({ ...input, declared: 'minor', option: 'minor' })).hint).toMatch(/^pass change major,/);
    expect(thrown(() => decideNext({ ...input, declared: 'minor', option: 'patch' })).hint).toMatch(/^declare the change as major \(mreg change add vad/);
  });
});
