// Model cards in the Hugging Face format: YAML front matter (license, datasets, base_model, tags,
// model-index results from the metrics) and Markdown sections built from a version's manifest and
// lineage; a hand-written card stored with the version keeps its words and gains the recorded facts.
import { stringify } from 'yaml';
import { parseYamlText } from '../documents.js';
import type { LineageResult } from '../lineage/query.js';
import type { Manifest } from '../manifest/types.js';
import { KIND_NOUNS } from '../manifest/lineage.js';

import { CARD_PATH } from './card-path.js';

export { CARD_PATH, MAX_CARD_BYTES } from './card-path.js';

export interface CardInput {
  manifest: Manifest;
  /** the version's upstream lineage (what it was made from), when known */
  lineage: LineageResult | null;
  /** the hand-written card stored with the version, when there is one */
  handWritten?: string | undefined;
}

type FrontMatter = Record<string, unknown>;

/** Splits `---\nyaml\n---\nbody`; a card without front matter is all body. An unreadable block stays in the body. */
export function splitFrontMatter(text: string): { front: FrontMatter; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!m) return { front: {}, body: text };
  try {
    const parsed = parseYamlText(m[1]!, CARD_PATH);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { front: parsed as FrontMatter, body: text.slice(m[0].length) };
  } catch {
    // fall through: shown as written rather than lost
  }
  return { front: {}, body: text };
}

const md = (text: unknown) => String(text).replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

function generatedFront(m: Manifest, lineage: LineageResult | null): FrontMatter {
  const up = (lineage?.nodes ?? []).filter((n) => n.direction === 'up' && n.distance === 1);
  const relationOf = (id: string) => lineage?.edges.find((e) => e.from === id && e.to === lineage.root)?.relation;
  const datasets = up.filter((n) => relationOf(n.id) === 'data').map((n) => (n.name !== undefined ? n.name : n.uri ?? n.id));
  const parents = up.filter((n) => relationOf(n.id) === 'parents').map((n) => (n.name !== undefined ? `${n.name}@${n.version}` : n.uri ?? n.id));
  const front: FrontMatter = {};
  const license = m.tags.license;
  if (license !== undefined) front.license = String(license);
  if (datasets.length) front.datasets = datasets;
  if (parents.length) front.base_model = parents.length === 1 ? parents[0] : parents;
  front.tags = ['mreg', m.kind, ...Object.entries(m.tags).filter(([k]) => k !== 'license').map(([k, v]) => `${k}:${v}`)];
  if (m.framework) {
    const library = Object.keys(m.framework).find((k) => !['python', 'cuda'].includes(k));
    if (library) front.library_name = library;
  }
  const metrics = Object.entries(m.metrics).filter(([, v]) => typeof v === 'number');
  if (metrics.length) {
    const task = m.tags.task ?? m.tags.pipeline_tag;
    const result: Record<string, unknown> = {
      task: { type: task === undefined ? 'other' : String(task) },
      metrics: metrics.map(([k, v]) => ({ type: k, value: v, name: k })),
    };
    if (datasets.length) {
      const first = up.find((n) => relationOf(n.id) === 'data')!;
      result.dataset = { name: datasets[0], type: datasets[0], ...(first.version ? { revision: first.version } : {}) };
    }
    front['model-index'] = [{ name: m.name, results: [result] }];
  }
  return front;
}

function table(rows: [string, unknown][], head: [string, string]): string {
  return [`| ${head[0]} | ${head[1]} |`, '| --- | --- |', ...rows.map(([k, v]) => `| ${md(k)} | ${md(typeof v === 'object' && v !== null ? JSON.stringify(v) : v)} |`)].join('\n');
}

function factSections(m: Manifest, lineage: LineageResult | null, headingLevel: string): string[] {
  const h = headingLevel;
  const out: string[] = [];
  const up = (lineage?.nodes ?? []).filter((n) => n.direction === 'up');
  const relation = (id: string) => lineage?.edges.find((e) => e.from === id)?.relation ?? '';
  out.push(`${h} Training data\n`);
  const lines = up.map((n) => `- ${n.name !== undefined ? `${md(n.name)}@${md(n.version)} (${KIND_NOUNS[n.kind as keyof typeof KIND_NOUNS]?.one ?? md(n.kind)})` : `\`${md(n.uri ?? n.id)}\``}, ${md(relation(n.id))}${n.distance > 1 ? `, ${n.distance} references away` : ''}${n.stages?.length ? `, in ${md(n.stages.join(', '))}` : ''}`);
  if (m.data) lines.push(`- described as: ${md(JSON.stringify(m.data))}`);
  out.push(lines.length ? lines.join('\n') : 'Not recorded.');
  out.push(`\n${h} Training procedure\n`);
  out.push(Object.keys(m.params).length ? table(Object.entries(m.params), ['param', 'value']) : 'No params recorded.');
  const env = { ...(m.framework ? { framework: m.framework } : {}), ...(m.training ? { training: m.training } : {}), ...(m.architecture ? { architecture: m.architecture } : {}), ...(m.requirements ? { requirements: m.requirements } : {}) };
  if (Object.keys(env).length) out.push(`\n${table(Object.entries(env), ['fact', 'value'])}`);
  out.push(`\n${h} Metrics\n`);
  out.push(Object.keys(m.metrics).length ? table(Object.entries(m.metrics), ['metric', 'value']) : 'No metrics recorded.');
  out.push(`\n${h} Interface\n`);
  const ifaces = [...Object.entries(m.schema ?? {}).map(([path, s]) => [path, s] as const), ...(m.signature ? [['declared signature', m.signature] as const] : [])];
  out.push(
    ifaces.length
      ? ifaces
          .map(([path, s]) => [`\`${md(path)}\`:`, ...s.inputs.map((t) => `- input ${md(t.name)}: ${md(t.dtype)} [${md(t.shape.join(', '))}]`), ...s.outputs.map((t) => `- output ${md(t.name)}: ${md(t.dtype)} [${md(t.shape.join(', '))}]`)].join('\n'))
          .join('\n\n')
      : 'Not read from the files and not declared.',
  );
  out.push(`\n${h} Provenance\n`);
  out.push(
    [
      `- version ${md(m.version)}, hash ${md(m.hash)} (${md(m.digest)})`,
      `- registered ${md(m.created_at)} by ${md(m.actor)}`,
      ...(m.git ? [`- git ${md(m.git.commit)}${m.git.branch ? ` on ${md(m.git.branch)}` : ''}${m.git.dirty ? ' (dirty)' : ''}`] : []),
      ...m.artifacts.map((a) => `- \`${md(a.path)}\` ${a.size} bytes, sha256 ${a.sha256}`),
    ].join('\n'),
  );
  return out;
}

/** The card as Markdown: generated, or a hand-written one with the recorded facts merged in. */
export function cardMarkdown({ manifest: m, lineage, handWritten }: CardInput): string {
  const generated = generatedFront(m, lineage);
  const written = handWritten === undefined ? undefined : splitFrontMatter(handWritten);
  // The author's keys win (a license, a better task); the results always come from the recorded metrics.
  const front = { ...generated, ...(written?.front ?? {}), ...(generated['model-index'] ? { 'model-index': generated['model-index'] } : {}) };
  const head = `---\n${stringify(front, { lineWidth: 0 }).trimEnd()}\n---\n`;
  if (written) {
    return `${head}\n${written.body.trim()}\n\n## Facts recorded by mreg\n\n${factSections(m, lineage, '###').join('\n')}\n`;
  }
  const intended = m.tags.intended_use ?? m.message;
  const limitations = m.tags.limitations;
  return `${head}
# ${md(m.name)} ${md(m.version)}

${m.message ? `${md(m.message)}\n\n` : ''}## Intended use

${intended === undefined ? 'Not stated. Store a hand-written card with `mreg register --card MODEL_CARD.md`.' : md(intended)}

${factSections(m, lineage, '##').join('\n')}

## Limitations

${limitations === undefined ? 'Not stated. Store a hand-written card with `mreg register --card MODEL_CARD.md`.' : md(limitations)}
`;
}
