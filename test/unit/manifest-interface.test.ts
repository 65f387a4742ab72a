// The manifest fields of declared changes: `schema` (interfaces read from the files), `signature` (declared in
// --meta) and `changes` (consumed change files): what is hashed, and how stored ones are validated.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/core/documents.js';
import { MregError } from '../../src/errors.js';
import { manifestChecksum, shortHash, versionDigest } from '../../src/core/manifest/hash.js';
import type { Manifest, Metadata } from '../../src/core/manifest/types.js';
import { validateManifest, validateMetadata } from '../../src/core/manifest/validate.js';
import { manifestToYaml } from '../../src/core/manifest/yaml.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const artifacts = [{ path: 'model.onnx', sha256: sha('m'), size: 3 }];
const signature = {
  inputs: [{ name: 'ids', dtype: 'int64', shape: ['?', 128] }, { name: 'mask', dtype: 'bool', shape: ['?', 128], optional: true as const }],
  outputs: [{ name: 'logits', dtype: 'float32', shape: ['?', 2] }],
};
const schema = {
  'model.onnx': {
    format: 'onnx' as const,
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch', 128] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 2] }, { name: 'odd: name #1', dtype: 'float32', shape: ['...'] }],
    metadata: { producer: 'torch' },
  },
};
const changes = [{ id: 'add-age-1a2b3c', type: 'minor' as const, summary: 'Add the age input\n\nwith details' }];

function sealed(meta: Metadata, extra: Partial<Manifest> = {}): Manifest {
  const digest = versionDigest(artifacts, meta);
  const fields = { format: 1 as const, name: 'fraud', kind: 'model' as const, version: '1.3.0', hash: shortHash(digest), digest, created_at: '2026-01-01T00:00:00.000Z', actor: 'a', artifacts, ...meta, ...extra };
  return { ...fields, checksum: manifestChecksum(fields) };
}

const read = (yaml: string) => validateManifest(parseYamlText(yaml, 'm.yaml', 'CORRUPT_MANIFEST'), 'm.yaml');

function corrupt(yaml: string): string {
  try {
    read(yaml);
  } catch (err) {
    expect((err as MregError).code).toBe('CORRUPT_MANIFEST');
    return (err as MregError).message;
  }
  throw new Error('the manifest validated');
}

describe('schema, signature and changes in manifests', () => {
  const base: Metadata = { params: {}, metrics: {}, tags: {} };
  const full = sealed({ ...base, signature }, { schema, changes });

  it('round-trip through YAML, one line per tensor', () => {
    const yaml = manifestToYaml(full);
    expect(read(yaml)).toStrictEqual(full);
    expect(yaml).toMatch(/^ {6}- \{ name: ids, dtype: int64, shape: \[ batch, 128 \] \}$/m);
    expect(yaml.indexOf('changes:')).toBeLessThan(yaml.indexOf('artifacts:'));
    expect(yaml.indexOf('signature:')).toBeLessThan(yaml.indexOf('schema:'));
    expect(yaml.indexOf('schema:')).toBeLessThan(yaml.indexOf('checksum:'));
  });

  it('hash a declared signature into the version, but not the schema read from the files or the consumed changes', () => {
    const plain = versionDigest(artifacts, base);
    expect(versionDigest(artifacts, { ...base, signature })).not.toBe(plain);
    expect(full.digest).toBe(versionDigest(artifacts, { ...base, signature }));
    expect(sealed(base, { schema, changes }).digest).toBe(plain);
    // ...while the checksum covers both
    expect(sealed(base, { schema }).checksum).not.toBe(sealed(base).checksum);
    expect(sealed(base, { changes }).checksum).not.toBe(sealed(base).checksum);
  });

  it('catch an edit of the schema or of a change summary (checksum), and of the signature (digest)', () => {
    const yaml = manifestToYaml(full);
    expect(corrupt(yaml.replace('shape: [ batch, 2 ]', 'shape: [ batch, 3 ]'))).toMatch(/checksum: does not match/);
    expect(corrupt(yaml.replace('Add the age input', 'Remove the age input'))).toMatch(/checksum: does not match/);
    expect(corrupt(yaml.replace('name: logits, dtype: float32, shape: [ "?", 2 ]', 'name: logits, dtype: float16, shape: [ "?", 2 ]'))).toMatch(/digest: does not match/);
  });

  const structural: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['a schema for a file that is not an artifact', (m) => (m.schema = { 'other.onnx': schema['model.onnx'] }), /schema\.other\.onnx: is not an artifact of this version/],
    ['an unknown format', (m) => (m.schema['model.onnx'].format = 'pickle'), /schema\.model\.onnx\.format: expected one of: onnx, safetensors, gguf/],
    ['an unknown key', (m) => (m.schema['model.onnx'].extra = 1), /schema\.model\.onnx\.extra: unknown key/],
    ['a negative dimension', (m) => (m.schema['model.onnx'].inputs[0].shape = [-1]), /schema\.model\.onnx\.inputs\[0\]\.shape\[0\]: expected a whole number/],
    ['outputs that are not a list', (m) => (m.schema['model.onnx'].outputs = 'x'), /schema\.model\.onnx\.outputs: expected a list/],
    ['optional on an output', (m) => (m.schema['model.onnx'].outputs[0].optional = true), /outputs\[0\]\.optional: unknown key/],
    ['a non-string metadata value', (m) => (m.schema['model.onnx'].metadata.producer = 3), /metadata\.producer: expected a string/],
    ['a change with a bad type', (m) => (m.changes[0].type = 'huge'), /changes\[0\]\.type: expected major, minor or patch/],
    ['a change with a bad id', (m) => (m.changes[0].id = '../x'), /changes\[0\]\.id: invalid change id/],
    ['a change listed twice', (m) => m.changes.push({ ...m.changes[0] }), /changes\[1\]\.id: change add-age-1a2b3c appears twice/],
    ['a signature with an unknown key', (m) => (m.signature.inputs[0].default_value = 1), /signature\.inputs\[0\]\.default_value: unknown key/],
  ];
  it.each(structural)('refuse %s, naming the key', (_what, edit, message) => {
    const m = JSON.parse(JSON.stringify(full)) as Record<string, any>;
    edit(m);
    // re-sealed, so the structural check is what fails, not the checksum
    const { checksum: _c, ...rest } = m;
    const resealed = { ...rest, checksum: manifestChecksum(rest as unknown as Manifest) };
    let error: MregError | undefined;
    try {
      validateManifest(resealed, 'm.yaml');
    } catch (err) {
      error = err as MregError;
    }
    expect(error?.code).toBe('CORRUPT_MANIFEST');
    expect(error?.message).toMatch(/^m\.yaml: /);
    expect(error?.message).toMatch(message);
  });
});

describe('a declared signature in a --meta file', () => {
  it('is normalised (type aliases, -1 as a variable dimension, default as optional)', () => {
    const meta = validateMetadata({ signature: { inputs: [{ name: 'x', dtype: 'float', shape: [-1, 4] }, { name: 'k', dtype: 'int64', shape: [], default: 5 }], outputs: [] } }, 'meta.yaml');
    expect(meta.signature).toStrictEqual({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['?', 4] }, { name: 'k', dtype: 'int64', shape: [], optional: true }],
      outputs: [],
    });
  });

  it('is refused with the file and the path of the bad value', () => {
    expect(() => validateMetadata({ signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-2] }], outputs: [] } }, 'meta.yaml')).toThrow(
      /^meta\.yaml: signature\.inputs\[0\]\.shape: .*item 0 is -2/,
    );
    expect(() => validateMetadata({ signature: { inputs: [] } }, 'meta.yaml')).toThrow(/^meta\.yaml: signature\.outputs: required/);
  });
});
