// mreg report: the web view as static pages; what they hold, read as text (the browser tests look at them as a person would).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliPasses, ROOT, tempDir } from '../helpers/cli.js';
import type { Project } from '../helpers/store.js';
import { FRAUD_METRICS, HOSTILE_MESSAGE, viewProject } from '../helpers/view-fixture.js';

const PICKLES = join(ROOT, 'test', 'fixtures', 'pickles');
let p: Project;
let out: string;
let site: { out: string; index: string; pages: string[]; models: string[] };

beforeAll(async () => {
  p = await viewProject();
  out = join(tempDir(), 'site');
  site = (await cliPasses(p.dir, ['report', '--out', out, '--json'])).json;
});

const read = (rel: string) => readFileSync(join(out, rel), 'utf8');

describe('mreg report', () => {
  it('writes an index, a page per name and a page per version, and says where', async () => {
    expect(site.index).toBe(join(out, 'index.html'));
    expect(site.models).toEqual(['fraud', 'transactions']);
    expect([...site.pages].sort()).toEqual(
      ['index.html', 'm/fraud/index.html', ...Object.keys(FRAUD_METRICS).map((v) => `m/fraud/${v}.html`), 'm/transactions/1.0.0.html', 'm/transactions/2.0.0.html', 'm/transactions/index.html'].sort(),
    );
    const text = await cliPasses(p.dir, ['report', '--out', out]);
    expect(text.stdout).toMatch(/^wrote 9 pages for 2 names\nopen .*site\/index\.html\nbrowse it live: mreg ui\n$/);
  });

  it('loads nothing from the network and links only relatively', () => {
    for (const rel of site.pages) {
      const html = read(rel);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/href="\//);
      expect(html).toContain("default-src 'none'");
    }
  });

  it('escapes every string from the store', () => {
    const model = read('m/fraud/index.html');
    const version = read('m/fraud/1.2.0.html');
    for (const html of [model, version]) {
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;');
      expect(html.match(/<script>/g)).toHaveLength(1); // only the sorting script
    }
  });

  it('the model page: versions with metric columns, a chart point per version with the metric, stage moves, targets', () => {
    const html = read('m/fraud/index.html');
    expect(html).toMatch(/<th scope="col" class="num" aria-sort="none"><button type="button">auc<\/button><\/th>/);
    const points = [...html.matchAll(/<figure class="chart" data-metric="auc">[\s\S]*?<\/figure>/g)][0]![0];
    const found = [...points.matchAll(/data-version="([^"]+)" data-value="([^"]+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(found).toEqual(Object.entries(FRAUD_METRICS).map(([v, m]) => [v, m.auc]));
    expect(html).toMatch(/data-version="1.0.0" data-stage="production"/);
    expect(html).toMatch(/data-version="1.3.0" data-stage="staging"/);
    const f1 = [...html.matchAll(/<figure class="chart" data-metric="f1">[\s\S]*?<\/figure>/g)][0]![0];
    expect([...f1.matchAll(/<circle/g)]).toHaveLength(3); // 1.2.0 has no f1
    expect(html).toMatch(/<table id="targets">[\s\S]*box[\s\S]*1\.1\.0[\s\S]*succeeded[\s\S]*in production/);
    expect(html).toMatch(/<table id="timeline">[\s\S]*promoted to <span class="stage">production<\/span>/);
  });

  it('the version page: metrics with deltas against the previous version and production, lineage both ways, artifacts', () => {
    const html = read('m/fraud/1.3.0.html');
    expect(html).toMatch(/<td>auc<\/td><td class="num" data-value="0.93">0.93<\/td><td class="num"><span class="up">\+0.07<\/span><\/td><td class="num"><span class="up">\+0.02<\/span><\/td>/);
    expect(html).toMatch(/vs production \(1\.1\.0\)/);
    expect(html).toMatch(/<table id="lineage-up">[\s\S]*href="\.\.\/fraud\/1\.2\.0\.html"[\s\S]*href="\.\.\/transactions\/2\.0\.0\.html"/);
    expect(html).toMatch(/<table class="sortable" id="artifacts">[\s\S]*weights\.bin[\s\S]*256 B/);
    const first = read('m/fraud/1.0.0.html');
    expect(first).toMatch(/<table id="lineage-down">[\s\S]*fraud@1\.1\.0/);
  });

  it('the data set page: what was made from it, with stages', () => {
    const html = read('m/transactions/index.html');
    expect(html).toMatch(/<h2>Made from it<\/h2><table id="impact">[\s\S]*fraud@1\.0\.0[\s\S]*production/);
    expect(html).not.toMatch(/<figure class="chart"/);
  });

  it('--model limits the pages, and links to names left out become text', async () => {
    const only = join(tempDir(), 'only');
    const r = await cliPasses(p.dir, ['report', '--out', only, '--model', 'fraud', '--json']);
    expect(r.json.models).toEqual(['fraud']);
    expect(readdirSync(join(only, 'm'))).toEqual(['fraud']);
    const html = readFileSync(join(only, 'm/fraud/1.3.0.html'), 'utf8');
    expect(html).not.toContain('../transactions/');
    expect(html).toContain('transactions@2.0.0');
  });

  it('refuses a missing --out and an unknown model', async () => {
    await cliFails(p.dir, ['report'], 2, /--out: give the directory/);
    await cliFails(p.dir, ['report', '--out', join(tempDir(), 'x'), '--model', 'nope'], 1, /model nope has no versions/);
  });
});

describe('mreg report: what the version page adds to the manifest', () => {
  it('draws the lineage graph with a node per version up and down, linking to their pages', () => {
    const html = read('m/fraud/1.2.0.html');
    const svg = html.match(/<figure class="lineage-graph">[\s\S]*?<\/figure>/)![0];
    const nodes = [...svg.matchAll(/class="node (root|up|down) [a-z]+" data-id="([^"]+)"(?: href="([^"]+)")?/g)].map((m) => [m[1], m[2], m[3]]);
    expect(nodes).toEqual([
      ['root', 'fraud@1.2.0', undefined],
      ['up', 'fraud@1.1.0', '../fraud/1.1.0.html'],
      ['up', 'transactions@2.0.0', '../transactions/2.0.0.html'],
      ['down', 'fraud@1.3.0', '../fraud/1.3.0.html'],
      ['up', 'fraud@1.0.0', '../fraud/1.0.0.html'],
      ['up', 'transactions@1.0.0', '../transactions/1.0.0.html'],
    ]);
    expect(svg).toMatch(/<text class="relation"[^>]*>data<\/text>/);
  });
});

describe('mreg report run again into the same directory', () => {
  it('removes the pages it wrote before that this run did not write, and nothing else', async () => {
    const dir = join(tempDir(), 'again');
    const first = (await cliPasses(p.dir, ['report', '--out', dir, '--json'])).json;
    expect(first.removed).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, '.mreg-report.json'), 'utf8')).pages).toEqual([...first.pages].sort());
    // Files the report did not write stay, even beside its pages.
    writeFileSync(join(dir, 'CNAME'), 'models.example.com\n');
    writeFileSync(join(dir, 'm', 'transactions', 'notes.txt'), 'mine\n');
    const second = await cliPasses(p.dir, ['report', '--out', dir, '--model', 'fraud']);
    expect(second.stdout).toMatch(/^wrote 6 pages for 1 name, removed 3 pages an earlier report wrote\n/);
    expect(existsSync(join(dir, 'm', 'transactions', '1.0.0.html'))).toBe(false);
    expect(existsSync(join(dir, 'm', 'transactions', 'index.html'))).toBe(false);
    expect(readFileSync(join(dir, 'm', 'transactions', 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(dir, 'CNAME'), 'utf8')).toBe('models.example.com\n');
    expect(readdirSync(join(dir, 'm', 'fraud')).sort()).toEqual(['1.0.0.html', '1.1.0.html', '1.2.0.html', '1.3.0.html', 'index.html']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A model's folder goes with its last page when nothing else is in it.
    const third = (await cliPasses(p.dir, ['report', '--out', dir, '--model', 'transactions', '--json'])).json;
    expect(third.removed.sort()).toEqual(['m/fraud/1.0.0.html', 'm/fraud/1.1.0.html', 'm/fraud/1.2.0.html', 'm/fraud/1.3.0.html', 'm/fraud/index.html']);
    expect(existsSync(join(dir, 'm', 'fraud'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, '.mreg-report.json'), 'utf8')).pages).toEqual([...third.pages].sort());
  });

  it('reads its list of pages as hostile: never removes outside the directory, through a symlink, or what is not a page', async () => {
    const base = tempDir();
    const dir = join(base, 'site');
    const outside = join(base, 'outside');
    mkdirSync(join(outside, 'deep'), { recursive: true });
    writeFileSync(join(base, 'victim.html'), 'keep\n');
    writeFileSync(join(outside, 'deep', 'x.html'), 'keep\n');
    mkdirSync(join(dir, 'm'), { recursive: true });
    symlinkSync(join(outside, 'deep'), join(dir, 'm', 'linked'));
    writeFileSync(join(dir, 'data.json'), '{}\n');
    writeFileSync(
      join(dir, '.mreg-report.json'),
      JSON.stringify({ pages: ['../victim.html', 'm/linked/x.html', 'data.json', '/etc/hostname', 'm/../../victim.html', 42, 'm/x/../../../victim.html'] }),
    );
    const r = (await cliPasses(p.dir, ['report', '--out', dir, '--model', 'transactions', '--json'])).json;
    expect(r.removed).toEqual([]);
    expect(readFileSync(join(base, 'victim.html'), 'utf8')).toBe('keep\n');
    expect(readFileSync(join(outside, 'deep', 'x.html'), 'utf8')).toBe('keep\n');
    expect(readFileSync(join(dir, 'data.json'), 'utf8')).toBe('{}\n');
    // A damaged list is no list: nothing removed, and the run rewrites it.
    writeFileSync(join(dir, '.mreg-report.json'), '{"pages": [');
    expect((await cliPasses(p.dir, ['report', '--out', dir, '--model', 'transactions', '--json'])).json.removed).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, '.mreg-report.json'), 'utf8')).pages).toContain('index.html');
  });
});

// Last: it registers another name, which the tests above do not expect.
describe('mreg report: the scan of a version registered with --allow-unsafe', () => {
  it('scans each stored file again and shows the verdict, with what register let in with --allow-unsafe', async () => {
    for (const f of ['os_system_p4.pkl', 'benign_dict_p5.pkl']) copyFileSync(join(PICKLES, f), join(p.dir, f));
    await cliPasses(p.dir, ['register', 'risky', 'os_system_p4.pkl', 'benign_dict_p5.pkl', '--version', '1.0.0', '--allow-unsafe']);
    const dir = join(tempDir(), 'risky');
    await cliPasses(p.dir, ['report', '--out', dir, '--model', 'risky']);
    const html = readFileSync(join(dir, 'm/risky/1.0.0.html'), 'utf8');
    expect(html).toMatch(/Registered with --allow-unsafe: os_system_p4\.pkl was found unsafe/);
    const rows = [...html.match(/<table id="scan">[\s\S]*?<\/table>/)![0].matchAll(/<tr><td><code>([^<]+)<\/code><\/td><td data-value="([a-z_]+)">/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ['benign_dict_p5.pkl', 'safe'],
      ['os_system_p4.pkl', 'unsafe'],
    ]);
    expect(html).toMatch(/imports posix\.system/);
  });
});
