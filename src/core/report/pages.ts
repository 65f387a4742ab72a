// The pages of the web view, as pure functions of plain data (data.ts): the models, a model (versions
// table, metric charts, stage timeline, deploy targets), a version, and for data sets what was made
// from them. The same pages are written by `mreg report` and served by `mreg ui`.
import { RELATION_LABELS, KIND_NOUNS } from '../manifest/lineage.js';
import type { Relation } from '../manifest/types.js';
import { metricChart, type StageMove } from './chart.js';
import { lineageSvg } from './lineage-graph.js';
import { numericMetrics, type ModelSummary, type ModelView, type VersionView } from './data.js';
import { bytes, esc, href, jsonText, num, page, stageBadges, table, type Cell } from './html.js';

/** Where each page lives, relative to the site's root; every page of a model sits two levels down. */
export const paths = {
  index: () => 'index.html',
  model: (name: string) => `m/${name}/index.html`,
  version: (name: string, version: string) => `m/${name}/${version}.html`,
};

export interface PageOptions {
  /** when the pages were drawn (shown in the footer) */
  generated?: string;
  /** names whose pages exist: links to others are left out (a report limited with --model) */
  linked?: (name: string) => boolean;
}

const ROOT = '../../';
const linkable = (opts: PageOptions, name: string) => opts.linked?.(name) ?? true;
const versionLink = (opts: PageOptions, name: string, version: string, label = `${name}@${version}`) =>
  linkable(opts, name) ? `<a href="${esc(href('..', name, `${version}.html`))}">${esc(label)}</a>` : esc(label);
const time = (iso: string | null | undefined) => (iso ? `<time datetime="${esc(iso)}">${esc(iso.replace(/\.\d+Z$/, 'Z').replace('T', ' '))}</time>` : '');

export function renderIndex(models: readonly ModelSummary[], opts: PageOptions = {}): string {
  const rows: Cell[][] = models.map((m) => [
    { html: `<a href="${esc(href('m', m.name, 'index.html'))}">${esc(m.name)}</a>`, value: m.name },
    { html: esc(KIND_NOUNS[m.kind]?.one ?? m.kind), value: m.kind },
    { html: `<a href="${esc(href('m', m.name, `${m.latest}.html`))}">${esc(m.latest)}</a>`, value: m.latest },
    { html: esc(m.versions), value: m.versions, numeric: true },
    { html: Object.entries(m.by_stage).map(([stage, vs]) => `${stageBadges([stage])} ${esc(vs.join(', '))}`).join('<br>') },
    { html: m.live.map((l) => `${esc(l.target)}: ${esc(l.version)}`).join('<br>') || '<span class="muted">none</span>' },
  ]);
  const body =
    models.length === 0
      ? '<h1>Registry</h1><p>No models registered yet: <code>mreg register &lt;model&gt; &lt;files&gt;</code>.</p>'
      : `<h1>Registry</h1><p class="muted">${models.length} name${models.length === 1 ? '' : 's'}</p>
${table(
  [{ label: 'Name', sortable: true }, { label: 'Kind', sortable: true }, { label: 'Latest', sortable: true }, { label: 'Versions', sortable: true, numeric: true }, { label: 'Stages' }, { label: 'Live' }],
  rows,
  { id: 'models', filterable: true },
)}`;
  return page({ title: 'Registry', root: '', crumbs: [{ label: 'models' }], body, ...(opts.generated ? { generated: opts.generated } : {}) });
}

/** Stage moves to mark on the charts: each promote into a stage (the last move per version and stage). */
function stageMoves(view: ModelView): StageMove[] {
  const seen = new Set<string>();
  const out: StageMove[] = [];
  for (const e of view.timeline) {
    if (e.event !== 'promote' || typeof e.stage !== 'string') continue;
    const key = `${e.version}\0${e.stage}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ version: e.version, stage: e.stage });
  }
  return out;
}

function timelineText(e: ModelView['timeline'][number]): string {
  const stage = typeof e.stage === 'string' ? e.stage : '';
  switch (e.event) {
    case 'register':
      return 'registered';
    case 'promote':
      return `promoted to ${stageBadges([stage])}${e.left?.length ? ` <span class="muted">(left ${esc(e.left.join(', '))})</span>` : ''}${e.displaced?.length ? ` <span class="muted">(displaced ${esc(e.displaced.map((d) => `${d.version}${d.to ? ` to ${d.to}` : ''}`).join(', '))})</span>` : ''}`;
    case 'demote':
      return `removed from ${stageBadges([stage])}`;
    case 'deploy':
    case 'rollback':
      return `${esc(e.event)} to ${esc(e.target)}: ${esc(e.phase)}${typeof e.error === 'string' ? ` <span class="bad">${esc(e.error)}</span>` : ''}`;
    default:
      return esc(e.event);
  }
}

export function renderModel(view: ModelView, opts: PageOptions = {}): string {
  const noun = KIND_NOUNS[view.kind]?.one ?? view.kind;
  const newestFirst = [...view.versions].reverse();
  const columns = [
    { label: 'Version', sortable: true },
    { label: 'Stages', sortable: true },
    ...view.headline.map((m) => ({ label: m, sortable: true, numeric: true })),
    { label: 'Created', sortable: true },
    { label: 'By', sortable: true },
    { label: 'Message' },
  ];
  const order = new Map(view.versions.map((v, i) => [v.manifest.version, i]));
  const rows: Cell[][] = newestFirst.map((v) => {
    const m = v.manifest;
    const metrics = numericMetrics(m.metrics);
    return [
      { html: `<a href="${esc(href(`${m.version}.html`))}">${esc(m.version)}</a>${m.pruned ? ' <span class="muted">(pruned)</span>' : ''}`, value: order.get(m.version)! },
      { html: stageBadges(m.stages), value: m.stages.join(',') },
      ...view.headline.map((name) => (metrics[name] === undefined ? { html: '', value: '' } : { html: esc(num(metrics[name]!)), value: metrics[name]! })),
      { html: time(m.created_at), value: m.created_at },
      { html: esc(m.actor), value: m.actor },
      { html: esc(m.message?.split('\n')[0] ?? '') },
    ];
  });
  const moves = stageMoves(view);
  const versions = view.versions.map((v) => v.manifest.version);
  const charts = view.headline
    .map((metric, i) => {
      const points = view.versions.flatMap((v) => {
        const value = numericMetrics(v.manifest.metrics)[metric];
        return value === undefined ? [] : [{ version: v.manifest.version, value }];
      });
      return points.length === 0 ? '' : metricChart({ id: `chart-${i}`, metric, versions, points, moves });
    })
    .join('\n');
  const timeline = view.timeline.filter((e) => ['register', 'promote', 'demote', 'deploy', 'rollback'].includes(e.event) && !(e.event === 'deploy' && e.phase === 'started') && !(e.event === 'rollback' && e.phase === 'started'));
  const timelineTable = table(
    [{ label: 'When' }, { label: 'Version' }, { label: 'What' }, { label: 'By' }, { label: 'Reason' }],
    timeline.map((e) => [{ html: time(e.time) }, { html: versionLink(opts, view.name, e.version, e.version) }, { html: timelineText(e) }, { html: esc(e.actor) }, { html: esc(e.reason ?? '') }]),
    { id: 'timeline' },
  );
  const targets = view.targets.length
    ? table(
        [{ label: 'Target' }, { label: 'Live' }, { label: 'Deployed' }, { label: 'Last outcome' }, { label: 'Drift' }],
        view.targets.map((t) => [
          { html: esc(t.target) },
          { html: t.live ? versionLink(opts, view.name, t.live, t.live) : '<span class="muted">nothing</span>' },
          { html: t.deployed_at ? `${time(t.deployed_at)} by ${esc(t.deployed_by)}` : '' },
          { html: t.last ? `${esc(t.last.event)} of ${esc(t.last.version)}: <span class="${t.last.phase === 'succeeded' ? 'up' : 'bad'}">${esc(t.last.phase)}</span>${t.last.failed_step ? ` at ${esc(t.last.failed_step)}` : ''}${t.last.error ? `: ${esc(t.last.error)}` : ''} ${time(t.last.time)}` : '' },
          { html: t.drift === null ? '<span class="muted">no stage</span>' : t.drift ? `<span class="bad">live version is not in ${esc(t.stage)}</span>` : `in ${esc(t.stage)}` },
        ]),
        { id: 'targets' },
      )
    : '<p class="muted">No deploys recorded.</p>';
  const made = view.kind === 'model' ? '' : madeFrom(view, opts);
  const body = `<h1>${esc(view.name)}</h1>
<p class="muted">${esc(noun)}, ${view.versions.length} version${view.versions.length === 1 ? '' : 's'}${view.production ? `; ${esc(view.production.stage)}: ${versionLink(opts, view.name, view.production.version, view.production.version)}` : ''}</p>
<h2 id="versions-heading">Versions</h2>
${table(columns, rows, { id: 'versions', filterable: true })}
${charts ? `<h2>Metrics over versions</h2><p class="muted">Dashed lines mark versions promoted into a stage.</p><div class="charts">${charts}</div>` : ''}
${made}
<h2>Stage timeline</h2>
${timeline.length ? timelineTable : '<p class="muted">No events.</p>'}
<h2>Deploy targets</h2>
${targets}`;
  return page({ title: view.name, root: ROOT, crumbs: [{ label: view.name }], body, ...(opts.generated ? { generated: opts.generated } : {}) });
}

/** The impact view of a data set, feature set or pipeline: every version made from each of its versions. */
function madeFrom(view: ModelView, opts: PageOptions): string {
  const rows: Cell[][] = [];
  for (const v of [...view.versions].reverse()) {
    for (const a of v.impact ?? []) {
      rows.push([{ html: esc(v.manifest.version) }, { html: versionLink(opts, a.model, a.version) }, { html: esc(KIND_NOUNS[a.kind]?.one ?? a.kind) }, { html: stageBadges(a.stages) }, { html: `<code>${esc(a.path.join(' -> '))}</code>` }]);
    }
  }
  return `<h2>Made from it</h2>${rows.length ? table([{ label: 'Of version' }, { label: 'Made' }, { label: 'Kind' }, { label: 'Stages' }, { label: 'Path' }], rows, { id: 'impact' }) : '<p class="muted">Nothing registered was made from it.</p>'}`;
}

function delta(now: number, before: number | undefined, direction: 'higher' | 'lower' | undefined): string {
  if (before === undefined) return '';
  const d = now - before;
  if (d === 0) return '<span class="muted">0</span>';
  const better = direction === undefined ? undefined : direction === 'higher' ? d > 0 : d < 0;
  const cls = better === undefined ? '' : better ? 'up' : 'down';
  return `<span class="${cls}">${d > 0 ? '+' : ''}${esc(num(d))}</span>`;
}

function tensorsTable(caption: string, tensors: readonly { name: string; dtype: string; shape: readonly (number | string)[]; optional?: true }[]): string {
  if (tensors.length === 0) return '';
  return `<h3>${esc(caption)}</h3>${table(
    [{ label: 'Name' }, { label: 'Type' }, { label: 'Shape' }],
    tensors.map((t) => [{ html: `${esc(t.name)}${t.optional ? ' <span class="muted">(optional)</span>' : ''}` }, { html: `<code>${esc(t.dtype)}</code>` }, { html: `<code>[${esc(t.shape.join(', '))}]</code>` }]),
  )}`;
}

function lineageSection(v: VersionView, opts: PageOptions): string {
  const l = v.lineage;
  if (!l) return '<p class="muted">No lineage recorded.</p>';
  // An upstream node's relation is that of the edges leaving it; a downstream node's, of those reaching it.
  const relationOf = (id: string, dir: 'up' | 'down') => l.edges.filter((e) => (dir === 'up' ? e.from === id : e.to === id)).map((e) => RELATION_LABELS[e.relation as Relation] ?? e.relation);
  const node = (n: (typeof l.nodes)[number]) =>
    n.name !== undefined && n.version !== undefined && n.kind !== 'missing' ? versionLink(opts, n.name, n.version) : `<code>${esc(n.uri ?? n.id)}</code>${n.kind === 'missing' ? ' <span class="bad">(not in this store)</span>' : ''}`;
  const list = (dir: 'up' | 'down') => {
    const nodes = l.nodes.filter((n) => n.direction === dir);
    if (nodes.length === 0) return `<p class="muted">${dir === 'up' ? 'Nothing recorded.' : 'Nothing registered was made from it.'}</p>`;
    return table(
      [{ label: 'Version or URI' }, { label: 'Kind' }, { label: 'Relation' }, { label: 'Distance', numeric: true }, { label: 'Stages' }],
      nodes.map((n) => [{ html: node(n) }, { html: esc(KIND_NOUNS[n.kind as keyof typeof KIND_NOUNS]?.one ?? n.kind) }, { html: esc([...new Set(relationOf(n.id, dir))].join(', ')) }, { html: esc(n.distance) }, { html: stageBadges(n.stages ?? []) }]),
      { id: `lineage-${dir}` },
    );
  };
  const graph = l.nodes.length > 1 ? lineageSvg(l, (name, version) => (linkable(opts, name) ? href('..', name, `${version}.html`) : undefined)) : '';
  return `${graph}<h3>Upstream: made from</h3>${list('up')}<h3>Downstream: made from it</h3>${list('down')}`;
}

const SCAN_WORDS: Record<string, string> = {
  safe: '<span class="up">safe</span>',
  warning: '<span class="warn">review</span>',
  unsafe: '<span class="bad">unsafe: runs code when loaded</span>',
  not_scanned: '<span class="muted">not scanned</span>',
};

/** The scanner's verdict on each artifact now, with what register recorded (files let in with --allow-unsafe). */
function scanSection(v: VersionView): string {
  const m = v.manifest;
  const allowed = new Map((m.unsafe_allowed ?? []).map((u) => [u.path, u.globals]));
  const recorded = allowed.size
    ? `<p class="bad">Registered with --allow-unsafe: ${esc([...allowed.keys()].join(', '))} ${allowed.size === 1 ? 'was' : 'were'} found unsafe and stored anyway.</p>`
    : '<p>Register refused every file that would run code when loaded; none was let in with --allow-unsafe.</p>';
  if (!v.scan) return recorded;
  const rows: Cell[][] = v.scan.map((s) => [
    { html: `<code>${esc(s.path)}</code>` },
    { html: SCAN_WORDS[s.status] ?? esc(s.status), value: s.status },
    { html: s.globals.length ? `<code>${esc(s.globals.join(', '))}</code>` : '<span class="muted">none</span>' },
    { html: [...(s.reason ? [esc(s.reason)] : []), ...s.findings.map((f) => `${esc(f.severity)}: ${esc(f.message)}`)].join('<br>') },
  ]);
  return `${recorded}<p class="muted">Each stored file scanned again when this page was drawn (<code>mreg scan ${esc(m.name)}@${esc(m.version)}</code>), without loading it.</p>${table(
    [{ label: 'Path' }, { label: 'Verdict' }, { label: 'Imports' }, { label: 'Findings' }],
    rows,
    { id: 'scan' },
  )}`;
}

export function renderVersion(view: ModelView, version: string, opts: PageOptions = {}): string | undefined {
  const index = view.versions.findIndex((v) => v.manifest.version === version);
  if (index < 0) return undefined;
  const v = view.versions[index]!;
  const m = v.manifest;
  const previous = index > 0 ? view.versions[index - 1]!.manifest : undefined;
  const prod = view.production && view.production.version !== version ? view.versions.find((x) => x.manifest.version === view.production!.version)?.manifest : undefined;
  const now = numericMetrics(m.metrics);
  const before = previous ? numericMetrics(previous.metrics) : {};
  const inProd = prod ? numericMetrics(prod.metrics) : {};
  const metricRows: Cell[][] = Object.entries(m.metrics).map(([k, value]) => {
    const n = now[k];
    return [
      { html: esc(k) },
      { html: esc(n === undefined ? jsonText(value) : num(n)), value: n ?? jsonText(value), numeric: true },
      { html: n === undefined ? '' : delta(n, before[k], view.directions[k]), numeric: true },
      { html: n === undefined ? '' : delta(n, inProd[k], view.directions[k]), numeric: true },
    ];
  });
  const metrics = metricRows.length
    ? table(
        [{ label: 'Metric' }, { label: 'Value', numeric: true }, { label: previous ? `vs ${previous.version}` : 'vs previous', numeric: true }, { label: prod ? `vs ${view.production!.stage} (${prod.version})` : `vs ${view.production?.stage ?? 'production'}`, numeric: true }],
        metricRows,
        { id: 'metrics' },
      )
    : '<p class="muted">No metrics.</p>';
  const kv = (map: Record<string, unknown> | undefined, id: string) =>
    map && Object.keys(map).length ? table([{ label: 'Key' }, { label: 'Value' }], Object.entries(map).map(([k, val]) => [{ html: esc(k) }, { html: `<code>${esc(jsonText(val))}</code>` }]), { id }) : '<p class="muted">None.</p>';
  const artifacts = table(
    [{ label: 'Path', sortable: true }, { label: 'Size', sortable: true, numeric: true }, { label: 'SHA-256' }],
    m.artifacts.map((a) => [{ html: `<code>${esc(a.path)}</code>`, value: a.path }, { html: esc(bytes(a.size)), value: a.size }, { html: `<code class="hash">${esc(a.sha256)}</code>` }]),
    { id: 'artifacts' },
  );
  const schemas = Object.entries(m.schema ?? {});
  const declared = m.signature ? [['declared signature', { inputs: m.signature.inputs, outputs: m.signature.outputs }] as const] : [];
  const iface = [...schemas.map(([path, s]) => [`${path} (${s.format})`, s] as const), ...declared]
    .map(([title, s]) => `<h3><code>${esc(title)}</code></h3>${tensorsTable('Inputs', s.inputs)}${tensorsTable('Outputs', s.outputs)}`)
    .join('');
  const c = v.changelog;
  const changelog = c
    ? `<p>${c.type ? `${esc(c.type)} step from ${esc(c.previous ?? 'nothing')}` : 'first version'}</p>${c.changes.length ? `<ul>${c.changes.map((ch) => `<li><strong>${esc(ch.type)}</strong>: ${esc(ch.summary)}</li>`).join('')}</ul>` : ''}${
        c.findings.length ? `<h3>Interface changes</h3><ul>${c.findings.map((f) => `<li>${esc(f.bump)}: ${esc(f.message)}</li>`).join('')}</ul>` : ''
      }${c.migration.length ? `<h3>Migration</h3><ul>${c.migration.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>` : ''}`
    : '<p class="muted">No entry.</p>';
  const signatures = v.signatures.length
    ? table([{ label: 'Key' }, { label: 'Signed by' }, { label: 'When' }], v.signatures.map((s) => [{ html: `<code>${esc(s.key)}</code>` }, { html: esc(s.actor) }, { html: time(s.time) }]), { id: 'signatures' })
    : '<p class="muted">Not signed.</p>';
  const checks = v.checks.length
    ? table([{ label: 'Check' }, { label: 'Result' }, { label: 'When' }], v.checks.map((s) => [{ html: esc(s.check) }, { html: s.passed ? '<span class="up">passed</span>' : '<span class="bad">failed</span>' }, { html: time(s.time) }]), { id: 'checks' })
    : '<p class="muted">No checks recorded.</p>';
  const scan = scanSection(v);
  const warned = Object.entries(m.scan ?? {}).filter(([, verdict]) => verdict === 'warning').map(([path]) => path);
  const scanWarnings = warned.length ? `<p class="bad">Stored with a scan warning (review their imports with mreg scan): ${warned.map((p) => `<code>${esc(p)}</code>`).join(', ')}</p>` : '';
  const facts = [
    ['Hash', `<code>${esc(m.hash)}</code>`],
    ['Digest', `<code class="hash">${esc(m.digest)}</code>`],
    ['Created', `${time(m.created_at)} by ${esc(m.actor)}`],
    ['Stages', stageBadges(m.stages) || '<span class="muted">none</span>'],
    ...(m.git ? [['Git', `<code>${esc(m.git.commit.slice(0, 12))}</code>${m.git.branch ? ` on ${esc(m.git.branch)}` : ''}${m.git.dirty ? ' (dirty)' : ''}`]] : []),
    ...(m.pruned ? [['Pruned', `${time(m.pruned.time)} by ${esc(m.pruned.actor)}: its files are gone`]] : []),
  ];
  const nav = `<p>${previous ? `<a href="${esc(href(`${previous.version}.html`))}" rel="prev">&larr; ${esc(previous.version)}</a>` : ''} ${index < view.versions.length - 1 ? `<a href="${esc(href(`${view.versions[index + 1]!.manifest.version}.html`))}" rel="next">${esc(view.versions[index + 1]!.manifest.version)} &rarr;</a>` : ''}</p>`;
  const made = v.impact ? `<h2>Made from it (impact)</h2>${v.impact.length ? table([{ label: 'Version' }, { label: 'Kind' }, { label: 'Stages' }, { label: 'Path' }], v.impact.map((a) => [{ html: versionLink(opts, a.model, a.version) }, { html: esc(a.kind) }, { html: stageBadges(a.stages) }, { html: `<code>${esc(a.path.join(' -> '))}</code>` }]), { id: 'impact' }) : '<p class="muted">Nothing.</p>'}` : '';
  const body = `<h1>${esc(m.name)}@${esc(m.version)}</h1>
${m.message ? `<p>${esc(m.message)}</p>` : ''}
${nav}
<dl>${facts.map(([k, val]) => `<dt>${esc(k)}</dt><dd>${val}</dd>`).join('')}</dl>
<h2>Metrics</h2>
${metrics}
<h2>Params</h2>
${kv(m.params, 'params')}
<h2>Tags</h2>
${kv(m.tags, 'tags')}
<h2>Artifacts</h2>
${artifacts}
<h2>Interface</h2>
${iface || '<p class="muted">No interface read or declared.</p>'}
<h2>Lineage</h2>
${lineageSection(v, opts)}
${made}
<h2>Changelog</h2>
${changelog}
<h2>Signatures</h2>
${signatures}
<h2>Checks</h2>
${checks}
<h2>Scan</h2>
${scan}${scanWarnings}
${v.card ? `<h2>Model card</h2><details id="card"${v.card.hand_written ? ' open' : ''}><summary>${v.card.hand_written ? 'Hand-written card, with the recorded facts' : 'Generated from the manifest'} (<code>mreg card ${esc(m.name)}@${esc(m.version)}</code>)</summary><pre>${esc(v.card.markdown)}</pre></details>` : ''}
${m.training || m.framework || m.requirements || m.architecture ? `<h2>Training and environment</h2>${kv({ ...(m.architecture ? { architecture: m.architecture } : {}), ...(m.framework ? { framework: m.framework } : {}), ...(m.training ? { training: m.training } : {}), ...(m.requirements ? { requirements: m.requirements } : {}) }, 'environment')}` : ''}`;
  return page({ title: `${m.name}@${m.version}`, root: ROOT, crumbs: [{ label: m.name, href: 'index.html' }, { label: m.version }], body, ...(opts.generated ? { generated: opts.generated } : {}) });
}
