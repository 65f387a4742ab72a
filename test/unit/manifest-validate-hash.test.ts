// Reading a stored manifest and a --meta file field by field (src/core/manifest/validate.ts, shape.ts) and
// hashing them (hash.ts): the exact refusal of each top-level field, what an absent field becomes, the
// check against the manifest's place in the store, and what the digest and the checksum cover.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, manifestChecksum, sealManifest, shortHash, versionDigest } from '../../src/core/manifest/hash.js';
import { checkKnownFields, DECLARED_KEYS, isManifestKey, YAML_ORDER } from '../../src/core/manifest/shape.js';
import type { Manifest, Metadata } from '../../src/core/manifest/types.js';
import { validateManifest, validateMetadata } from '../../src/core/manifest/validate.js';
import { thrown } from '../helpers/errors.js';

const HEX = (ch: string) => ch.repeat(64);
const artifacts = [
  { path: 'b.bin', sha256: HEX('b'), size: 2 },
  { path: 'a.bin', sha256: HEX('a'), size: 1 },
];
const meta: Metadata = { params: { lr: 0.1 }, metrics: {}, tags: { team: 'x' } };

function fields(over: Partial<Manifest> = {}): Omit<Manifest, 'checksum'> {
  const digest = versionDigest(artifacts, meta);
  return { format: 1, name: 'fraud', kind: 'model', version: '1.0.0', hash: shortHash(digest), digest, created_at: '2026-01-01T00:00:00.000Z', actor: 'a', artifacts, ...meta, ...over };
}
const good = (): Manifest => sealManifest(fields());

const corrupt = (raw: unknown, expected?: { name: string; version: string }) => {
  const err = thrown(() => validateManifest(raw, 'm.yaml', expected));
  expect(err.code).toBe('CORRUPT_MANIFEST');
  return err.message;
};

describe('canonical JSON', () => {
  it('writes scalars as JSON, leaves undefined members out, sorts keys at every depth', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ b: [{ d: 1, c: undefined as unknown as null }], 'a"': 'x' })).toBe('{"a\\"":"x","b":[{"d":1}]}');
  });
});

describe('the version digest', () => {
  it('hashes the kind (model by default), the sorted artifacts and the declared sections present', () => {
    const identity = (kind: string) =>
      `sha256:${createHash('sha256').update('mreg-version-1\n').update(`{"artifacts":[["a.bin","${HEX('a')}",1],["b.bin","${HEX('b')}",2]],"kind":"${kind}","metrics":{},"params":{"lr":0.1},"tags":{"team":"x"}}`).digest('hex')}`;
    expect(versionDigest(artifacts, meta)).toBe(identity('model'));
    expect(versionDigest(artifacts, meta, 'dataset')).toBe(identity('dataset'));
    // An absent section and one set to undefined are the same version.
    expect(versionDigest(artifacts, { ...meta, data: undefined, message: 'not hashed' })).toBe(identity('model'));
    // The caller's list is not reordered.
    expect(artifacts.map((a) => a.path)).toStrictEqual(['b.bin', 'a.bin']);
  });

  it('hashes a signature and lineage as given', () => {
    const signature = { inputs: [{ name: 'x', dtype: 'f', shape: [1] }], outputs: [] };
    const lineage = { parents: [{ name: 'base', version: '1.0.0' }] };
    const expected = `sha256:${createHash('sha256')
      .update('mreg-version-1\n')
      .update(`{"artifacts":[["a.bin","${HEX('a')}",1],["b.bin","${HEX('b')}",2]],"kind":"model","lineage":{"parents":[{"name":"base","version":"1.0.0"}]},"metrics":{},"params":{"lr":0.1},"signature":{"inputs":[{"dtype":"f","name":"x","shape":[1]}],"outputs":[]},"tags":{"team":"x"}}`)
      .digest('hex')}`;
    expect(versionDigest(artifacts, { ...meta, signature, lineage })).toBe(expected);
  });

  it('shortHash is the first 12 hex digits after sha256:', () => {
    expect(shortHash(`sha256:0123456789abcdef${'0'.repeat(48)}`)).toBe('0123456789ab');
  });
});

describe('the checksum and sealing', () => {
  it('covers every field but the checksum itself', () => {
    const m = good();
    expect(manifestChecksum({ ...m, checksum: 'sha256:other' })).toBe(m.checksum);
    const { checksum: _c, ...rest } = m;
    expect(manifestChecksum(rest)).toBe(m.checksum);
    expect(m.checksum).toBe(`sha256:${createHash('sha256').update('mreg-manifest-1\n').update(canonicalJson(rest as never)).digest('hex')}`);
  });

  it('seals the fields in the table\'s order, leaving out undefined ones and any checksum given', () => {
    const f = fields({ message: undefined, git: { commit: 'c', dirty: false } });
    const reversed = Object.fromEntries(Object.entries({ ...f, checksum: 'sha256:stale' }).reverse()) as Omit<Manifest, 'checksum'>;
    const sealed = sealManifest(reversed);
    expect(Object.keys(sealed)).toStrictEqual(['format', 'name', 'kind', 'version', 'hash', 'digest', 'created_at', 'actor', 'git', 'artifacts', 'params', 'metrics', 'tags', 'checksum']);
    const { checksum, ...body } = sealed;
    expect(checksum).toBe(manifestChecksum(body));
    expect(checksum).not.toBe('sha256:stale');
  });

  it('checkKnownFields refuses an unknown key with a value, and ignores one that is undefined', () => {
    expect(() => checkKnownFields({ ...good(), extra: undefined })).not.toThrow();
    const err = thrown(() => checkKnownFields({ name: 'x', extra: 0 }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(`manifest: extra: unknown key (expected one of: ${YAML_ORDER.join(', ')})`);
    expect(isManifestKey('params')).toBe(true);
    for (const k of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) expect(isManifestKey(k), k).toBe(false);
  });
});

describe('validateManifest', () => {
  it('returns a sound manifest as it was sealed, with or without an expected place', () => {
    const m = good();
    expect(validateManifest(JSON.parse(JSON.stringify(m)), 'm.yaml')).toStrictEqual(m);
    expect(validateManifest(JSON.parse(JSON.stringify(m)), 'm.yaml', { name: 'fraud', version: '1.0.0' })).toStrictEqual(m);
  });

  it('gives params, metrics and tags their empty value when absent', () => {
    const m = sealManifest(fields({ params: {}, metrics: {}, tags: {}, digest: versionDigest(artifacts, { params: {}, metrics: {}, tags: {} }), hash: shortHash(versionDigest(artifacts, { params: {}, metrics: {}, tags: {} })) }));
    const { params: _p, metrics: _m, tags: _t, ...raw } = JSON.parse(JSON.stringify(m));
    const back = validateManifest(raw, 'm.yaml');
    expect(back).toStrictEqual(m);
    expect(Object.keys(back)).toStrictEqual(Object.keys(m));
  });

  it('refuses a manifest whose content is not the name and version its place says', () => {
    const raw = JSON.parse(JSON.stringify(good()));
    expect(corrupt(raw, { name: 'other', version: '1.0.0' })).toBe('m.yaml: holds fraud@1.0.0, but its place in the store says other@1.0.0');
    expect(corrupt(raw, { name: 'fraud', version: '2.0.0' })).toBe('m.yaml: holds fraud@1.0.0, but its place in the store says fraud@2.0.0');
  });

  it('refuses an edited digest, hash or checksum, saying which', () => {
    const m = good();
    const otherDigest = versionDigest(artifacts, { ...meta, params: {} });
    expect(corrupt({ ...m, digest: otherDigest, hash: shortHash(otherDigest) })).toBe(`m.yaml: digest: does not match the manifest's content (${m.digest}): the manifest was edited`);
    expect(corrupt({ ...m, hash: '000000000000' })).toBe('m.yaml: hash: does not match digest');
    expect(corrupt({ ...m, checksum: `sha256:${HEX('0')}` })).toBe('m.yaml: checksum: does not match the manifest: the manifest was edited');
    expect(corrupt({ ...m, actor: 'mallory' })).toBe('m.yaml: checksum: does not match the manifest: the manifest was edited');
  });

  it('refuses a document that is not a mapping, naming only the file', () => {
    expect(corrupt(['format', 1])).toBe('m.yaml: expected a mapping');
    expect(corrupt(null)).toBe('m.yaml: expected a mapping');
  });

  it('refuses each required field when it is missing', () => {
    const m = good();
    const without = (key: keyof Manifest) => {
      const copy: Record<string, unknown> = { ...m };
      delete copy[key];
      return copy;
    };
    expect(corrupt(without('format'))).toBe('m.yaml: format: expected 1 (written by a newer mreg?)');
    expect(corrupt(without('name'))).toBe('m.yaml: name: expected a string');
    expect(corrupt(without('kind'))).toBe('m.yaml: kind: expected one of: model, dataset, features, pipeline');
    expect(corrupt(without('version'))).toBe('m.yaml: version: expected a string');
    expect(corrupt(without('hash'))).toBe('m.yaml: hash: expected a string');
    expect(corrupt(without('digest'))).toBe('m.yaml: digest: expected a string');
    expect(corrupt(without('created_at'))).toBe('m.yaml: created_at: expected a string');
    expect(corrupt(without('actor'))).toBe('m.yaml: actor: expected a string');
    expect(corrupt(without('artifacts'))).toBe('m.yaml: artifacts: expected a non-empty list');
    expect(corrupt(without('checksum'))).toBe('m.yaml: checksum: expected a string');
  });

  it('checks each top-level field under its own name and limit', () => {
    const m = good();
    const cases: [Partial<Record<keyof Manifest, unknown>>, string][] = [
      [{ hash: 'h'.repeat(101) }, 'hash: longer than 100 characters'],
      [{ actor: 'a'.repeat(1001) }, 'actor: longer than 1000 characters'],
      [{ checksum: 'c'.repeat(101) }, 'checksum: longer than 100 characters'],
      [{ created_at: 'soon' }, 'created_at: expected an ISO 8601 time'],
      [{ message: 5 }, 'message: expected a string'],
      [{ params: [] }, 'params: expected a mapping'],
      [{ metrics: { a: 'x', b: Number.NaN } }, 'metrics.b: NaN and infinite numbers cannot be stored'],
      [{ tags: { a: [] } }, 'tags.a: expected a string, number or boolean'],
      [{ data: { name: 1 } }, 'data.name: expected a string'],
      [{ pipeline: { name: 1 } }, 'pipeline.name: expected a string'],
      [{ architecture: 'mlp' }, 'architecture: expected a mapping'],
      [{ framework: { torch: {} } }, 'framework.torch: expected a string, number or boolean'],
      [{ training: { duration_s: -1 } }, 'training.duration_s: expected a number >= 0'],
      [{ requirements: 1 }, 'requirements: expected a mapping'],
      [{ schema: { 'c.bin': {} } }, 'schema.c.bin: is not an artifact of this version'],
      [{ scan: { 'c.bin': 'unsafe' } }, 'scan.c.bin: is not an artifact of this version'],
      [{ git: 'main' }, 'git: expected a mapping'],
      [{ changes: {} }, 'changes: expected a list'],
      [{ unsafe_allowed: {} }, 'unsafe_allowed: expected a list'],
    ];
    for (const [edit, why] of cases) expect(corrupt({ ...m, ...edit }), why).toBe(`m.yaml: ${why}`);
    // The schema and scan verdicts of a listed artifact are accepted (then the checksum tells the edit).
    expect(corrupt({ ...m, scan: { 'a.bin': 'unsafe' } })).toBe('m.yaml: checksum: does not match the manifest: the manifest was edited');
  });

  it('reads a stored lineage as exact versions only', () => {
    const m = good();
    expect(corrupt({ ...m, lineage: { parents: [{ name: 'base', version: '^1.0.0' }] } })).toBe('m.yaml: lineage.parents[0].version: expected an exact version (1.2.3)');
  });
});

describe('validateMetadata', () => {
  it('an empty file declares empty params, metrics and tags', () => {
    expect(validateMetadata(null, 'meta.yaml')).toStrictEqual({ params: {}, metrics: {}, tags: {} });
    expect(validateMetadata(undefined, 'meta.yaml')).toStrictEqual({ params: {}, metrics: {}, tags: {} });
    expect(validateMetadata({}, 'meta.yaml')).toStrictEqual({ params: {}, metrics: {}, tags: {} });
    expect(Object.keys(validateMetadata({ tags: { a: 1 }, message: 'm' }, 'meta.yaml'))).toStrictEqual(['params', 'metrics', 'tags', 'message']);
  });

  it('accepts only the declared keys, with INVALID_INPUT', () => {
    for (const key of ['name', 'version', 'artifacts', 'schema', 'checksum']) {
      const err = thrown(() => validateMetadata({ [key]: 'x' }, 'meta.yaml'));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toBe(`meta.yaml: ${key}: unknown key (expected one of: ${DECLARED_KEYS.join(', ')})`);
    }
    expect(DECLARED_KEYS).toStrictEqual(['message', 'params', 'metrics', 'tags', 'lineage', 'data', 'pipeline', 'architecture', 'framework', 'training', 'requirements', 'signature']);
    const err = thrown(() => validateMetadata('params', 'meta.yaml'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('meta.yaml: expected a mapping');
  });

  it('reads lineage the way a --meta file may write it (ranges and stages), unlike a stored manifest', () => {
    const declared = validateMetadata({ lineage: { parents: ['base@^1.0.0'] } }, 'meta.yaml');
    expect(declared.lineage).toBeDefined();
    expect(JSON.stringify(declared.lineage)).toContain('^1.0.0');
  });
});
