// The field checks of a stored manifest (src/core/manifest/fields.ts), called directly: each refusal's
// exact message (file, key path, reason), the limits at their boundaries, and what a valid value becomes.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/core/manifest/checker.js';
import * as check from '../../src/core/manifest/fields.js';
import { thrown } from '../helpers/errors.js';

const HEX = (ch: string) => ch.repeat(64);
const c = new Checker('m.yaml', 'CORRUPT_MANIFEST');

/** The message of the CORRUPT_MANIFEST error `fn` throws. */
function refusal(fn: () => unknown): string {
  const err = thrown(fn);
  expect(err.code).toBe('CORRUPT_MANIFEST');
  return err.message;
}

describe('scalar fields', () => {
  it('format: only 1', () => {
    expect(check.formatNumber(c, 1)).toBe(1);
    expect(refusal(() => check.formatNumber(c, 2))).toBe('m.yaml: format: expected 1 (written by a newer mreg?)');
    expect(refusal(() => check.formatNumber(c, '1'))).toBe('m.yaml: format: expected 1 (written by a newer mreg?)');
  });

  it('name: a valid model name of at most 200 characters', () => {
    expect(check.modelName(c, 'fraud-v2')).toBe('fraud-v2');
    expect(refusal(() => check.modelName(c, 'Fraud'))).toBe('m.yaml: name: invalid model name: it may hold only lowercase letters, digits, ".", "_" and "-"');
    expect(refusal(() => check.modelName(c, 'a'.repeat(200)))).toBe('m.yaml: name: invalid model name: it is longer than 100 characters');
    expect(refusal(() => check.modelName(c, 'a'.repeat(201)))).toBe('m.yaml: name: longer than 200 characters');
    expect(refusal(() => check.modelName(c, 5))).toBe('m.yaml: name: expected a string');
  });

  it('kind: one of the kinds', () => {
    for (const k of ['model', 'dataset', 'features', 'pipeline']) expect(check.kind(c, k)).toBe(k);
    expect(refusal(() => check.kind(c, 'weights'))).toBe('m.yaml: kind: expected one of: model, dataset, features, pipeline');
  });

  it('version: a semantic version exactly as semver writes it', () => {
    expect(check.version(c, '1.2.3-rc.1')).toBe('1.2.3-rc.1');
    // semver would read these as 1.2.3: only the exact canonical text is a version here.
    expect(refusal(() => check.version(c, '1.2.3+build.5'))).toBe('m.yaml: version: not a valid semantic version');
    expect(refusal(() => check.version(c, 'v1.2.3'))).toBe('m.yaml: version: not a valid semantic version');
    expect(refusal(() => check.version(c, '1.2'))).toBe('m.yaml: version: not a valid semantic version');
    expect(refusal(() => check.version(c, `1.2.3-${'a'.repeat(251)}`))).toBe('m.yaml: version: longer than 256 characters');
  });

  it('digest: sha256: and exactly 64 lowercase hex digits, nothing before or after', () => {
    expect(check.digest(c, `sha256:${HEX('a')}`)).toBe(`sha256:${HEX('a')}`);
    const why = 'm.yaml: digest: expected sha256:<64 hex digits>';
    for (const bad of [`xsha256:${HEX('a')}`, `sha256:${HEX('a')}0`, `sha256:${HEX('A')}`, `sha256:${HEX('g')}`, `sha256:${'a'.repeat(63)}`, `sha512:${HEX('a')}`, `sha256:${HEX('a')}\n`]) {
      expect(refusal(() => check.digest(c, bad)), bad).toBe(why);
    }
    expect(refusal(() => check.digest(c, `sha256:${'a'.repeat(94)}`))).toBe('m.yaml: digest: longer than 100 characters');
  });

  it('time: any text Date.parse reads, under the path given', () => {
    expect(check.time(c, '2026-01-01T00:00:00.000Z', 'created_at')).toBe('2026-01-01T00:00:00.000Z');
    expect(refusal(() => check.time(c, 'yesterday', 'started_at'))).toBe('m.yaml: started_at: expected an ISO 8601 time');
    expect(refusal(() => check.time(c, 'x'.repeat(101), 'created_at'))).toBe('m.yaml: created_at: longer than 100 characters');
  });

  it('git: a commit, a boolean dirty flag and an optional branch', () => {
    expect(check.git(c, { commit: 'abc', dirty: false })).toStrictEqual({ commit: 'abc', dirty: false });
    expect(check.git(c, { commit: 'abc', dirty: true, branch: 'main' })).toStrictEqual({ commit: 'abc', dirty: true, branch: 'main' });
    expect(refusal(() => check.git(c, { commit: 'abc', dirty: 'yes' }))).toBe('m.yaml: git.dirty: expected true or false');
    expect(refusal(() => check.git(c, { commit: 'abc' }))).toBe('m.yaml: git.dirty: expected true or false');
    expect(refusal(() => check.git(c, { commit: 'abc', dirty: true, tag: 'v1' }))).toBe('m.yaml: git.tag: unknown key (expected one of: commit, dirty, branch)');
    expect(refusal(() => check.git(c, { commit: 'x'.repeat(101), dirty: true }))).toBe('m.yaml: git.commit: longer than 100 characters');
    expect(refusal(() => check.git(c, { commit: 'abc', dirty: true, branch: 'b'.repeat(1001) }))).toBe('m.yaml: git.branch: longer than 1000 characters');
    expect(check.git(c, { commit: 'abc', dirty: true, branch: 'b'.repeat(1000) }).branch).toHaveLength(1000);
    expect(refusal(() => check.git(c, 'abc'))).toBe('m.yaml: git: expected a mapping');
  });
});

describe('artifact paths', () => {
  it('names what is wrong with an unsafe path', () => {
    expect(check.artifactPathProblem('')).toBe('must be 1 to 4096 characters');
    expect(check.artifactPathProblem('a'.repeat(4097))).toBe('must be 1 to 4096 characters');
    expect(check.artifactPathProblem(`${'a/'.repeat(2047)}ab`)).toBeUndefined(); // 4096 characters
    expect(check.artifactPathProblem('a\0b')).toBe('contains a NUL or backslash');
    expect(check.artifactPathProblem('a\\b')).toBe('contains a NUL or backslash');
    expect(check.artifactPathProblem('/a')).toBe('is absolute');
    for (const p of ['a//b', 'a/', './a', 'a/.', '..', 'a/../b']) expect(check.artifactPathProblem(p), p).toBe(`has an empty, '.' or '..' segment`);
    expect(check.artifactPathProblem(`d/${'x'.repeat(255)}`)).toBeUndefined();
    expect(check.artifactPathProblem(`d/${'x'.repeat(256)}`)).toBe('has a segment longer than 255 bytes');
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(check.artifactPathProblem('é'.repeat(128))).toBe('has a segment longer than 255 bytes');
    expect(check.artifactPathProblem('é'.repeat(127))).toBeUndefined();
    expect(check.artifactPathProblem('.hidden/..x/x..')).toBeUndefined();
  });

  it('finds paths that cannot coexist, and accepts the same path twice or siblings', () => {
    expect(check.artifactPathsConflict(['a', 'b/c', 'b/d'])).toBeUndefined();
    expect(check.artifactPathsConflict(['a', 'a'])).toBeUndefined();
    expect(check.artifactPathsConflict(['ab', 'a/b'])).toBeUndefined();
    // Lower-cased, not upper-cased: "ß" upper-cases to "SS", yet straße and strasse are two files everywhere.
    expect(check.artifactPathsConflict(['straße', 'strasse'])).toBeUndefined();
    expect(check.artifactPathsConflict(['Model.bin', 'model.BIN'])).toBe(
      '"Model.bin" and "model.BIN" differ only in case or Unicode normalisation, and would be one file on macOS and Windows',
    );
    expect(check.artifactPathsConflict(['caf\u00e9', 'cafe\u0301'])).toBe(
      '"caf\u00e9" and "cafe\u0301" differ only in case or Unicode normalisation, and would be one file on macOS and Windows',
    );
    expect(check.artifactPathsConflict(['a/b/c', 'a/b'])).toBe('"a/b" is a file, and "a/b/c" needs it to be a directory');
    expect(check.artifactPathsConflict(['A', 'a/x'])).toBe('"A" is a file, and "a/x" needs it to be a directory');
  });

  it('artifacts: a non-empty list of {path, sha256, size}, each checked, no path twice', () => {
    const a = { path: 'w/model.bin', sha256: HEX('a'), size: 0 };
    expect(check.artifacts(c, [a, { path: 'x', sha256: HEX('b'), size: 2 ** 53 - 1 }])).toStrictEqual([a, { path: 'x', sha256: HEX('b'), size: 2 ** 53 - 1 }]);
    expect(refusal(() => check.artifacts(c, []))).toBe('m.yaml: artifacts: expected a non-empty list');
    expect(refusal(() => check.artifacts(c, { 0: a }))).toBe('m.yaml: artifacts: expected a non-empty list');
    expect(refusal(() => check.artifacts(c, [a, 'x']))).toBe('m.yaml: artifacts[1]: expected a mapping');
    expect(refusal(() => check.artifacts(c, [{ ...a, mode: 1 }]))).toBe('m.yaml: artifacts[0].mode: unknown key (expected one of: path, sha256, size)');
    expect(refusal(() => check.artifacts(c, [{ ...a, path: '../x' }]))).toBe(`m.yaml: artifacts[0].path: unsafe path "../x": it has an empty, '.' or '..' segment`);
    expect(refusal(() => check.artifacts(c, [{ ...a, sha256: HEX('A') }]))).toBe('m.yaml: artifacts[0].sha256: expected 64 lowercase hex digits');
    expect(refusal(() => check.artifacts(c, [{ ...a, sha256: `x${HEX('a').slice(1)}` }]))).toBe('m.yaml: artifacts[0].sha256: expected 64 lowercase hex digits');
    expect(refusal(() => check.artifacts(c, [{ ...a, sha256: `${HEX('a')}0` }]))).toBe('m.yaml: artifacts[0].sha256: longer than 64 characters');
    expect(refusal(() => check.artifacts(c, [{ ...a, sha256: 'a'.repeat(63) }]))).toBe('m.yaml: artifacts[0].sha256: expected 64 lowercase hex digits');
    expect(refusal(() => check.artifacts(c, [{ ...a, size: -1 }]))).toBe('m.yaml: artifacts[0].size: expected a number >= 0');
    expect(refusal(() => check.artifacts(c, [{ ...a, size: 1.5 }]))).toBe('m.yaml: artifacts[0].size: expected a whole number');
    expect(refusal(() => check.artifacts(c, [{ ...a, size: 2 ** 53 }]))).toBe('m.yaml: artifacts[0].size: expected a whole number');
    expect(refusal(() => check.artifacts(c, [a, { ...a, sha256: HEX('b') }]))).toBe('m.yaml: artifacts: path "w/model.bin" appears twice');
    expect(refusal(() => check.artifacts(c, [a, { path: 'w', sha256: HEX('b'), size: 1 }]))).toBe(
      'm.yaml: artifacts: paths that cannot coexist: "w" is a file, and "w/model.bin" needs it to be a directory',
    );
    expect(refusal(() => check.artifacts(c, [{ ...a, path: 'a'.repeat(4097) }]))).toBe('m.yaml: artifacts[0].path: longer than 4096 characters');
  });
});

describe('consumed changes', () => {
  const change = (i: number) => ({ id: `change-${i}`, type: 'patch', summary: `fix ${i}` });

  it('a list of at most 10,000 changes, each id once', () => {
    expect(check.changes(c, [])).toStrictEqual([]);
    expect(check.changes(c, [{ id: 'a1', type: 'major', summary: 's' }, change(2)])).toStrictEqual([{ id: 'a1', type: 'major', summary: 's' }, change(2)]);
    const many = Array.from({ length: 10_000 }, (_, i) => change(i));
    expect(check.changes(c, many)).toHaveLength(10_000);
    expect(refusal(() => check.changes(c, [...many, change(10_000)]))).toBe('m.yaml: changes: more than 10000 entries');
    expect(refusal(() => check.changes(c, 'x'))).toBe('m.yaml: changes: expected a list');
  });

  it('refuses a bad entry, naming it', () => {
    expect(refusal(() => check.changes(c, [change(1), 7]))).toBe('m.yaml: changes[1]: expected a mapping');
    expect(refusal(() => check.changes(c, [{ ...change(1), by: 'x' }]))).toBe('m.yaml: changes[0].by: unknown key (expected one of: id, type, summary)');
    expect(refusal(() => check.changes(c, [{ ...change(1), id: 'Bad' }]))).toBe('m.yaml: changes[0].id: invalid change id "Bad"');
    expect(refusal(() => check.changes(c, [{ ...change(1), id: 'x'.repeat(101) }]))).toBe('m.yaml: changes[0].id: longer than 100 characters');
    expect(refusal(() => check.changes(c, [change(1), change(1)]))).toBe('m.yaml: changes[1].id: change change-1 appears twice');
    expect(refusal(() => check.changes(c, [{ ...change(1), type: 'none' }]))).toBe('m.yaml: changes[0].type: expected major, minor or patch');
    expect(refusal(() => check.changes(c, [{ ...change(1), summary: 'x'.repeat(10_001) }]))).toBe('m.yaml: changes[0].summary: longer than 10000 characters');
    expect(check.changes(c, [{ ...change(1), summary: 'x'.repeat(10_000) }])[0]!.summary).toHaveLength(10_000);
  });
});

describe('declared sections', () => {
  it('reference: only the keys given, as strings, in a fixed order', () => {
    expect(check.reference(c, { uri: 's3://x', name: 'tx' }, 'data')).toStrictEqual({ name: 'tx', uri: 's3://x' });
    expect(Object.keys(check.reference(c, { description: 'd', uri: 'u', hash: 'h', version: 'v', name: 'n' }, 'data'))).toStrictEqual(['name', 'version', 'hash', 'uri', 'description']);
    expect(check.reference(c, {}, 'data')).toStrictEqual({});
    expect(refusal(() => check.reference(c, { url: 'x' }, 'pipeline'))).toBe('m.yaml: pipeline.url: unknown key (expected one of: name, version, hash, uri, description)');
    expect(refusal(() => check.reference(c, { version: 2 }, 'data'))).toBe('m.yaml: data.version: expected a string');
    expect(refusal(() => check.reference(c, [], 'data'))).toBe('m.yaml: data: expected a mapping');
  });

  it('training: duration >= 0, times as strings of at most 100, compute and cost as maps', () => {
    expect(check.training(c, { duration_s: 0, started_at: 'a', finished_at: 'b', compute: { gpus: 2 }, cost: { usd: 1 } }, 'training')).toStrictEqual({
      duration_s: 0,
      started_at: 'a',
      finished_at: 'b',
      compute: { gpus: 2 },
      cost: { usd: 1 },
    });
    expect(check.training(c, {}, 'training')).toStrictEqual({});
    expect(refusal(() => check.training(c, { duration_s: -0.5 }, 'training'))).toBe('m.yaml: training.duration_s: expected a number >= 0');
    expect(refusal(() => check.training(c, { finished_at: 'x'.repeat(101) }, 'training'))).toBe('m.yaml: training.finished_at: longer than 100 characters');
    expect(refusal(() => check.training(c, { started_at: 5 }, 'training'))).toBe('m.yaml: training.started_at: expected a string');
    expect(refusal(() => check.training(c, { cost: 5 }, 'training'))).toBe('m.yaml: training.cost: expected a mapping');
    expect(refusal(() => check.training(c, { compute: [] }, 'training'))).toBe('m.yaml: training.compute: expected a mapping');
    expect(refusal(() => check.training(c, { epochs: 3 }, 'training'))).toBe('m.yaml: training.epochs: unknown key (expected one of: duration_s, started_at, finished_at, compute, cost)');
  });

  it('signature: the parsed inputs and outputs; a parse error is this file\'s error', () => {
    expect(check.signature(c, { inputs: [{ name: 'x', dtype: 'float32', shape: [1] }], outputs: [] })).toStrictEqual({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
      outputs: [],
    });
    expect(refusal(() => check.signature(c, { inputs: [] }))).toBe('m.yaml: signature.outputs: required (use [] for none)');
  });
});

describe('schema (interfaces read from the files)', () => {
  const arts = [{ path: 'm.onnx', sha256: HEX('a'), size: 1 }];
  const iface = (over: Record<string, unknown> = {}) => ({ 'm.onnx': { format: 'onnx', inputs: [{ name: 'x', dtype: 'float32', shape: [0, 'batch'] }], outputs: [], ...over } });

  it('keeps each interface whole, with optional inputs, weights and metadata', () => {
    const full = iface({
      inputs: [{ name: 'x', dtype: 'float32', shape: [0, 'b'], optional: true }, { name: 'y', dtype: 'int64', shape: [] }],
      weights: [{ name: 'w', dtype: 'float16', shape: [2, 2] }],
      metadata: { producer: 'torch', version: '2' },
    });
    expect(check.schema(c, full, arts)).toStrictEqual(full);
    expect(check.schema(c, iface(), arts)).toStrictEqual(iface());
    expect(Object.keys(check.schema(c, iface(), arts)['m.onnx']!)).toStrictEqual(['format', 'inputs', 'outputs']);
    expect(check.schema(c, {}, [])).toStrictEqual({});
    const proto = check.schema(c, JSON.parse('{"__proto__": {"format": "onnx", "inputs": [], "outputs": []}}'), [{ path: '__proto__', sha256: HEX('a'), size: 1 }]);
    expect(Object.keys(proto)).toStrictEqual(['__proto__']);
  });

  it('refuses what a reader could not have written, naming the key', () => {
    const at = 'm.yaml: schema.m.onnx';
    expect(refusal(() => check.schema(c, iface(), []))).toBe(`${at}: is not an artifact of this version`);
    expect(refusal(() => check.schema(c, { 'm.onnx': 1 }, arts))).toBe(`${at}: expected a mapping`);
    expect(refusal(() => check.schema(c, iface({ extra: 1 }), arts))).toBe(`${at}.extra: unknown key (expected one of: format, inputs, outputs, weights, metadata)`);
    expect(refusal(() => check.schema(c, iface({ format: 'pickle' }), arts))).toBe(`${at}.format: expected one of: onnx, safetensors, gguf`);
    expect(refusal(() => check.schema(c, iface({ inputs: {} }), arts))).toBe(`${at}.inputs: expected a list`);
    expect(refusal(() => check.schema(c, iface({ weights: 'x' }), arts))).toBe(`${at}.weights: expected a list`);
    expect(refusal(() => check.schema(c, iface({ metadata: { a: 1 } }), arts))).toBe(`${at}.metadata.a: expected a string`);
    expect(refusal(() => check.schema(c, iface({ metadata: [] }), arts))).toBe(`${at}.metadata: expected a mapping`);
    expect(refusal(() => check.schema(c, 'x', arts))).toBe('m.yaml: schema: expected a mapping');
  });

  it('tensors: names, dtypes, shapes of at most 256 dimensions, optional only on inputs and only true', () => {
    const at = 'm.yaml: schema.m.onnx';
    const withInput = (t: Record<string, unknown>) => iface({ inputs: [{ name: 'x', dtype: 'f', shape: [], ...t }] });
    expect(check.schema(c, withInput({ shape: Array(256).fill(1) }), arts)['m.onnx']!.inputs[0]!.shape).toHaveLength(256);
    expect(refusal(() => check.schema(c, withInput({ shape: Array(257).fill(1) }), arts))).toBe(`${at}.inputs[0].shape: expected a list of at most 256 dimensions`);
    expect(refusal(() => check.schema(c, withInput({ shape: 'x' }), arts))).toBe(`${at}.inputs[0].shape: expected a list of at most 256 dimensions`);
    const dim = `${at}.inputs[0].shape[1]: expected a whole number >= 0 or a dimension name`;
    for (const bad of [-1, 1.5, 2 ** 53, '', 'n'.repeat(4097), null, true]) expect(refusal(() => check.schema(c, withInput({ shape: [1, bad] }), arts)), String(bad)).toBe(dim);
    expect(check.schema(c, withInput({ shape: [0, 'n'.repeat(4096), 2 ** 53 - 1] }), arts)['m.onnx']!.inputs[0]!.shape).toStrictEqual([0, 'n'.repeat(4096), 2 ** 53 - 1]);
    expect(refusal(() => check.schema(c, withInput({ name: 'n'.repeat(4097) }), arts))).toBe(`${at}.inputs[0].name: longer than 4096 characters`);
    expect(refusal(() => check.schema(c, withInput({ dtype: 'd'.repeat(65) }), arts))).toBe(`${at}.inputs[0].dtype: longer than 64 characters`);
    expect(refusal(() => check.schema(c, withInput({ optional: false }), arts))).toBe(`${at}.inputs[0].optional: expected true (or no key)`);
    expect(refusal(() => check.schema(c, withInput({ size: 1 }), arts))).toBe(`${at}.inputs[0].size: unknown key (expected one of: name, dtype, shape, optional)`);
    expect(refusal(() => check.schema(c, iface({ outputs: [{ name: 'y', dtype: 'f', shape: [], optional: true }] }), arts))).toBe(
      `${at}.outputs[0].optional: unknown key (expected one of: name, dtype, shape)`,
    );
    expect(refusal(() => check.schema(c, iface({ outputs: [5] }), arts))).toBe(`${at}.outputs[0]: expected a mapping`);
    expect(refusal(() => check.schema(c, iface({ weights: [{ name: 'w', dtype: 'f', shape: [], optional: true }] }), arts))).toBe(
      `${at}.weights[0].optional: unknown key (expected one of: name, dtype, shape)`,
    );
  });
});

describe('unsafe_allowed and scan', () => {
  it('unsafe_allowed: a list of {path, globals}', () => {
    expect(check.unsafeAllowed(c, [{ path: 'a.pkl', globals: ['os.system', 'x.y'] }])).toStrictEqual([{ path: 'a.pkl', globals: ['os.system', 'x.y'] }]);
    expect(check.unsafeAllowed(c, [])).toStrictEqual([]);
    expect(refusal(() => check.unsafeAllowed(c, {}))).toBe('m.yaml: unsafe_allowed: expected a list');
    expect(refusal(() => check.unsafeAllowed(c, [1]))).toBe('m.yaml: unsafe_allowed[0]: expected a mapping');
    expect(refusal(() => check.unsafeAllowed(c, [{ path: 'a', globals: [], why: 'x' }]))).toBe('m.yaml: unsafe_allowed[0].why: unknown key (expected one of: path, globals)');
    expect(refusal(() => check.unsafeAllowed(c, [{ path: 'a', globals: 'os.system' }]))).toBe('m.yaml: unsafe_allowed[0].globals: expected a list');
    expect(refusal(() => check.unsafeAllowed(c, [{ path: 'a', globals: ['ok', 3] }]))).toBe('m.yaml: unsafe_allowed[0].globals[1]: expected a string');
    expect(refusal(() => check.unsafeAllowed(c, [{ path: 'a', globals: ['g'.repeat(1001)] }]))).toBe('m.yaml: unsafe_allowed[0].globals[0]: longer than 1000 characters');
    expect(refusal(() => check.unsafeAllowed(c, [{ path: 'p'.repeat(4097), globals: [] }]))).toBe('m.yaml: unsafe_allowed[0].path: longer than 4096 characters');
  });

  it('scan: warning or unsafe, for artifacts of this version only', () => {
    const arts = [{ path: 'a.pkl', sha256: HEX('a'), size: 1 }, { path: 'b.pkl', sha256: HEX('b'), size: 1 }];
    expect(check.scanVerdicts(c, { 'a.pkl': 'warning', 'b.pkl': 'unsafe' }, arts)).toStrictEqual({ 'a.pkl': 'warning', 'b.pkl': 'unsafe' });
    expect(refusal(() => check.scanVerdicts(c, { 'c.pkl': 'unsafe' }, arts))).toBe('m.yaml: scan.c.pkl: is not an artifact of this version');
    expect(refusal(() => check.scanVerdicts(c, { 'a.pkl': 'safe' }, arts))).toBe("m.yaml: scan.a.pkl: expected 'warning' or 'unsafe'");
    expect(refusal(() => check.scanVerdicts(c, [], arts))).toBe('m.yaml: scan: expected a mapping');
    const proto = check.scanVerdicts(c, JSON.parse('{"__proto__": "unsafe"}'), [{ path: '__proto__', sha256: HEX('a'), size: 1 }]);
    expect(Object.keys(proto)).toStrictEqual(['__proto__']);
  });
});
