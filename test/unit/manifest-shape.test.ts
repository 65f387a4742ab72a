// The manifest's shape table against the code that reads, writes and hashes manifests: a manifest with
// every field keeps the digest, checksum and YAML text it had before the table existed (existing stores
// must still verify), round-trips, and an unknown field is refused.
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/core/documents.js';
import { manifestChecksum, sealManifest, shortHash, versionDigest } from '../../src/core/manifest/hash.js';
import { DECLARED_KEYS, MANIFEST_FIELDS, MANIFEST_SHAPE, YAML_ORDER } from '../../src/core/manifest/shape.js';
import type { Manifest, Metadata } from '../../src/core/manifest/types.js';
import { validateManifest, validateMetadata } from '../../src/core/manifest/validate.js';
import { manifestToYaml } from '../../src/core/manifest/yaml.js';

const HEX = (c: string) => c.repeat(64);
const artifacts = [
  { path: 'weights/model.onnx', sha256: HEX('a'), size: 10 },
  { path: 'config.json', sha256: HEX('b'), size: 2 },
];
const meta: Metadata = {
  message: 'hello',
  params: { lr: 0.01, layers: [64, 32] },
  metrics: { auc: 0.9 },
  tags: { team: 'risk', gold: true },
  data: { name: 'transactions', version: 'v2' },
  pipeline: { name: 'feats', uri: 's3://b/p' },
  architecture: { family: 'mlp', parameters: 1200 },
  framework: { pytorch: '2.3.1', python: '3.11' },
  training: { duration_s: 12.5, started_at: '2026-01-01T00:00:00Z', compute: { gpu: 'a100' } },
  requirements: { memory: '2Gi' },
  signature: { inputs: [{ name: 'ids', dtype: 'int64', shape: ['?', 128] }], outputs: [{ name: 'logits', dtype: 'float32', shape: ['?', 2] }] },
  lineage: { parents: [{ name: 'base', version: '1.0.0' }], data: [{ uri: 's3://b/tx.parquet', sha256: HEX('c') }] },
};

// Computed with the code before the shape table existed: these must never change.
const GOLDEN_DIGEST = 'sha256:345d0d7350b877611ed91a225536a7e29998bae0dbe7cf8266a7411d6d7b90a9';
const GOLDEN_CHECKSUM = 'sha256:e9c6c0f23dfe800766d0139db01315d1467904f930106adcfc840f1d98df8d07';
const GOLDEN_YAML = [
  "# mreg version manifest: immutable, written once by 'mreg register'",
  "format: 1",
  "name: fraud",
  "kind: model",
  "version: 1.3.0",
  "hash: 345d0d7350b8",
  "digest: sha256:345d0d7350b877611ed91a225536a7e29998bae0dbe7cf8266a7411d6d7b90a9",
  "created_at: 2026-01-02T03:04:05.000Z",
  "actor: a@b.c",
  "message: hello",
  "changes:",
  "  - id: add-age-1a2b3c",
  "    type: minor",
  "    summary: Add the age input",
  "git:",
  "  commit: dddddddddddddddddddddddddddddddddddddddd",
  "  dirty: true",
  "  branch: main",
  "artifacts:",
  "  - path: weights/model.onnx",
  "    sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "    size: 10",
  "  - path: config.json",
  "    sha256: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
  "    size: 2",
  "params:",
  "  lr: 0.01",
  "  layers:",
  "    - 64",
  "    - 32",
  "metrics:",
  "  auc: 0.9",
  "tags:",
  "  team: risk",
  "  gold: true",
  "lineage:",
  "  parents:",
  "    - { name: base, version: 1.0.0 }",
  "  data:",
  "    - { uri: s3://b/tx.parquet, sha256: cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc }",
  "data:",
  "  name: transactions",
  "  version: v2",
  "pipeline:",
  "  name: feats",
  "  uri: s3://b/p",
  "architecture:",
  "  family: mlp",
  "  parameters: 1200",
  "framework:",
  "  pytorch: 2.3.1",
  "  python: \"3.11\"",
  "training:",
  "  duration_s: 12.5",
  "  started_at: 2026-01-01T00:00:00Z",
  "  compute:",
  "    gpu: a100",
  "requirements:",
  "  memory: 2Gi",
  "signature:",
  "  inputs:",
  "    - { name: ids, dtype: int64, shape: [ \"?\", 128 ] }",
  "  outputs:",
  "    - { name: logits, dtype: float32, shape: [ \"?\", 2 ] }",
  "schema:",
  "  weights/model.onnx:",
  "    format: onnx",
  "    inputs:",
  "      - { name: ids, dtype: int64, shape: [ batch, 128 ] }",
  "    outputs:",
  "      - { name: logits, dtype: float32, shape: [ batch, 2 ] }",
  "unsafe_allowed:",
  "  - path: config.json",
  "    globals:",
  "      - os.system",
  "scan:",
  "  config.json: unsafe",
  "checksum: sha256:e9c6c0f23dfe800766d0139db01315d1467904f930106adcfc840f1d98df8d07",
  "",
].join('\n');

function full(): Manifest {
  const digest = versionDigest(artifacts, meta, 'model');
  const fields: Omit<Manifest, 'checksum'> = {
    format: 1,
    name: 'fraud',
    kind: 'model',
    version: '1.3.0',
    hash: shortHash(digest),
    digest,
    created_at: '2026-01-02T03:04:05.000Z',
    actor: 'a@b.c',
    git: { commit: HEX('d').slice(0, 40), dirty: true, branch: 'main' },
    artifacts,
    changes: [{ id: 'add-age-1a2b3c', type: 'minor', summary: 'Add the age input' }],
    ...meta,
    schema: { 'weights/model.onnx': { format: 'onnx', inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch', 128] }], outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 2] }] } },
    unsafe_allowed: [{ path: 'config.json', globals: ['os.system'] }],
    scan: { 'config.json': 'unsafe' },
  };
  return { ...fields, checksum: manifestChecksum(fields) };
}

const read = (yaml: string) => validateManifest(parseYamlText(yaml, 'm.yaml', 'CORRUPT_MANIFEST'), 'm.yaml', { name: 'fraud', version: '1.3.0' });

describe('the manifest shape', () => {
  it('keeps the digest, checksum and YAML text of a manifest with every field', () => {
    const m = full();
    expect(m.digest).toBe(GOLDEN_DIGEST);
    expect(m.checksum).toBe(GOLDEN_CHECKSUM);
    expect(manifestToYaml(m)).toBe(GOLDEN_YAML);
  });

  it('reads the golden manifest back whole, with its keys in the order show --json prints them', () => {
    const back = read(GOLDEN_YAML);
    expect(back).toStrictEqual(full());
    expect(Object.keys(back)).toStrictEqual([
      'format', 'name', 'kind', 'version', 'hash', 'digest', 'created_at', 'actor', 'git', 'artifacts', 'changes',
      'params', 'metrics', 'tags', 'message', 'data', 'pipeline', 'architecture', 'framework', 'training', 'requirements',
      'signature', 'lineage', 'schema', 'unsafe_allowed', 'scan', 'checksum',
    ]);
    expect(versionDigest(back.artifacts, back, back.kind)).toBe(GOLDEN_DIGEST);
    expect(manifestChecksum(back)).toBe(GOLDEN_CHECKSUM);
  });

  it('covers exactly the fields of the Manifest type, each once, with one place in the YAML file each', () => {
    // full() is typed Manifest and sets every field, so its keys are the type's keys.
    expect(Object.keys(MANIFEST_SHAPE).sort()).toStrictEqual(Object.keys(full()).sort());
    expect(MANIFEST_FIELDS.map((f) => f.yaml).sort((a, b) => a - b)).toStrictEqual(MANIFEST_FIELDS.map((_, i) => i + 1));
    expect(YAML_ORDER).toStrictEqual(GOLDEN_YAML.split('\n').filter((l) => /^[a-z_]+:/.test(l)).map((l) => l.slice(0, l.indexOf(':'))));
  });

  it('declares in a --meta file exactly the fields of the Metadata type', () => {
    const declared = validateMetadata(JSON.parse(JSON.stringify(meta)), 'meta.yaml');
    expect(declared).toStrictEqual(meta);
    expect([...DECLARED_KEYS].sort()).toStrictEqual(Object.keys(meta).sort());
  });

  it('round-trips write -> read -> validate -> hash, and seals to the same manifest', () => {
    const m = full();
    const back = read(manifestToYaml(m));
    expect(back).toStrictEqual(m);
    expect(manifestToYaml(back)).toBe(manifestToYaml(m));
    expect(versionDigest(back.artifacts, back, back.kind)).toBe(m.digest);
    const { checksum: _c, ...fields } = m;
    const sealed = sealManifest(fields);
    expect(sealed).toStrictEqual(m);
    expect(Object.keys(sealed)).toStrictEqual(Object.keys(back));
  });

  it('hashes into the digest exactly the fields the table marks, and into the checksum every field but itself', () => {
    const m = full();
    const changed: Record<string, unknown> = { format: 2, name: 'other', kind: 'dataset', version: '9.9.9', hash: 'x', digest: 'sha256:x', created_at: 'x', actor: 'x',
      git: { commit: 'x', dirty: false }, artifacts: [artifacts[0]], changes: [], params: { x: 1 }, metrics: { x: 1 }, tags: { x: 1 }, message: 'x',
      data: { name: 'x' }, pipeline: { name: 'x' }, architecture: { x: 1 }, framework: { x: 1 }, training: { duration_s: 1 }, requirements: { x: 1 },
      signature: { inputs: [], outputs: [] }, lineage: { parents: [{ name: 'x', version: '1.0.0' }] }, schema: {}, unsafe_allowed: [], scan: {}, checksum: 'x' };
    for (const field of MANIFEST_FIELDS) {
      const edited = { ...m, [field.key]: changed[field.key] } as Manifest;
      expect(versionDigest(edited.artifacts, edited, edited.kind) !== m.digest, `${field.key} in the digest`).toBe(field.digest !== false);
      expect(manifestChecksum(edited) !== m.checksum, `${field.key} in the checksum`).toBe(field.checksum);
    }
  });

  it('refuses an unknown field in the writer, when sealing, and in the validator', () => {
    const m = { ...full(), extra: 1 } as Manifest;
    expect(() => manifestToYaml(m)).toThrow(/^manifest: extra: unknown key \(expected one of: format, name, kind, version, hash, digest, created_at, actor, message, changes, git, artifacts, params,/);
    const { checksum: _c, ...fields } = m;
    expect(() => sealManifest(fields)).toThrow(/manifest: extra: unknown key/);
    expect(() => validateManifest({ ...full(), extra: 1 }, 'm.yaml')).toThrow(/^m\.yaml: extra: unknown key \(expected one of: format, name/);
    expect(() => validateMetadata({ ...meta, extra: 1 }, 'meta.yaml')).toThrow(/^meta\.yaml: extra: unknown key \(expected one of: message, params, metrics, tags, lineage, data/);
  });
});
