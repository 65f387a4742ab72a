// Lineage pieces without a store: reference parsing, the stored section's validation, its normal form
// and hash, the graph walks, verify's checks, and the escaping of the dot and mermaid writers.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/core/documents.js';
import { lineageProblems } from '../../src/core/verify/lineage.js';
import { dotString, mermaidText, toDot, toMermaid } from '../../src/core/lineage/diagram.js';
import { LineageGraph } from '../../src/core/lineage/graph.js';
import type { LineageResult } from '../../src/core/lineage/query.js';
import type { VersionRecord } from '../../src/core/lineage/version-index.js';
import { normalizeLineage, parseReference, storedLineage, withFlagReferences } from '../../src/core/manifest/lineage.js';
import { manifestChecksum, shortHash, versionDigest } from '../../src/core/manifest/hash.js';
import type { Kind, Lineage, Manifest, Metadata } from '../../src/core/manifest/types.js';
import { Checker } from '../../src/core/manifest/checker.js';
import { validateManifest, validateMetadata } from '../../src/core/manifest/validate.js';
import { manifestToYaml } from '../../src/core/manifest/yaml.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const HEX = sha('content');
const artifacts = [{ path: 'w.bin', sha256: sha('w'), size: 1 }];

function manifest(name: string, version: string, kind: Kind, lineage?: Lineage): Manifest {
  const meta: Metadata = { params: {}, metrics: {}, tags: {}, ...(lineage ? { lineage } : {}) };
  const digest = versionDigest(artifacts, meta, kind);
  const fields = { format: 1 as const, name, kind, version, hash: shortHash(digest), digest, created_at: '2026-01-01T00:00:00.000Z', actor: 'a', artifacts, ...meta };
  return { ...fields, checksum: manifestChecksum(fields) };
}

describe('references as people write them', () => {
  it.each([
    ['transactions@2.1.0', { name: 'transactions', version: '2.1.0' }],
    ['transactions', { name: 'transactions', version: 'latest' }],
    ['transactions@^2', { name: 'transactions', version: '^2' }],
    ['fraud@production', { name: 'fraud', version: 'production' }],
    ['s3://bucket/tx/2026-03', { uri: 's3://bucket/tx/2026-03' }],
    ['S3://Bucket/X', { uri: 's3://Bucket/X' }],
    [`s3://bucket/tx#sha256=${HEX.toUpperCase()}`, { uri: 's3://bucket/tx', sha256: HEX }],
    ['https://example.com/a?b=c#frag', { uri: 'https://example.com/a?b=c#frag' }],
    ['bigquery:project.dataset.table', { uri: 'bigquery:project.dataset.table' }],
  ])('%s', (text, ref) => {
    expect(parseReference(text)).toStrictEqual(ref);
  });

  it.each([
    ['Transactions@1.0.0', /invalid name "Transactions"/],
    ['../x@1.0.0', /invalid name/],
    ['x@', /after @ comes a version/],
    ['s3://a b', /characters a URI cannot hold/],
    ['s3://a"b', /characters a URI cannot hold/],
    ['s3://a\\b', /characters a URI cannot hold/],
    ['://nothing', /needs a scheme/],
    ['s3://x#sha256=abc', /#sha256= takes 64 hex digits/],
    [`s3://${'a'.repeat(2100)}`, /longer than 2048/],
  ])('refuses %s', (text, message) => {
    expect(() => parseReference(text)).toThrow(message);
  });

  it('adds references given one by one to those of a meta document, naming the option in errors', () => {
    const file: Lineage = { data: [{ name: 'a', version: '1.0.0' }] };
    expect(withFlagReferences(file, { data: ['b@2'], parents: ['base'] })).toStrictEqual({
      data: [{ name: 'a', version: '1.0.0' }, { name: 'b', version: '2' }],
      parents: [{ name: 'base', version: 'latest' }],
    });
    expect(withFlagReferences(undefined, {})).toBeUndefined();
    expect(() => withFlagReferences(undefined, { features: ['Bad'] })).toThrow(/^features invalid name "Bad"/);
    expect(() => withFlagReferences(undefined, { features: ['Bad'] })).toThrow(expect.objectContaining({ data: { option: 'features' } }));
  });

  it('reads a --meta lineage section of strings and mappings', () => {
    const meta = validateMetadata(parseYamlText(`lineage:\n  parents: [base@^1]\n  data:\n    - {uri: "s3://x", sha256: ${HEX}}\n    - {name: tx}\n`, 'm.yaml'), 'm.yaml');
    expect(meta.lineage).toStrictEqual({ parents: [{ name: 'base', version: '^1' }], data: [{ uri: 's3://x', sha256: HEX }, { name: 'tx', version: 'latest' }] });
  });
});

describe('the stored lineage section', () => {
  const check = (value: unknown) => storedLineage(new Checker('m.yaml', 'CORRUPT_MANIFEST'), value);

  it('accepts exact versions and URIs', () => {
    const ok = { parents: [{ name: 'base', version: '1.0.0-rc.1' }], data: [{ uri: 's3://x', sha256: HEX }, { uri: 'https://y' }] };
    expect(check(ok)).toStrictEqual(ok);
  });

  it.each([
    [[], 'lineage: expected a mapping'],
    [{ inputs: [] }, 'lineage.inputs: unknown key'],
    [{ data: [] }, 'lineage.data: expected a non-empty list'],
    [{ data: 'tx@1.0.0' }, 'lineage.data: expected a non-empty list'],
    [{ data: ['tx@1.0.0'] }, 'lineage.data[0]: expected a mapping'],
    [{ data: [{ name: 'tx', version: '^1' }] }, 'lineage.data[0].version: expected an exact version'],
    [{ data: [{ name: 'tx', version: 'latest' }] }, 'lineage.data[0].version: expected an exact version'],
    [{ data: [{ name: 'tx' }] }, 'lineage.data[0].version: expected a string'],
    [{ data: [{ name: 'TX', version: '1.0.0' }] }, 'lineage.data[0].name: invalid name'],
    [{ data: [{ name: 'tx', version: '1.0.0', hash: 'x' }] }, 'lineage.data[0].hash: unknown key'],
    [{ data: [{ uri: 's3://x', sha256: 'ABC' }] }, 'lineage.data[0].sha256: expected 64 lowercase hex digits'],
    [{ data: [{ uri: 'no scheme' }] }, 'lineage.data[0].uri: it needs a scheme'],
    [{ data: [{ uri: `s3://x#sha256=${HEX}` }] }, 'lineage.data[0].uri: it ends with #sha256='],
    [{ data: [{ name: 'tx', version: '1.0.0' }, { name: 'tx', version: '1.0.0' }] }, 'lineage.data[1]: tx@1.0.0 appears twice'],
    [{ data: Array.from({ length: 1001 }, (_, i) => ({ name: 'tx', version: `1.0.${i}` })) }, 'lineage.data: more than 1000 references'],
  ])('refuses %j', (value, message) => {
    expect(() => check(value)).toThrow(`m.yaml: ${message}`);
  });

  it('is part of the version hash, and so is the kind; the checksum covers both', () => {
    const plain = manifest('fraud', '1.0.0', 'model');
    const withData = manifest('fraud', '1.0.0', 'model', { data: [{ name: 'tx', version: '1.0.0' }] });
    const otherData = manifest('fraud', '1.0.0', 'model', { data: [{ name: 'tx', version: '1.0.1' }] });
    const dataset = manifest('fraud', '1.0.0', 'dataset');
    expect(new Set([plain.digest, withData.digest, otherData.digest, dataset.digest]).size).toBe(4);
    // Without lineage a model's hash is what it always was.
    expect(plain.digest).toBe(versionDigest(artifacts, { params: {}, metrics: {}, tags: {} }));
    // Read back from YAML, validated, equal; an edited reference or kind fails the digest.
    const yaml = manifestToYaml(withData);
    expect(yaml).toContain('lineage:\n  data:\n    - { name: tx, version: 1.0.0 }\n');
    expect(validateManifest(parseYamlText(yaml, 'm'), 'm')).toStrictEqual(withData);
    expect(() => validateManifest(parseYamlText(yaml.replace('version: 1.0.0 }', 'version: 1.0.1 }'), 'm'), 'm')).toThrow(/digest: does not match/);
    expect(() => validateManifest(parseYamlText(yaml.replace('kind: model', 'kind: dataset'), 'm'), 'm')).toThrow(/digest: does not match/);
    expect(() => validateManifest(parseYamlText(yaml.replace('kind: model', 'kind: table'), 'm'), 'm')).toThrow(/kind: expected one of: model, dataset, features, pipeline/);
  });

  it('round-trips URIs that YAML would otherwise read as syntax', () => {
    const lineage: Lineage = { data: [{ uri: "s3://b/x,y[1]:#&*!'%20-[@]?a=b;c" }, { uri: 'https://h/a?b=c&d=e#f', sha256: HEX }] };
    const m = manifest('fraud', '1.0.0', 'model', lineage);
    expect(validateManifest(parseYamlText(manifestToYaml(m), 'm'), 'm').lineage).toStrictEqual(lineage);
  });
});

describe('the stored form', () => {
  it('sorts by name and semver, externals last, without duplicates or empty lists', () => {
    const normal = normalizeLineage({
      data: [{ uri: 's3://b' }, { name: 'tx', version: '1.10.0' }, { name: 'tx', version: '1.9.0' }, { name: 'a', version: '2.0.0' }, { uri: 's3://a' }, { name: 'tx', version: '1.9.0' }],
      features: [],
    });
    expect(normal).toStrictEqual({ data: [{ name: 'a', version: '2.0.0' }, { name: 'tx', version: '1.9.0' }, { name: 'tx', version: '1.10.0' }, { uri: 's3://a' }, { uri: 's3://b' }] });
    expect(normalizeLineage({ parents: [] })).toBeUndefined();
  });
});

function record(id: string, kind: Kind, refs: VersionRecord['refs'] = {}): VersionRecord {
  const [name, version] = id.split('@') as [string, string];
  return { name, version, kind, refs };
}

describe('the graph', () => {
  const graph = new LineageGraph([
    record('raw@1.0.0', 'dataset', { data: ['s3://raw'] }),
    record('clean@1.0.0', 'dataset', { parents: ['raw@1.0.0'] }),
    record('feat@1.0.0', 'features', { data: ['clean@1.0.0'] }),
    record('m@1.0.0', 'model', { data: ['clean@1.0.0'], features: ['feat@1.0.0'] }),
    record('m@1.10.0', 'model', { parents: ['m@1.0.0'] }),
    record('m@1.9.0', 'model', { features: ['feat@1.0.0'] }),
  ]);

  it('walks each direction to a depth, each node once, with its distance', () => {
    const up = graph.reach('m@1.0.0', 'up');
    expect(Object.fromEntries(up.distance)).toStrictEqual({ 'm@1.0.0': 0, 'clean@1.0.0': 1, 'feat@1.0.0': 1, 'raw@1.0.0': 2, 's3://raw': 3 });
    expect(up.edges).toHaveLength(5); // clean->m, feat->m, raw->clean, clean->feat, s3->raw
    expect(Object.fromEntries(graph.reach('m@1.0.0', 'up', 1).distance)).toStrictEqual({ 'm@1.0.0': 0, 'clean@1.0.0': 1, 'feat@1.0.0': 1 });
    expect(graph.versions('m')).toStrictEqual(['1.0.0', '1.9.0', '1.10.0']);
    expect(graph.node('s3://raw')).toStrictEqual({ id: 's3://raw', kind: 'external', uri: 's3://raw' });
    expect(graph.node('gone@1.0.0')).toStrictEqual({ id: 'gone@1.0.0', kind: 'missing', name: 'gone', version: '1.0.0' });
  });

  it('finds every dependent with a shortest path from a source', () => {
    const paths = graph.dependents(['raw@1.0.0']);
    expect(Object.fromEntries(paths)).toStrictEqual({
      'clean@1.0.0': ['raw@1.0.0', 'clean@1.0.0'],
      'feat@1.0.0': ['raw@1.0.0', 'clean@1.0.0', 'feat@1.0.0'],
      'm@1.0.0': ['raw@1.0.0', 'clean@1.0.0', 'm@1.0.0'],
      'm@1.9.0': ['raw@1.0.0', 'clean@1.0.0', 'feat@1.0.0', 'm@1.9.0'],
      'm@1.10.0': ['raw@1.0.0', 'clean@1.0.0', 'm@1.0.0', 'm@1.10.0'],
    });
  });

  it('terminates on a cycle a hand-made manifest could create', () => {
    const cyclic = new LineageGraph([record('a@1.0.0', 'model', { parents: ['b@1.0.0'] }), record('b@1.0.0', 'model', { parents: ['a@1.0.0'] })]);
    expect([...cyclic.reach('a@1.0.0', 'up').distance.keys()]).toStrictEqual(['a@1.0.0', 'b@1.0.0']);
    expect([...cyclic.dependents(['a@1.0.0']).keys()]).toStrictEqual(['b@1.0.0']);
  });
});

describe("verify's lineage check", () => {
  it('reports references this store does not hold, mixed kinds, wrong kinds and cycles', () => {
    const problems = lineageProblems([
      manifest('tx', '1.0.0', 'dataset'),
      manifest('tx', '2.0.0', 'model'),
      manifest('m', '1.0.0', 'model', { data: [{ name: 'tx', version: '3.0.0' }, { uri: 's3://fine' }], features: [{ name: 'tx', version: '1.0.0' }] }),
      manifest('a', '1.0.0', 'model', { parents: [{ name: 'b', version: '1.0.0' }] }),
      manifest('b', '1.0.0', 'model', { parents: [{ name: 'a', version: '1.0.0' }] }),
      manifest('self', '1.0.0', 'model', { parents: [{ name: 'self', version: '1.0.0' }] }),
    ]);
    expect(problems).toStrictEqual([
      { code: 'KIND_CONFLICT', message: 'tx: its versions hold different kinds (dataset: 1.0.0; model: 2.0.0); a name holds one kind' },
      { code: 'LINEAGE_DANGLING', message: 'm@1.0.0: its data tx@3.0.0 is not in this store (a manifest copied from another store?): pull or register it' },
      { code: 'LINEAGE_KIND', message: 'm@1.0.0: its features tx@1.0.0 is a data set, not a feature set' },
      { code: 'LINEAGE_CYCLE', message: 'lineage cycle: a@1.0.0 -> b@1.0.0 -> a@1.0.0: versions can only reference versions made before them' },
      { code: 'LINEAGE_CYCLE', message: 'lineage cycle: self@1.0.0 -> self@1.0.0: versions can only reference versions made before them' },
    ]);
    expect(lineageProblems([manifest('tx', '1.0.0', 'dataset'), manifest('m', '1.0.0', 'model', { data: [{ name: 'tx', version: '1.0.0' }] })])).toStrictEqual([]);
  });
});

describe('dot and mermaid', () => {
  it('escape what would break out of a quoted string or a label', () => {
    expect(dotString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(dotString('ends with \\')).toBe('"ends with \\\\"');
    expect(mermaidText('s3://x#sha256=ab "q" <b> & #35;')).toBe('s3://x#35;sha256=ab #34;q#34; #60;b#62; #38; #35;35;');
  });

  const result: LineageResult = {
    root: 'm@1.0.0',
    direction: 'both',
    depth: null,
    nodes: [
      { id: 'm@1.0.0', kind: 'model', name: 'm', version: '1.0.0', distance: 0 },
      { id: 's3://x#sha256=ab', kind: 'external', uri: 's3://x', distance: 1, direction: 'up' },
      { id: 'gone@1.0.0', kind: 'missing', name: 'gone', version: '1.0.0', distance: 1, direction: 'up', truncated: true },
    ],
    edges: [
      { from: 's3://x#sha256=ab', to: 'm@1.0.0', relation: 'data' },
      { from: 'gone@1.0.0', to: 'm@1.0.0', relation: 'parents' },
    ],
  };

  it('writes dot with quoted ids, shapes by kind and labelled edges', () => {
    expect(toDot(result)).toBe(
      [
        'digraph lineage {',
        '  rankdir=LR;',
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  "m@1.0.0" [label="m@1.0.0\\nmodel", shape=box, penwidth=2.5];',
        '  "s3://x#sha256=ab" [label="s3://x#sha256=ab\\nexternal", shape=note, style=dashed];',
        '  "gone@1.0.0" [label="gone@1.0.0\\nnot in this store\\n(more beyond --depth)", shape=box, style=dashed, color=red];',
        '  "s3://x#sha256=ab" -> "m@1.0.0" [label="data"];',
        '  "gone@1.0.0" -> "m@1.0.0" [label="parent"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('writes mermaid with generated ids and entity-escaped labels', () => {
    expect(toMermaid(result)).toBe(
      [
        'flowchart LR',
        '  n0["m@1.0.0<br/>model"]',
        '  n1>"s3://x#35;sha256=ab<br/>external"]',
        '  n2["gone@1.0.0<br/>not in this store<br/>(more beyond --depth)"]',
        '  n1 -->|"data"| n0',
        '  n2 -->|"parent"| n0',
        '  classDef root stroke-width:3px;',
        '  class n0 root;',
        '  classDef missing stroke:#c00,stroke-dasharray:4 3;',
        '  class n2 missing;',
        '',
      ].join('\n'),
    );
  });
});
