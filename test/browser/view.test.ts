// The web view in a real headless Chromium (Debian's chromium, driven by puppeteer-core): what a person
// sees on the pages of `mreg ui` and of `mreg report` opened from file://, and that no request leaves
// the machine. Without chromium these tests skip, saying why on one line; with CI set they fail instead.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { serveUi, type UiHandle } from '../../src/api/ui.js';
import { cliPasses, ROOT, tempDir } from '../helpers/cli.js';
import { randomContent, type Project } from '../helpers/store.js';
import { viewProject } from '../helpers/view-fixture.js';

function findChromium(): string | undefined {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const CHROMIUM = findChromium();
const WHY = 'no chromium on this machine (apt-get install -y chromium); .ci/run installs it';
const ARTIFACTS = join(ROOT, 'test', 'artifacts');

if (!CHROMIUM && !process.env.CI) console.warn(`test/browser skipped: ${WHY}`);

if (!CHROMIUM && process.env.CI) {
  describe('the browser tests in CI', () => {
    it('need chromium', () => {
      throw new Error(`CI never skips the browser tests: ${WHY}`);
    });
  });
}

describe.skipIf(!CHROMIUM)(`the web view in headless Chromium${CHROMIUM ? '' : ` (skipped: ${WHY})`}`, () => {
  let p: Project;
  let ui: UiHandle;
  let browser: Browser;
  /** every URL the browser asked for, and those it was refused because they left the machine */
  const requested: string[] = [];
  const refused: string[] = [];

  async function open(url: string, opts: { javaScript?: boolean } = {}): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    if (opts.javaScript === false) await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const u = req.url();
      requested.push(u);
      const local = u.startsWith('file://') || new URL(u).hostname === '127.0.0.1';
      if (local) void req.continue();
      else {
        refused.push(u);
        void req.abort();
      }
    });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    const res = await page.goto(url, { waitUntil: 'load' });
    if (url.startsWith('http')) expect(res?.status(), url).toBe(200);
    expect(errors).toEqual([]);
    return page;
  }

  const cellsOf = (page: Page, selector: string) =>
    page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...(r as unknown as { cells: Iterable<{ innerText: string }> }).cells].map((c) => c.innerText.trim())));

  beforeAll(async () => {
    const { launch } = await import('puppeteer-core');
    p = await viewProject();
    ui = await serveUi({ cwd: p.dir, port: 0 });
    browser = await launch({ executablePath: CHROMIUM!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('the models page lists every name with its kind, latest version and stages', async () => {
    const page = await open(ui.url);
    expect(await page.title()).toBe('Registry - mreg');
    const rows = await cellsOf(page, '#models');
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ['fraud', 'model', '1.3.0', '4'],
      ['transactions', 'data set', '2.0.0', '2'],
    ]);
    expect(rows[0]![4]).toMatch(/production\s+1\.1\.0/);
    expect(rows[0]![5]).toBe('box: 1.1.0');
    await page.screenshot({ path: join(ARTIFACTS, 'models.png'), fullPage: true });
    await page.close();
  });

  it("a version page shows its metrics with deltas, and its lineage both ways, with working links", async () => {
    const page = await open(new URL('m/fraud/1.3.0.html', ui.url).href);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('fraud@1.3.0');
    const metrics = await cellsOf(page, '#metrics');
    expect(metrics).toEqual([
      ['auc', '0.93', '+0.07', '+0.02'],
      ['f1', '0.85', '', '+0.02'],
    ]);
    const up = await cellsOf(page, '#lineage-up');
    expect(up.map((r) => r[0])).toEqual(['fraud@1.2.0', 'transactions@2.0.0', 'fraud@1.1.0', 'fraud@1.0.0', 'transactions@1.0.0']);
    expect(up.map((r) => `${r[1]} ${r[2]}`)).toEqual(['model parent', 'data set data', 'model parent', 'model parent', 'data set data']);
    await page.screenshot({ path: join(ARTIFACTS, 'version.png'), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('#lineage-up a[href="../transactions/2.0.0.html"]')]);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('transactions@2.0.0');
    const down = await cellsOf(page, '#lineage-down');
    expect(down.map((r) => r[0])).toEqual(['fraud@1.2.0', 'fraud@1.3.0']);
    await page.close();
  });

  it('a version page draws its lineage graph: what it was made from left, what was made from it right, each a link by click or keyboard', async () => {
    const page = await open(new URL('m/fraud/1.2.0.html', ui.url).href);
    const nodes = await page.$$eval('figure.lineage-graph .node', (els) =>
      els.map((el) => {
        const box = (el.querySelector('rect') as unknown as { getBoundingClientRect(): { x: number } }).getBoundingClientRect();
        return { id: el.getAttribute('data-id'), label: el.querySelector('text')!.textContent, x: Math.round(box.x), link: el.tagName === 'a' ? el.getAttribute('href') : null };
      }),
    );
    const at = (id: string) => nodes.find((n) => n.id === id)!;
    expect(nodes.map((n) => n.label).sort()).toEqual(['fraud@1.0.0', 'fraud@1.1.0', 'fraud@1.2.0', 'fraud@1.3.0', 'transactions@1.0.0', 'transactions@2.0.0']);
    expect(at('fraud@1.0.0').x).toBeLessThan(at('fraud@1.1.0').x);
    expect(at('fraud@1.1.0').x).toBeLessThan(at('fraud@1.2.0').x);
    expect(at('fraud@1.2.0').x).toBeLessThan(at('fraud@1.3.0').x);
    expect(at('fraud@1.2.0').link).toBeNull(); // the page itself
    expect(await page.$eval('figure.lineage-graph desc', (d) => d.textContent)).toBe('fraud@1.2.0: made from 4 versions or URIs, 1 made from it.');
    const edges = await page.$$eval('figure.lineage-graph .edge', (gs) => gs.map((g) => `${g.getAttribute('data-from')} ${g.querySelector('text')!.textContent} ${g.getAttribute('data-to')}`));
    expect(edges).toContain('transactions@2.0.0 data fraud@1.2.0');
    expect(edges).toContain('fraud@1.2.0 parent fraud@1.3.0');
    // Tab reaches the graph's links; Enter follows one.
    let focused = '';
    for (let i = 0; i < 60 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate("document.activeElement?.closest('figure.lineage-graph') ? (document.activeElement.getAttribute('data-id') ?? '') : ''"));
    }
    expect(focused).toBe('fraud@1.1.0');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('fraud@1.1.0');
    await Promise.all([page.waitForNavigation(), page.click('figure.lineage-graph a[data-id="transactions@1.0.0"]')]);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('transactions@1.0.0');
    await page.close();
  });

  it('a version page shows each stored file scanned again', async () => {
    const page = await open(new URL('m/fraud/1.3.0.html', ui.url).href);
    expect(await cellsOf(page, '#scan')).toEqual([['weights.bin', 'safe', 'none', expect.stringMatching(/^info: not a pickle-based format/)]]);
    await page.close();
  });

  it("the chart's points are the manifests' metrics, drawn higher for higher values, with the stage moves marked", async () => {
    const page = await open(new URL('m/fraud/', ui.url).href);
    const rows: { version: string; metrics: Record<string, number> }[] = (await cliPasses(p.dir, ['ls', 'fraud', '--json'])).json;
    const points = await page.$$eval('figure[data-metric="auc"] circle.point', (cs) =>
      cs.map((c) => ({ version: c.getAttribute('data-version'), value: Number(c.getAttribute('data-value')), x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')), title: c.textContent })),
    );
    const expected = rows.filter((r) => r.metrics.auc !== undefined).map((r) => ({ version: r.version, value: r.metrics.auc }));
    expect(points.map(({ version, value }) => ({ version, value }))).toEqual(expected);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.x).toBeGreaterThan(points[i - 1]!.x); // versions left to right
      expect(Math.sign(points[i - 1]!.y - points[i]!.y)).toBe(Math.sign(points[i]!.value - points[i - 1]!.value)); // higher is up
    }
    expect(points[0]!.title).toBe('1.0.0: 0.88');
    const moves = await page.$$eval('figure[data-metric="auc"] g.stage-move', (gs) => gs.map((g) => `${g.getAttribute('data-version')} ${g.textContent}`));
    expect(moves).toEqual(['1.0.0 staging', '1.0.0 production', '1.1.0 staging', '1.1.0 production', '1.3.0 staging']);
    const label = await page.$eval('figure[data-metric="auc"] figcaption', (f) => f.textContent);
    expect(label).toBe('auc');
    await page.screenshot({ path: join(ARTIFACTS, 'model.png'), fullPage: true });
    await page.close();
  });

  it('sorts the versions table by a metric with a click (or a key press), and back', async () => {
    const page = await open(new URL('m/fraud/', ui.url).href);
    const order = async () => (await cellsOf(page, '#versions')).map((r) => r[0]);
    expect(await order()).toEqual(['1.3.0', '1.2.0', '1.1.0', '1.0.0']);
    const auc = await page.$$eval('#versions thead th', (ths) => ths.findIndex((th) => th.textContent === 'auc'));
    await page.click(`#versions thead th:nth-child(${auc + 1}) button`);
    expect(await order()).toEqual(['1.3.0', '1.1.0', '1.0.0', '1.2.0']);
    expect(await page.$eval(`#versions thead th:nth-child(${auc + 1})`, (th) => th.getAttribute('aria-sort'))).toBe('descending');
    await page.focus(`#versions thead th:nth-child(${auc + 1}) button`);
    await page.keyboard.press('Enter');
    expect(await order()).toEqual(['1.2.0', '1.0.0', '1.1.0', '1.3.0']);
    // f1: the version without it goes last, whichever the direction
    const f1 = await page.$$eval('#versions thead th', (ths) => ths.findIndex((th) => th.textContent === 'f1'));
    await page.click(`#versions thead th:nth-child(${f1 + 1}) button`);
    expect(await order()).toEqual(['1.3.0', '1.1.0', '1.0.0', '1.2.0']);
    await page.click(`#versions thead th:nth-child(${f1 + 1}) button`);
    expect(await order()).toEqual(['1.0.0', '1.1.0', '1.3.0', '1.2.0']);
    await page.close();
  });

  it('filters the versions table as you type', async () => {
    const page = await open(new URL('m/fraud/', ui.url).href);
    const visible = () => page.$$eval('#versions tbody tr', (rows) => rows.filter((r) => !(r as unknown as { hidden: boolean }).hidden).map((r) => r.querySelector('td')!.textContent));
    await page.type('input.filter[aria-controls="versions"]', 'production');
    expect(await visible()).toEqual(['1.1.0']);
    await page.click('input.filter[aria-controls="versions"]', { clickCount: 3 });
    await page.keyboard.press('Backspace');
    expect(await visible()).toEqual(['1.3.0', '1.2.0', '1.1.0', '1.0.0']);
    await page.close();
  });

  it('reads fully with JavaScript off', async () => {
    const page = await open(new URL('m/fraud/', ui.url).href, { javaScript: false });
    expect((await cellsOf(page, '#versions')).length).toBe(4);
    expect(await page.$$eval('figure.chart', (fs) => fs.length)).toBe(2);
    expect(await page.$$eval('input.filter', (is) => is.length)).toBe(0); // no control that would do nothing
    await page.close();
  });

  it('a version registered while the server runs appears on reload', async () => {
    const page = await open(new URL('m/fraud/', ui.url).href);
    expect((await cellsOf(page, '#versions')).map((r) => r[0])).not.toContain('1.4.0');
    p.file('model/weights.bin', randomContent(300));
    await cliPasses(p.dir, ['register', 'fraud', 'model', '--version', '1.4.0', '--metric', 'auc=0.95', '-m', 'registered while serving']);
    await page.reload({ waitUntil: 'load' });
    const rows = await cellsOf(page, '#versions');
    expect(rows[0]![0]).toBe('1.4.0');
    expect(rows[0]).toContain('registered while serving');
    expect(await page.$$eval('figure[data-metric="auc"] circle.point', (cs) => cs.length)).toBe(5);
    await page.close();
  });

  it('the report opens from file:// with the same pages, links and sorting', async () => {
    const out = join(tempDir(), 'site');
    await cliPasses(p.dir, ['report', '--out', out]);
    const page = await open(pathToFileURL(join(out, 'index.html')).href);
    await Promise.all([page.waitForNavigation(), page.click('#models a[href="m/fraud/index.html"]')]);
    expect(page.url()).toMatch(/^file:\/\/.*\/m\/fraud\/index\.html$/);
    const auc = await page.$$eval('#versions thead th', (ths) => ths.findIndex((th) => th.textContent === 'auc'));
    await page.click(`#versions thead th:nth-child(${auc + 1}) button`);
    expect((await cellsOf(page, '#versions')).map((r) => r[0])).toEqual(['1.4.0', '1.3.0', '1.1.0', '1.0.0', '1.2.0']);
    await Promise.all([page.waitForNavigation(), page.click('#versions a[href="1.3.0.html"]')]);
    expect((await cellsOf(page, '#metrics'))[0]).toEqual(['auc', '0.93', '+0.07', '+0.02']);
    expect((await cellsOf(page, '#scan'))[0]!.slice(0, 2)).toEqual(['weights.bin', 'safe']);
    await Promise.all([page.waitForNavigation(), page.click('figure.lineage-graph a[data-id="transactions@2.0.0"]')]);
    expect(page.url()).toMatch(/^file:\/\/.*\/site\/m\/transactions\/2\.0\.0\.html$/);
    expect(await page.$$eval('figure.lineage-graph .node.down', (ns) => ns.map((n) => n.getAttribute('data-id')))).toEqual(['fraud@1.2.0', 'fraud@1.3.0']);
    await Promise.all([page.waitForNavigation(), page.click('header a')]);
    expect(page.url()).toMatch(/^file:\/\/.*\/site\/index\.html$/);
    await page.close();
  });

  it('no request left the machine', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(refused).toEqual([]);
    for (const u of requested) expect(u.startsWith('file://') || new URL(u).hostname === '127.0.0.1', u).toBe(true);
  });
});
