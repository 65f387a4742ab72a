// Lineage and impact through the built mreg, on a realistic graph: raw data (external URIs) feeding
// data sets, data sets feeding feature sets built by a pipeline, feature sets feeding models, a model
// fine-tuned from a base model and one distilled from another. Every answer is checked exactly.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliPasses, runMreg } from '../helpers/cli.js';
import { newProject, type Project } from '../helpers/store.js';

const MARCH = `s3://lake/raw/transactions/2026-03#sha256=${'ab12'.repeat(16)}`;
const FEB = 's3://lake/raw/transactions/2026-02';
const CORPUS = 'https://example.com/corpus/v1';

/** Every file under the store, with its size: what "writes nothing" is checked against. */
function snapshot(p: Project): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (name === 'cache' || name === 'locks') continue; // derived and transient, not what a refusal may write
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else out.push(`${full.slice(p.store.length)} ${st.size}`);
    }
  };
  walk(p.store);
  return out.sort();
}

async function register(p: Project, name: string, version: string, ...args: string[]): Promise<void> {
  p.file(`${name}-${version}.bin`, `${name} ${version}`);
  await cliPasses(p.dir, ['register', name, `${name}-${version}.bin`, '--version', version, ...args]);
}

/** The graph most tests read; built once, in the order a team would build it. */
async function fraudGraph(): Promise<Project> {
  const p = await newProject();
  await register(p, 'transactions', '1.0.0', '--kind', 'dataset', '--data', FEB);
  await register(p, 'transactions', '2.0.0', '--kind', 'dataset', '--data', MARCH.replace(/[0-9a-f]{64}$/, (h) => h.toUpperCase()));
  await register(p, 'transactions', '2.1.0', '--kind', 'dataset', '--parent', 'transactions@2.0.0', '--data', MARCH);
  await register(p, 'fraud-fe-code', '0.3.0', '--kind', 'pipeline');
  await register(p, 'fraud-features', '1.4.0', '--kind', 'features', '--data', 'transactions@2.0.0', '--pipeline', 'fraud-fe-code@0.3.0');
  await register(p, 'fraud-features', '1.5.0', '--kind', 'features', '--data', 'transactions@^2', '--pipeline', 'fraud-fe-code');
  await register(p, 'base-model', '1.0.0', '--data', CORPUS);
  await register(p, 'fraud', '1.0.0', '--parent', 'base-model@1.0.0', '--features', 'fraud-features@1.4.0', '--data', 'transactions@2.0.0');
  // References in the --meta file (strings and mappings, a range), next to the free descriptive data: section.
  p.file(
    'meta.yaml',
    ['lineage:', '  features: [fraud-features@1.5.0]', "  data: [{name: transactions, version: '~2.1'}]", 'data: {name: transactions, version: 2.1.0, uri: "s3://lake/tx"}', ''].join('\n'),
  );
  await register(p, 'fraud', '1.1.0', '--meta', 'meta.yaml', '--parent', 'base-model@1.0.0');
  await register(p, 'churn', '2.0.0', '--data', 'transactions@1.0.0');
  await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
  await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);
  await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
  // A stage is resolved when the version is registered, and stored exactly.
  await register(p, 'fraud-small', '0.1.0', '--parent', 'fraud@staging');
  await cliPasses(p.dir, ['promote', 'fraud-small@0.1.0', 'staging']);
  return p;
}

const lines = (text: string) => text.replace(/\n$/, '').split('\n');

describe('a realistic graph', () => {
  let p: Project;
  beforeAll(async () => {
    p = await fraudGraph();
  }, 120_000);

  it('stores exact references, sorted, in the manifest and its hash; ranges and stages resolved when registered', async () => {
    const small = readFileSync(join(p.store, 'models/fraud-small/0.1.0.yaml'), 'utf8');
    expect(small).toContain('lineage:\n  parents:\n    - { name: fraud, version: 1.1.0 }\n');
    const fraud = readFileSync(join(p.store, 'models/fraud/1.1.0.yaml'), 'utf8');
    expect(fraud).toContain(
      'lineage:\n  parents:\n    - { name: base-model, version: 1.0.0 }\n  data:\n    - { name: transactions, version: 2.1.0 }\n  features:\n    - { name: fraud-features, version: 1.5.0 }\n',
    );
    expect(fraud).toMatch(/\ndata:\n {2}name: transactions\n {2}version: 2\.1\.0\n {2}uri: s3:\/\/lake\/tx\n/); // the descriptive section stays as it was
    const features = (await cliPasses(p.dir, ['show', 'fraud-features@1.5.0', '--json'])).json;
    expect(features).toMatchObject({ kind: 'features', lineage: { data: [{ name: 'transactions', version: '2.1.0' }], pipeline: [{ name: 'fraud-fe-code', version: '0.3.0' }] } });
    // The hex of a pinned URI is stored in lowercase, the pin apart from the URI.
    const t2 = (await cliPasses(p.dir, ['show', 'transactions@2.0.0', '--json'])).json;
    expect(t2).toMatchObject({ kind: 'dataset', lineage: { data: [{ uri: 's3://lake/raw/transactions/2026-03', sha256: 'ab12'.repeat(16) }] } });
    expect(readFileSync(join(p.store, 'models/transactions/2.0.0.yaml'), 'utf8')).toContain('kind: dataset\n');

    // Lineage is part of the version hash: the same file with the same references (in another order) is
    // unchanged; with another reference it is other content under an existing version.
    const again = await cliPasses(p.dir, ['register', 'fraud-features', 'fraud-features-1.4.0.bin', '--kind', 'features', '--version', '1.4.0', '--pipeline', 'fraud-fe-code@0.3.0', '--data', 'transactions@2.0.0', '--json']);
    expect(again.json).toMatchObject({ unchanged: true, version: '1.4.0', kind: 'features' });
    await cliFails(p.dir, ['register', 'fraud-features', 'fraud-features-1.4.0.bin', '--kind', 'features', '--version', '1.4.0', '--data', 'transactions@2.1.0', '--pipeline', 'fraud-fe-code@0.3.0'], 1, /fraud-features@1\.4\.0 is already registered with other content/);
    expect((await cliPasses(p.dir, ['verify', '--json'])).json).toMatchObject({ ok: true, problems: [] });
  });

  it('show lists the direct references and the kind; ls shows each name kind', async () => {
    const shown = await cliPasses(p.dir, ['show', 'fraud@1.1.0']);
    expect(shown.stdout).toMatch(/^fraud@1\.1\.0 {2}hash [0-9a-f]{12} {2}\[staging\]\n/);
    expect(shown.stdout).toContain('\nlineage:\n  parent    base-model@1.0.0\n  data      transactions@2.1.0\n  features  fraud-features@1.5.0\n');
    const t2 = await cliPasses(p.dir, ['show', 'transactions@2.0.0']);
    expect(t2.stdout).toMatch(/^transactions@2\.0\.0 {2}dataset {2}hash [0-9a-f]{12}\n/);
    expect(t2.stdout).toContain(`\nlineage:\n  data  ${MARCH}\n`);
    const ls = (await cliPasses(p.dir, ['ls', '--json'])).json;
    expect(Object.fromEntries(ls.map((r: { model: string; kind: string }) => [r.model, r.kind]))).toStrictEqual({
      'base-model': 'model',
      churn: 'model',
      fraud: 'model',
      'fraud-fe-code': 'pipeline',
      'fraud-features': 'features',
      'fraud-small': 'model',
      transactions: 'dataset',
    });
    expect((await cliPasses(p.dir, ['ls'])).stdout).toMatch(/\ntransactions\s+2\.1\.0\s+3 versions\s+dataset\n/);
    expect((await cliPasses(p.dir, ['ls', 'transactions', '--json'])).json.map((r: { kind: string }) => r.kind)).toStrictEqual(['dataset', 'dataset', 'dataset']);
  });

  it('lineage --up is the tree of what a version was made from, each shared node expanded once', async () => {
    const r = await cliPasses(p.dir, ['lineage', 'fraud@1.1.0', '--up']);
    expect(lines(r.stdout)).toStrictEqual([
      'fraud@1.1.0  model  [staging]',
      'upstream (what it was made from):',
      '├── base-model@1.0.0  model  (parent)',
      `│   └── ${CORPUS}  external  (data)`,
      '├── fraud-features@1.5.0  features  (features)',
      '│   ├── fraud-fe-code@0.3.0  pipeline  (pipeline)',
      '│   └── transactions@2.1.0  dataset  (data)',
      `│       ├── ${MARCH}  external  (data)`,
      '│       └── transactions@2.0.0  dataset  (parent)',
      `│           └── ${MARCH}  external  (data)`,
      '└── transactions@2.1.0  dataset  (data)  (see above)',
    ]);
    expect(r.stderr).toBe('');
  });

  it('lineage --depth stops after that many references and says so', async () => {
    const one = await cliPasses(p.dir, ['lineage', 'fraud@1.1.0', '--up', '--depth', '1']);
    expect(lines(one.stdout)).toStrictEqual([
      'fraud@1.1.0  model  [staging]',
      'upstream (what it was made from):',
      '├── base-model@1.0.0  model  (parent)  ... (more beyond --depth)',
      '├── fraud-features@1.5.0  features  (features)  ... (more beyond --depth)',
      '└── transactions@2.1.0  dataset  (data)  ... (more beyond --depth)',
    ]);
    const two = await cliPasses(p.dir, ['lineage', 'fraud@staging', '--up', '--depth', '2', '--json']);
    expect(two.json.root).toBe('fraud@1.1.0');
    expect(two.json.depth).toBe(2);
    const byId = Object.fromEntries(two.json.nodes.map((n: { id: string }) => [n.id, n]));
    expect(Object.keys(byId).sort()).toStrictEqual([CORPUS, 'base-model@1.0.0', 'fraud-fe-code@0.3.0', 'fraud-features@1.5.0', 'fraud@1.1.0', MARCH, 'transactions@2.0.0', 'transactions@2.1.0'].sort());
    expect(byId['transactions@2.0.0']).toMatchObject({ direction: 'up', distance: 2, truncated: true, kind: 'dataset' });
    expect(byId[MARCH]).toMatchObject({ kind: 'external', uri: 's3://lake/raw/transactions/2026-03', sha256: 'ab12'.repeat(16), distance: 2 });
    expect(byId[MARCH].truncated).toBeUndefined();
    await cliFails(p.dir, ['lineage', 'fraud', '--depth', '0'], 2, /--depth "0": expected a whole number/);
    await cliFails(p.dir, ['lineage', 'fraud', '--depth', 'two'], 2, /--depth "two"/);
  });

  it('lineage --down is what was made from a version, with stages; both directions by default', async () => {
    const down = await cliPasses(p.dir, ['lineage', 'transactions@2.0.0', '--down']);
    expect(lines(down.stdout)).toStrictEqual([
      'transactions@2.0.0  dataset',
      'downstream (what was made from it):',
      '├── fraud-features@1.4.0  features  (as data)',
      '│   └── fraud@1.0.0  model  [production]  (as features)',
      '├── fraud@1.0.0  model  [production]  (as data)',
      '└── transactions@2.1.0  dataset  (as parent)',
      '    ├── fraud-features@1.5.0  features  (as data)',
      '    │   └── fraud@1.1.0  model  [staging]  (as features)',
      '    │       └── fraud-small@0.1.0  model  [staging]  (as parent)',
      '    └── fraud@1.1.0  model  [staging]  (as data)  (see above)',
    ]);
    const both = await cliPasses(p.dir, ['lineage', 'base-model']);
    expect(lines(both.stdout)).toStrictEqual([
      'base-model@1.0.0  model',
      'upstream (what it was made from):',
      `└── ${CORPUS}  external  (data)`,
      'downstream (what was made from it):',
      '├── fraud@1.0.0  model  [production]  (as parent)',
      '└── fraud@1.1.0  model  [staging]  (as parent)',
      '    └── fraud-small@0.1.0  model  [staging]  (as parent)',
    ]);
    const leaf = await cliPasses(p.dir, ['lineage', 'fraud-small@0.1.0', '--down']);
    expect(lines(leaf.stdout)).toStrictEqual(['fraud-small@0.1.0  model  [staging]', 'downstream (what was made from it): nothing recorded']);
    // An external node: by its URI, pinned as it was registered.
    const raw = await cliPasses(p.dir, ['lineage', FEB, '--json']);
    expect(raw.json.nodes.map((n: { id: string }) => n.id)).toStrictEqual([FEB, 'transactions@1.0.0', 'churn@2.0.0']);
    expect(raw.json.edges).toStrictEqual([
      { from: FEB, to: 'transactions@1.0.0', relation: 'data' },
      { from: 'transactions@1.0.0', to: 'churn@2.0.0', relation: 'data' },
    ]);
    await cliFails(p.dir, ['lineage', 's3://lake/raw/transactions/2026-03'], 1, /no version references s3:\/\/lake\/raw\/transactions\/2026-03$/);
    await cliFails(p.dir, ['lineage', 'nope@1.0.0'], 1, /nope is not registered/);
    await cliFails(p.dir, ['lineage', 'fraud@9.0.0'], 1, /fraud@9\.0\.0 is not registered/);
    await cliFails(p.dir, ['lineage', 'fraud', '--json', '--format', 'dot'], 2, /--json prints JSON/);
  });

  it('impact lists every version made from a component, with the shortest path and current stages', async () => {
    const r = await cliPasses(p.dir, ['impact', 'transactions@2.0.0', '--json']);
    expect(r.json).toStrictEqual({
      component: 'transactions@2.0.0',
      matched: ['transactions@2.0.0'],
      affected: [
        { model: 'fraud', version: '1.0.0', kind: 'model', path: ['transactions@2.0.0', 'fraud@1.0.0'], stages: ['production'] },
        { model: 'fraud', version: '1.1.0', kind: 'model', path: ['transactions@2.0.0', 'transactions@2.1.0', 'fraud@1.1.0'], stages: ['staging'] },
        { model: 'fraud-features', version: '1.4.0', kind: 'features', path: ['transactions@2.0.0', 'fraud-features@1.4.0'], stages: [] },
        { model: 'fraud-features', version: '1.5.0', kind: 'features', path: ['transactions@2.0.0', 'transactions@2.1.0', 'fraud-features@1.5.0'], stages: [] },
        { model: 'fraud-small', version: '0.1.0', kind: 'model', path: ['transactions@2.0.0', 'transactions@2.1.0', 'fraud@1.1.0', 'fraud-small@0.1.0'], stages: ['staging'] },
        { model: 'transactions', version: '2.1.0', kind: 'dataset', path: ['transactions@2.0.0', 'transactions@2.1.0'], stages: [] },
      ],
    });
    const human = await cliPasses(p.dir, ['impact', 'fraud-fe-code@0.3.0']);
    expect(lines(human.stdout)).toStrictEqual([
      '5 versions made from fraud-fe-code@0.3.0:',
      '  fraud@1.0.0           [production]  fraud-fe-code@0.3.0 -> fraud-features@1.4.0 -> fraud@1.0.0',
      '  fraud@1.1.0           [staging]     fraud-fe-code@0.3.0 -> fraud-features@1.5.0 -> fraud@1.1.0',
      '  fraud-features@1.4.0                fraud-fe-code@0.3.0 -> fraud-features@1.4.0',
      '  fraud-features@1.5.0                fraud-fe-code@0.3.0 -> fraud-features@1.5.0',
      '  fraud-small@0.1.0     [staging]     fraud-fe-code@0.3.0 -> fraud-features@1.5.0 -> fraud@1.1.0 -> fraud-small@0.1.0',
    ]);
    // A range means every matching version; a URI without its pin, every pin of it.
    const range = (await cliPasses(p.dir, ['impact', 'transactions@>=1 <2.1', '--json'])).json;
    expect(range.matched).toStrictEqual(['transactions@1.0.0', 'transactions@2.0.0']);
    expect(range.affected.map((a: { model: string; version: string }) => `${a.model}@${a.version}`)).toStrictEqual([
      'churn@2.0.0',
      'fraud@1.0.0',
      'fraud@1.1.0',
      'fraud-features@1.4.0',
      'fraud-features@1.5.0',
      'fraud-small@0.1.0',
      'transactions@2.1.0',
    ]);
    const uri = (await cliPasses(p.dir, ['impact', 's3://lake/raw/transactions/2026-03', '--json'])).json;
    expect(uri.matched).toStrictEqual([MARCH]);
    expect(uri.affected).toHaveLength(7);
    expect(uri.affected.find((a: { model: string; version: string }) => a.model === 'fraud-small').path).toStrictEqual([MARCH, 'transactions@2.1.0', 'fraud@1.1.0', 'fraud-small@0.1.0']);
    const nothing = await cliPasses(p.dir, ['impact', 'fraud-small@0.1.0']);
    expect(nothing.stdout).toBe('nothing is made from fraud-small@0.1.0\n');
    const unknown = await cliPasses(p.dir, ['impact', 's3://lake/raw/typo', '--json']);
    expect(unknown.json).toStrictEqual({ component: 's3://lake/raw/typo', matched: [], affected: [] });
    expect(unknown.stderr).toMatch(/warning: no version references s3:\/\/lake\/raw\/typo/);
    await cliFails(p.dir, ['impact', 'transactions@9.9.9'], 1, /transactions@9\.9\.9 is not registered/);
    await cliFails(p.dir, ['impact', 'transactions@^7'], 1, /no version of transactions matches \^7/);
  });

  it('--fail-on-stage is a CI gate: exit 0 when no affected version is in the stage, 1 when one is', async () => {
    const pass = await runMreg(['impact', 'transactions@1.0.0', '--fail-on-stage', 'production'], { cwd: p.dir });
    expect(pass.code).toBe(0);
    expect(lines(pass.stdout)).toStrictEqual(['1 version made from transactions@1.0.0:', '  churn@2.0.0    transactions@1.0.0 -> churn@2.0.0']);
    const passJson = await runMreg(['impact', 'transactions@1.0.0', '--fail-on-stage', 'production', '--json'], { cwd: p.dir });
    expect(passJson.code).toBe(0);
    expect(JSON.parse(passJson.stdout).gate).toStrictEqual({ stage: 'production', ok: true, versions: [] });

    const fail = await runMreg(['impact', 'transactions@2.1.0', '--fail-on-stage', 'staging'], { cwd: p.dir });
    expect(fail.code).toBe(1);
    expect(lines(fail.stderr)).toStrictEqual(['mreg: 2 affected versions are in staging: fraud@1.1.0, fraud-small@0.1.0']);
    const failJson = await runMreg(['impact', 'transactions@^2', '--fail-on-stage', 'production', '--json'], { cwd: p.dir });
    expect(failJson.code).toBe(1);
    expect(lines(failJson.stderr)).toStrictEqual(['mreg: 1 affected version is in production: fraud@1.0.0']);
    const doc = JSON.parse(failJson.stdout);
    expect(doc.gate).toStrictEqual({ stage: 'production', ok: false, versions: ['fraud@1.0.0'] });
    expect(doc.matched).toStrictEqual(['transactions@2.0.0', 'transactions@2.1.0']);
    // The gate holds for data mreg does not hold, too.
    expect((await runMreg(['impact', MARCH, '--fail-on-stage', 'production'], { cwd: p.dir })).code).toBe(1);
    expect((await runMreg(['impact', FEB, '--fail-on-stage', 'production'], { cwd: p.dir })).code).toBe(0);
    // A misspelt stage would make the gate pass whatever happens: it is refused.
    await cliFails(p.dir, ['impact', 'transactions@2.0.0', '--fail-on-stage', 'prodution'], 2, /--fail-on-stage "prodution": unknown stage/);
  });

  it('--format dot is valid Graphviz: every node and edge, ids quoted', async () => {
    const r = await cliPasses(p.dir, ['lineage', 'fraud@1.1.0', '--format', 'dot']);
    const graph = parseDot(r.stdout);
    expect(graph.name).toBe('lineage');
    expect(Object.keys(graph.nodes).sort()).toStrictEqual(
      [CORPUS, 'base-model@1.0.0', 'fraud-fe-code@0.3.0', 'fraud-features@1.5.0', 'fraud-small@0.1.0', 'fraud@1.1.0', MARCH, 'transactions@2.0.0', 'transactions@2.1.0'].sort(),
    );
    expect(graph.nodes['transactions@2.1.0']).toMatchObject({ label: 'transactions@2.1.0\\ndataset', shape: 'cylinder' });
    // A #sha256= pin is cut to 12 digits in the label (the node id keeps it whole); stages are shown (issue 15.11).
    expect(graph.nodes[MARCH]).toMatchObject({ label: `${MARCH.slice(0, MARCH.indexOf('=') + 13)}\\nexternal`, shape: 'note' });
    expect(graph.nodes['fraud@1.1.0']).toMatchObject({ label: 'fraud@1.1.0\\nmodel\\n[staging]', penwidth: '2.5' });
    expect(graph.edges.map((e) => `${e.from} -> ${e.to} ${e.attrs.label}`).sort()).toStrictEqual(
      [
        `${CORPUS} -> base-model@1.0.0 data`,
        'base-model@1.0.0 -> fraud@1.1.0 parent',
        'fraud-fe-code@0.3.0 -> fraud-features@1.5.0 pipeline',
        'fraud-features@1.5.0 -> fraud@1.1.0 features',
        'transactions@2.1.0 -> fraud-features@1.5.0 data',
        'transactions@2.1.0 -> fraud@1.1.0 data',
        `${MARCH} -> transactions@2.1.0 data`,
        `${MARCH} -> transactions@2.0.0 data`,
        'transactions@2.0.0 -> transactions@2.1.0 parent',
        'fraud@1.1.0 -> fraud-small@0.1.0 parent',
      ].sort(),
    );
    // parseDot is the check, on every machine: a strict reading of the DOT grammar mreg writes (Graphviz
    // is not installed here nor on the CI image, and a check that runs only where it is would be skipped
    // silently everywhere else).
  });

  it('the DOT reader these tests use refuses what Graphviz would refuse', () => {
    const ok = 'digraph "lineage" {\n  node [shape=box];\n  "a@1" [label="a"];\n  "b@1";\n  "a@1" -> "b@1" [label="data"];\n}\n';
    expect(parseDot(ok).edges).toStrictEqual([{ from: 'a@1', to: 'b@1', attrs: { label: 'data' } }]);
    for (const [bad, why] of [
      [ok.replace('"a@1" [label', 'a@1 [label'), /cannot read|expected an id/], // an id that needs quotes, unquoted
      [ok.replace('"b@1";', '"b@1"'), /expected ;/],
      [ok.replace(/\}\n$/, ''), /ends inside the graph/],
      [`${ok}}`, /text after the graph/],
      [ok.replace('"b@1";\n', ''), /joins an undeclared node/],
      [ok.replace('"b@1";', '"b@1"; "b@1";'), /declared twice/],
      [ok.replace('[label="a"]', '[label="a]'), /cannot read|expected|ends inside/],
    ] as const) {
      expect(() => parseDot(bad), bad).toThrow(why);
    }
  });

  it('--format mermaid declares each node once under a generated id, with escaped labels and labelled edges', async () => {
    const r = await cliPasses(p.dir, ['lineage', 'fraud@1.1.0', '--up', '--format', 'mermaid']);
    const text = lines(r.stdout);
    expect(text[0]).toBe('flowchart LR');
    const nodes = new Map<string, { label: string; shape: string }>();
    const edges: string[] = [];
    for (const line of text.slice(1)) {
      const node = /^ {2}(n\d+)(\[\(|\[\[|\{\{|\[|>)"([^"]*)"(\)\]|\]\]|\}\}|\])$/.exec(line);
      const edge = /^ {2}(n\d+) -->\|"([a-z]+)"\| (n\d+)$/.exec(line);
      if (node) {
        expect(nodes.has(node[1]!)).toBe(false);
        nodes.set(node[1]!, { shape: node[2]!, label: node[3]! });
      } else if (edge) {
        expect(nodes.has(edge[1]!) && nodes.has(edge[3]!), line).toBe(true);
        const name = (id: string) => decodeMermaid(nodes.get(id)!.label).split('<br/>')[0];
        edges.push(`${name(edge[1]!)} -${edge[2]}-> ${name(edge[3]!)}`);
      } else {
        expect(line).toMatch(/^ {2}(classDef \w+ [^;]+;|class n\d+(,n\d+)* \w+;)$/);
      }
    }
    const labels = [...nodes.values()].map((n) => n.label);
    // '#' would start an entity, '"' would end the label: both escaped, nothing raw left.
    expect(labels).toContain(`s3://lake/raw/transactions/2026-03#35;sha256=${'ab12'.repeat(16)}<br/>external`);
    for (const label of labels) expect(decodeMermaid(label).replace(/#/g, '')).not.toMatch(/[#"]/);
    expect(labels).toContain('fraud@1.1.0<br/>model');
    expect([...nodes.values()].find((n) => n.label.startsWith('transactions@2.1.0'))!.shape).toBe('[('); // a cylinder
    expect(edges.sort()).toStrictEqual(
      [
        `${CORPUS} -data-> base-model@1.0.0`,
        'base-model@1.0.0 -parent-> fraud@1.1.0',
        'fraud-fe-code@0.3.0 -pipeline-> fraud-features@1.5.0',
        'fraud-features@1.5.0 -features-> fraud@1.1.0',
        'transactions@2.1.0 -data-> fraud-features@1.5.0',
        'transactions@2.1.0 -data-> fraud@1.1.0',
        `${MARCH} -data-> transactions@2.1.0`,
        `${MARCH} -data-> transactions@2.0.0`,
        'transactions@2.0.0 -parent-> transactions@2.1.0',
      ].sort(),
    );
  });
});

describe('refusals', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await register(p, 'transactions', '1.0.0', '--kind', 'dataset');
    await register(p, 'base', '1.0.0');
  }, 60_000);

  it.each([
    [['--data', 'transactions@9.9.9'], /--data transactions@9\.9\.9: transactions has no version 9\.9\.9 \(it has 1\.0\.0\)/],
    [['--data', 'nothing@1.0.0'], /--data nothing@1\.0\.0: nothing is not registered: register it first, or give its URI instead/],
    [['--parent', 'nothing'], /--parent nothing@latest: nothing is not registered/],
    [['--data', 'transactions@^2'], /--data: no version of transactions matches \^2/],
    [['--parent', 'base@production'], /--parent: no version of base is in production/],
    [['--data', 'base@1.0.0'], /--data base@1\.0\.0: base holds models, not data sets/],
    [['--features', 'transactions@1.0.0'], /--features transactions@1\.0\.0: transactions holds data sets, not feature sets/],
    [['--data', 'Bad_Name@1.0.0'], /--data invalid name "Bad_Name"/],
    [['--data', 's3://bucket/with space'], /not a URI mreg can keep: it has characters a URI cannot hold/],
    [['--data', 's3://bucket/x#sha256=12ab'], /#sha256= takes 64 hex digits/],
    [['--pipeline', 'transactions@'], /after @ comes a version/],
  ])('register %j is refused (exit 2) and writes nothing', async (flags, message) => {
    const before = snapshot(p);
    p.file('m.bin', 'weights');
    await cliFails(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0', ...flags], 2, message);
    expect(snapshot(p)).toStrictEqual(before);
  });

  it('a --meta lineage section is validated like the rest of the file', async () => {
    const before = snapshot(p);
    p.file('m.bin', 'weights');
    p.file('bad.yaml', 'lineage:\n  datasets: [transactions@1.0.0]\n');
    await cliFails(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0', '--meta', 'bad.yaml'], 2, /bad\.yaml: lineage\.datasets: unknown key \(expected one of: parents, data, features, pipeline\)/);
    p.file('bad.yaml', 'lineage:\n  data: [{name: transactions, version: 1.0.0, hash: x}]\n');
    await cliFails(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0', '--meta', 'bad.yaml'], 2, /bad\.yaml: lineage\.data\[0\]\.hash: unknown key/);
    p.file('bad.yaml', 'lineage:\n  data: []\n');
    await cliFails(p.dir, ['register', 'fraud', 'm.bin', '--version', '1.0.0', '--meta', 'bad.yaml'], 2, /bad\.yaml: lineage\.data: expected a non-empty list/);
    expect(snapshot(p)).toStrictEqual(before);
  });

  it('a name holds one kind: registering another kind under it is refused (exit 2)', async () => {
    const before = snapshot(p);
    p.file('d.csv', 'a,b');
    await cliFails(p.dir, ['register', 'transactions', 'd.csv', '--version', '2.0.0'], 2, /transactions holds data sets: it cannot also hold models/);
    await cliFails(p.dir, ['register', 'base', 'd.csv', '--version', '2.0.0', '--kind', 'features'], 2, /base holds models: it cannot also hold feature sets/);
    const json = await cliFails(p.dir, ['register', 'transactions', 'd.csv', '--version', '2.0.0', '--kind', 'pipeline', '--json'], 2, /transactions holds data sets/);
    expect(json.json.error).toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringMatching(/--kind dataset/) });
    await cliFails(p.dir, ['register', 'x', 'd.csv', '--version', '1.0.0', '--kind', 'table'], 2, /argument 'table' is invalid/);
    expect(snapshot(p)).toStrictEqual(before);
    const ok = await cliPasses(p.dir, ['register', 'transactions', 'd.csv', '--version', '2.0.0', '--kind', 'dataset', '--parent', 'transactions@1.0.0']);
    expect(ok.stdout).toMatch(/^registered dataset transactions@2\.0\.0 /);
  });
});

describe('the store as it is, never as the index remembers it', () => {
  it('verify reports a reference to a version this store does not hold; lineage shows it as missing', async () => {
    const other = await newProject();
    await register(other, 'transactions', '1.0.0', '--kind', 'dataset');
    await register(other, 'fraud', '1.0.0', '--data', 'transactions@1.0.0');
    const p = await newProject();
    // Copied in from elsewhere: the manifest and its blob, not what it references.
    mkdirSync(join(p.store, 'models/fraud'), { recursive: true });
    copyFileSync(join(other.store, 'models/fraud/1.0.0.yaml'), join(p.store, 'models/fraud/1.0.0.yaml'));
    const manifest = (await cliPasses(other.dir, ['show', 'fraud', '--json'])).json;
    const sha: string = manifest.artifacts[0].sha256;
    mkdirSync(join(p.store, 'objects', sha.slice(0, 2)), { recursive: true });
    copyFileSync(join(other.store, 'objects', sha.slice(0, 2), sha), join(p.store, 'objects', sha.slice(0, 2), sha));
    const r = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(r.code).toBe(1);
    // The copied manifest came without its history line, which verify names too.
    expect(JSON.parse(r.stdout).problems).toStrictEqual([
      { code: 'REGISTER_EVENT_MISSING', message: expect.stringMatching(/^fraud@1\.0\.0: registered \(models\/fraud\/1\.0\.0\.yaml\) but history\/fraud\.jsonl has no register event/) },
      { code: 'LINEAGE_DANGLING', message: 'fraud@1.0.0: its data transactions@1.0.0 is not in this store (a manifest copied from another store?): pull or register it' },
    ]);
    const up = await cliPasses(p.dir, ['lineage', 'fraud@1.0.0', '--up']);
    expect(lines(up.stdout)).toStrictEqual(['fraud@1.0.0  model', 'upstream (what it was made from):', '└── transactions@1.0.0  not in this store  (data)']);
    expect(parseDot((await cliPasses(p.dir, ['lineage', 'fraud@1.0.0', '--format', 'dot'])).stdout).nodes['transactions@1.0.0']).toMatchObject({ style: 'dashed', color: 'red' });
  });

  it('an edited, replaced or removed manifest, or a damaged index, is noticed at once', async () => {
    const p = await newProject();
    await register(p, 'transactions', '1.0.0', '--kind', 'dataset');
    await register(p, 'fraud', '1.0.0', '--data', 'transactions@1.0.0');
    // Files changed within the last two seconds are read every time (they might change again within the same
    // timestamp tick): let these age past that, so the index records them and this test exercises it.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const up = async () => lines((await cliPasses(p.dir, ['lineage', 'fraud@1.0.0', '--up'])).stdout);
    expect(await up()).toStrictEqual(['fraud@1.0.0  model', 'upstream (what it was made from):', '└── transactions@1.0.0  dataset  (data)']);
    const index = join(p.store, 'cache/lineage.json');
    const recorded = JSON.parse(readFileSync(index, 'utf8'));
    expect(recorded.models.fraud['1.0.0']).toStrictEqual([expect.any(String), 'model', { data: ['transactions@1.0.0'] }]);
    const transactionsKey: string = recorded.models.transactions['1.0.0'][0];

    // Replaced by another valid manifest of the same version (from another store): its references count.
    const other = await newProject();
    await register(other, 'fraud', '1.0.0', '--data', 's3://elsewhere/data');
    const path = join(p.store, 'models/fraud/1.0.0.yaml');
    chmodSync(path, 0o644);
    writeFileSync(path, readFileSync(join(other.store, 'models/fraud/1.0.0.yaml')));
    expect(await up()).toStrictEqual(['fraud@1.0.0  model', 'upstream (what it was made from):', '└── s3://elsewhere/data  external  (data)']);

    // Edited by hand: refused, never answered from the index.
    writeFileSync(path, readFileSync(path, 'utf8').replace('s3://elsewhere/data', 's3://elsewhere/dat4'));
    await cliFails(p.dir, ['lineage', 'fraud@1.0.0'], 1, /models\/fraud\/1\.0\.0\.yaml: digest: does not match the manifest's content/);
    await cliFails(p.dir, ['impact', 'transactions@1.0.0'], 1, /models\/fraud\/1\.0\.0\.yaml: digest: does not match/);
    writeFileSync(path, readFileSync(join(other.store, 'models/fraud/1.0.0.yaml')));

    // A damaged or foreign index is rebuilt from the manifests.
    for (const junk of ['{"format":1,"models":{"fraud":{"1.0.0":["x","model",{"data":["ghost@1.0.0"]}]}}', '{"format":1,"models":{"fraud":{"1.0.0":7}}}', 'null', '[]']) {
      writeFileSync(index, junk);
      expect(await up()).toStrictEqual(['fraud@1.0.0  model', 'upstream (what it was made from):', '└── s3://elsewhere/data  external  (data)']);
    }
    // Removed: nothing references what it referenced any more.
    expect(lines((await cliPasses(p.dir, ['lineage', 's3://elsewhere/data', '--down'])).stdout)).toStrictEqual([
      's3://elsewhere/data  external',
      'downstream (what was made from it):',
      '└── fraud@1.0.0  model  (as data)',
    ]);
    rmSync(path);
    await cliFails(p.dir, ['lineage', 's3://elsewhere/data'], 1, /no version references s3:\/\/elsewhere\/data/);
    expect(JSON.parse(readFileSync(index, 'utf8')).models.fraud).toBeUndefined();

    // An entry with the right key but the wrong shape is not trusted either.
    writeFileSync(index, JSON.stringify({ format: 1, models: { transactions: { '1.0.0': [transactionsKey, 'table', {}] } } }));
    expect((await cliPasses(p.dir, ['ls', '--json'])).json.find((r: { model: string }) => r.model === 'transactions').kind).toBe('dataset');
    // ...and one with the right key and shape is what the index is for: it is used as it is.
    writeFileSync(index, JSON.stringify({ format: 1, models: { transactions: { '1.0.0': [transactionsKey, 'pipeline', {}] } } }));
    expect((await cliPasses(p.dir, ['ls', '--json'])).json.find((r: { model: string }) => r.model === 'transactions').kind).toBe('pipeline');
  });

  it('pruned versions keep their place in lineage and impact', async () => {
    const p = await newProject();
    await register(p, 'tx', '1.0.0', '--kind', 'dataset');
    await register(p, 'tx', '1.1.0', '--kind', 'dataset');
    await register(p, 'm', '1.0.0', '--data', 'tx@1.0.0');
    await register(p, 'm', '1.1.0', '--data', 'tx@1.1.0');
    await cliPasses(p.dir, ['gc', '--keep-last', '1']);
    const impact = (await cliPasses(p.dir, ['impact', 'tx@1.0.0', '--json'])).json;
    expect(impact.affected).toStrictEqual([{ model: 'm', version: '1.0.0', kind: 'model', path: ['tx@1.0.0', 'm@1.0.0'], stages: [], pruned: true }]);
    expect(lines((await cliPasses(p.dir, ['lineage', 'm@1.0.0', '--up'])).stdout)).toStrictEqual(['m@1.0.0  model', 'upstream (what it was made from):', '└── tx@1.0.0  dataset  (data)']);
    expect((await cliPasses(p.dir, ['impact', 'tx@1.0.0'])).stdout).toMatch(/m@1\.0\.0\s+tx@1\.0\.0 -> m@1\.0\.0 {2}\(pruned\)/);
  });
});

function decodeMermaid(label: string): string {
  return label.replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

interface DotGraph {
  name: string;
  nodes: Record<string, Record<string, string>>;
  edges: { from: string; to: string; attrs: Record<string, string> }[];
}

/**
 * A small parser for the DOT mreg writes (digraph, attribute statements, node and edge statements):
 * enough to check the structure, the quoting and that every edge joins declared nodes.
 */
function parseDot(text: string): DotGraph {
  const tokens: string[] = [];
  const pattern = /\s*(?:("(?:[^"\\]|\\.)*")|(->)|([{}[\];,=])|([A-Za-z_][A-Za-z0-9_.]*|-?[0-9.]+))/gy;
  let at = 0;
  while (at < text.trimEnd().length) {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) throw new Error(`dot: cannot read ${JSON.stringify(text.slice(at, at + 40))}`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    at = pattern.lastIndex;
  }
  let i = 0;
  const next = () => {
    if (i >= tokens.length) throw new Error('dot: the text ends inside the graph');
    return tokens[i++]!;
  };
  const expectToken = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`dot: expected ${t}, got ${got} at token ${i}`);
  };
  const id = () => {
    const t = next();
    if (t.startsWith('"')) return t.slice(1, -1).replace(/\\"/g, '"');
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$|^-?[0-9.]+$/.test(t)) throw new Error(`dot: expected an id, got ${t}`);
    return t;
  };
  const attrs = () => {
    const out: Record<string, string> = {};
    if (tokens[i] !== '[') return out;
    next();
    while (tokens[i] !== ']') {
      const key = id();
      expectToken('=');
      out[key] = id();
      if (tokens[i] === ',' || tokens[i] === ';') next();
    }
    expectToken(']');
    return out;
  };
  expectToken('digraph');
  const graph: DotGraph = { name: id(), nodes: {}, edges: [] };
  expectToken('{');
  while (tokens[i] !== '}') {
    if (['node', 'edge', 'graph'].includes(tokens[i]!)) {
      next();
      attrs();
    } else {
      const first = id();
      if (tokens[i] === '=') {
        next();
        id();
      } else if (tokens[i] === '->') {
        next();
        const to = id();
        graph.edges.push({ from: first, to, attrs: attrs() });
      } else {
        if (graph.nodes[first]) throw new Error(`dot: node ${first} declared twice`);
        graph.nodes[first] = attrs();
      }
    }
    expectToken(';');
  }
  expectToken('}');
  if (i !== tokens.length) throw new Error('dot: text after the graph');
  for (const e of graph.edges) if (!graph.nodes[e.from] || !graph.nodes[e.to]) throw new Error(`dot: edge ${e.from} -> ${e.to} joins an undeclared node`);
  return graph;
}
