import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/core/documents.js';
import { MregError } from '../../src/errors.js';
import { canonicalJson, manifestChecksum, shortHash, versionDigest } from '../../src/core/manifest/hash.js';
import type { Manifest, Metadata } from '../../src/core/manifest/types.js';
import { artifactPathProblem } from '../../src/core/manifest/fields.js';
import { validateManifest, validateMetadata } from '../../src/core/manifest/validate.js';
import { manifestToYaml } from '../../src/core/manifest/yaml.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const artifacts = [
  { path: 'weights/model.bin', sha256: sha('w'), size: 10 },
  { path: 'config.json', sha256: sha('c'), size: 2 },
];
const meta: Metadata = { params: { lr: 0.01, layers: [64, 32] }, metrics: { auc: 0.9 }, tags: { team: 'risk' }, message: 'hello' };

function manifest(overrides: Partial<Manifest> = {}): Manifest {
  const digest = versionDigest(artifacts, meta);
  return sealed({ format: 1, name: 'fraud', kind: 'model', version: '1.2.3', hash: shortHash(digest), digest, created_at: '2026-01-01T00:00:00.000Z', actor: 'a@b.c', artifacts, ...meta, ...overrides });
}

function sealed(m: Omit<Manifest, 'checksum'> & { checksum?: string }): Manifest {
  return { ...m, checksum: manifestChecksum(m) };
}

describe('canonical JSON and the version hash', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('is the sha256 of the documented canonical form', () => {
    const expected = createHash('sha256')
      .update('mreg-version-1\n')
      .update(
        `{"artifacts":[["config.json","${sha('c')}",2],["weights/model.bin","${sha('w')}",10]],"kind":"model","metrics":{"auc":0.9},"params":{"layers":[64,32],"lr":0.01},"tags":{"team":"risk"}}`,
      )
      .digest('hex');
    expect(versionDigest(artifacts, meta)).toBe(`sha256:${expected}`);
    expect(shortHash(`sha256:${expected}`)).toBe(expected.slice(0, 12));
  });

  it('ignores artifact order and message, but not params, metrics, tags or sections', () => {
    const base = versionDigest(artifacts, meta);
    expect(versionDigest([...artifacts].reverse(), { ...meta, message: 'other' })).toBe(base);
    expect(versionDigest(artifacts, { ...meta, params: { lr: 0.02, layers: [64, 32] } })).not.toBe(base);
    expect(versionDigest(artifacts, { ...meta, metrics: { auc: 0.91 } })).not.toBe(base);
    expect(versionDigest(artifacts, { ...meta, tags: {} })).not.toBe(base);
    expect(versionDigest(artifacts, { ...meta, data: { version: 'v2' } })).not.toBe(base);
    expect(versionDigest([{ ...artifacts[0]!, size: 11 }, artifacts[1]!], meta)).not.toBe(base);
  });
});

describe('manifests', () => {
  it('round-trip through YAML and validate, for awkward values too', () => {
    const awkwardMeta: Metadata = {
      params: { s: '1e3', t: 'true', n: 'null', y: 'yes', colon: 'a: b', multi: 'line1\nline2', big: 12345678901234, neg: -0.5, nested: { 'a.b': [1, 'x', null, false] } },
      metrics: { loss: 1e-9, acc: 1 },
      tags: { '#hash': '# not a comment', 'key with space': ' padded ' },
      data: { name: 'transactions', version: '2.1.0', hash: 'sha256:abc', uri: 's3://bucket/tx' },
      training: { duration_s: 3600, compute: { gpus: 4, type: 'A100' }, cost: { usd: 12.5 } },
      framework: { pytorch: '2.3.1', python: '3.11' },
      message: "multi\nline: 'quoted'",
    };
    const digest = versionDigest(artifacts, awkwardMeta);
    const m = sealed({ ...manifest(), ...awkwardMeta, digest, hash: shortHash(digest) });
    const text = manifestToYaml(m);
    const back = validateManifest(parseYamlText(text, 'm.yaml'), 'm.yaml', { name: 'fraud', version: '1.2.3' });
    expect(back).toStrictEqual(m);
  });

  it.each([
    ['an edited metric', (t: string) => t.replace('auc: 0.9', 'auc: 0.99'), /digest: does not match/],
    ['an unknown key', (t: string) => `${t}surprise: 1\n`, /surprise: unknown key/],
    ['a path escaping the export dir', (t: string) => t.replace('path: config.json', 'path: ../../etc/passwd'), /unsafe path/],
    ['an absolute path', (t: string) => t.replace('path: config.json', 'path: /etc/passwd'), /unsafe path/],
    // Paths that cannot coexist as files (issue 16): export and deploy could only fail half way.
    ['a file that is also a directory', (t: string) => t.replace('path: config.json', 'path: weights/model.bin/config.json'), /cannot coexist: "weights\/model\.bin" is a file/],
    ['case twins', (t: string) => t.replace('path: config.json', 'path: WEIGHTS/model.bin'), /cannot coexist: .* differ only in case/],
    ['a case-folded file prefix', (t: string) => t.replace('path: config.json', 'path: Weights/Model.BIN/x'), /cannot coexist: "weights\/model\.bin" is a file/],
    ['a bad sha', (t: string) => t.replace(sha('c'), 'zz'), /sha256: expected 64/],
    ['a negative size', (t: string) => t.replace('size: 2', 'size: -2'), /size: expected a number >= 0/],
    ['a wrong version', (t: string) => t.replace('version: 1.2.3', 'version: 1.2.4'), /place in the store says/],
    ['a duplicate key', (t: string) => `${t}name: other\n`, /unique/],
    ['an alias', (t: string) => t.replace('tags:\n  team: risk', 'tags: &t\n  team: risk\nrequirements: *t'), /aliases/],
    ['a newer format', (t: string) => t.replace('format: 1', 'format: 2'), /format: expected 1/],
    ['an edited actor (not hashed, but checksummed)', (t: string) => t.replace('actor: a@b.c', 'actor: mallory'), /checksum: does not match/],
    ['an edited time', (t: string) => t.replace('2026-01-01', '2025-01-01'), /checksum: does not match/],
  ])('refuses %s', (_what, edit, why) => {
    const text = edit(manifestToYaml(manifest()));
    expect(() => validateManifest(parseYamlText(text, 'm.yaml', 'CORRUPT_MANIFEST'), 'm.yaml', { name: 'fraud', version: '1.2.3' })).toThrow(why);
  });
});

describe('--meta files', () => {
  it.each([
    ['params: [1, 2]\n', /params: expected a mapping/],
    ['paramz: {}\n', /paramz: unknown key \(expected one of: message, params/],
    ['training: {duration_s: -1}\n', /training.duration_s: expected a number >= 0/],
    ['training: {duration: 5}\n', /training.duration: unknown key/],
    ['data: {version: 2}\n', /data.version: expected a string/],
    ['metrics: {loss: .nan}\n', /metrics.loss: NaN/],
    ['tags: {a: [1]}\n', /tags.a: expected a string, number or boolean/],
    ['message: 5\n', /message: expected a string/],
    ['params: {when: 2024-01-01}\n', /./], // YAML 1.2 core: a plain string; must not throw
  ])('%j', (text, why) => {
    const run = () => validateMetadata(parseYamlText(text, 'meta.yaml'), 'meta.yaml');
    if (text.startsWith('params: {when')) expect(run().params).toStrictEqual({ when: '2024-01-01' });
    else expect(run).toThrow(why);
  });

  it('refuses YAML that is malformed, has duplicate keys or an alias bomb, naming the file', () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`;
    for (const [text, why] of [
      ['params: {a: 1\n', /meta.yaml/],
      ['params: {}\nparams: {}\n', /meta.yaml:2: Map keys must be unique/],
      [bomb, /aliases are not allowed/],
      ['x: !!python/object:os.system "ls"\n', /meta.yaml/],
    ] as const) {
      try {
        parseYamlText(text, 'meta.yaml');
        expect.unreachable(text);
      } catch (err) {
        expect(err).toBeInstanceOf(MregError);
        expect((err as MregError).code).toBe('INVALID_INPUT');
        expect((err as MregError).message).toMatch(why);
      }
    }
  });
});

describe('artifact paths', () => {
  it.each(['a', 'a/b.bin', 'dir/.hidden', 'x y/z'])('accepts %j', (p) => expect(artifactPathProblem(p)).toBeUndefined());
  it.each(['', '/a', 'a/../b', '..', './a', 'a//b', 'a/', 'a\\b', 'a\0b', `${'x'.repeat(256)}/a`])('refuses %j', (p) =>
    expect(artifactPathProblem(p)).toBeDefined(),
  );
});
