// Model cards: mreg card <ref> (generated, Hugging Face format) and register --card (stored and merged).
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliFails, cliPasses } from '../helpers/cli.js';
import { randomContent, type Project } from '../helpers/store.js';
import { viewProject } from '../helpers/view-fixture.js';

let p: Project;

beforeAll(async () => {
  p = await viewProject();
});

function frontMatter(markdown: string): Record<string, any> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  expect(m, markdown).not.toBeNull();
  return parse(m![1]!);
}

describe('mreg card', () => {
  it('prints a card built from the manifest: front matter with datasets, base_model, tags and model-index, then the sections', async () => {
    const { stdout } = await cliPasses(p.dir, ['card', 'fraud@1.3.0']);
    const front = frontMatter(stdout);
    expect(front).toMatchObject({ datasets: ['transactions'], base_model: 'fraud@1.2.0', tags: ['mreg', 'model', 'owner:risk'] });
    expect(front.license).toBeUndefined();
    expect(front['model-index']).toEqual([
      {
        name: 'fraud',
        results: [{ task: { type: 'other' }, dataset: { name: 'transactions', type: 'transactions', revision: '2.0.0' }, metrics: [{ type: 'auc', value: 0.93, name: 'auc' }, { type: 'f1', value: 0.85, name: 'f1' }] }],
      },
    ]);
    const headings = stdout.split('\n').filter((l) => l.startsWith('#'));
    expect(headings).toEqual(['# fraud 1.3.0', '## Intended use', '## Training data', '## Training procedure', '## Metrics', '## Interface', '## Provenance', '## Limitations']);
    expect(stdout).toMatch(/^- transactions@2\.0\.0 \(data set\), data$/m);
    expect(stdout).toMatch(/^\| auc \| 0\.93 \|$/m);
  });

  it('escapes Markdown in what the store holds', async () => {
    const { stdout } = await cliPasses(p.dir, ['card', 'fraud@1.2.0']);
    expect(stdout).not.toContain('<script>');
    expect(stdout).toContain('\\<script\\>');
  });

  it('register --card stores a hand-written card as an artifact; mreg card keeps its words, its keys, and adds the facts', async () => {
    p.file('MY_CARD.md', '---\nlicense: apache-2.0\ntags: [fraud, tabular]\n---\n# Fraud scorer\n\n## Intended use\n\nScoring card payments in the EU.\n\n## Limitations\n\nNot for wire transfers.\n');
    p.file('model/weights.bin', randomContent(128));
    const reg = await cliPasses(p.dir, ['register', 'fraud', 'model', '--version', '2.0.0', '--metric', 'auc=0.94', '--card', 'MY_CARD.md', '--json']);
    expect(reg.json.artifacts.map((a: { path: string }) => a.path)).toContain('MODEL_CARD.md');
    const { json } = await cliPasses(p.dir, ['card', 'fraud@2.0.0', '--json']);
    expect(json).toMatchObject({ model: 'fraud', version: '2.0.0', hand_written: true });
    const front = frontMatter(json.markdown);
    expect(front.license).toBe('apache-2.0');
    expect(front.tags).toEqual(['fraud', 'tabular']);
    expect(front['model-index'][0].results[0].metrics).toEqual([{ type: 'auc', value: 0.94, name: 'auc' }]);
    expect(json.markdown).toMatch(/# Fraud scorer\n\n## Intended use\n\nScoring card payments in the EU\.[\s\S]*Not for wire transfers\.\n\n## Facts recorded by mreg\n\n### Training data/);
    await cliPasses(p.dir, ['verify']);
  });

  it('refuses a card that is not a file, or a second MODEL_CARD.md', async () => {
    await cliFails(p.dir, ['register', 'fraud', 'model', '--version', '2.1.0', '--card', 'nope.md'], 2, /--card "nope\.md": not a file/);
    p.file('bundle/MODEL_CARD.md', '# x\n');
    p.file('bundle/w.bin', randomContent(64));
    p.file('other.md', '# y\n');
    await cliFails(p.dir, ['register', 'fraud', 'bundle', '--version', '2.1.0', '--card', 'other.md'], 2, /--card: the inputs already hold a MODEL_CARD\.md/);
  });

  it('the version page shows the card', async () => {
    const { tempDir } = await import('../helpers/cli.js');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const out = join(tempDir(), 'site');
    await cliPasses(p.dir, ['report', '--out', out, '--model', 'fraud']);
    const html = readFileSync(join(out, 'm/fraud/2.0.0.html'), 'utf8');
    expect(html).toMatch(/<details id="card" open><summary>Hand-written card, with the recorded facts/);
    expect(html).toContain('Scoring card payments in the EU.');
  });
});
