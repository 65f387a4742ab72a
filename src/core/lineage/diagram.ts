// Lineage as pictures: Graphviz dot and Mermaid (which GitHub renders in Markdown). Edges point the
// way data flows, from what a version was made from to the version. Every name, version and URI is
// escaped for the format, whatever the validation upstream already refused.
import { RELATION_LABELS } from '../manifest/lineage.js';
import type { NodeKind } from './graph.js';
import type { LineageNode, LineageResult } from './query.js';

const DOT_SHAPES: Record<NodeKind, string> = {
  model: 'shape=box',
  dataset: 'shape=cylinder',
  features: 'shape=box3d',
  pipeline: 'shape=component',
  external: 'shape=note, style=dashed',
  missing: 'shape=box, style=dashed, color=red',
};

function kindLabel(node: LineageNode): string {
  return node.kind === 'missing' ? 'not in this store' : node.kind;
}

/** A node's id for a label: a `#sha256=` pin cut to 12 hex digits (the full pin stays in the JSON and the node id). */
export function shortId(id: string): string {
  return id.replace(/#sha256=([0-9a-f]{12})[0-9a-f]{52}\b/, '#sha256=$1');
}

/** The lines of a dot node's label: its id (pin shortened), its kind and stages, and a mark when the graph goes on beyond --depth. */
function dotLabelParts(node: LineageNode): string[] {
  const stages = node.stages?.length ? [`[${node.stages.join(', ')}]`] : [];
  return [shortId(node.id), kindLabel(node), ...stages, ...(node.truncated ? ['(more beyond --depth)'] : [])];
}

/** A DOT quoted string: only `"` is an escape in an ID, and `\` must be doubled so it cannot escape the closing quote. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

export function toDot(result: LineageResult): string {
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const node of result.nodes) {
    // The label is an escString, where \n breaks the line: the parts are escaped one by one, then joined.
    const label = dotLabelParts(node).map((part) => dotString(part).slice(1, -1)).join('\\n');
    const attrs = [`label="${label}"`, DOT_SHAPES[node.kind]];
    if (node.id === result.root) attrs.push('penwidth=2.5');
    lines.push(`  ${dotString(node.id)} [${attrs.join(', ')}];`);
  }
  for (const edge of result.edges) {
    lines.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)} [label=${dotString(RELATION_LABELS[edge.relation])}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const MERMAID_SHAPES: Record<NodeKind, [string, string]> = {
  model: ['[', ']'],
  dataset: ['[(', ')]'],
  features: ['[[', ']]'],
  pipeline: ['{{', '}}'],
  external: ['>', ']'],
  missing: ['[', ']'],
};

/**
 * Text inside a quoted Mermaid label. Mermaid reads `#name;` and `#123;` as entities and the label as
 * HTML, so `#` goes first, then quotes and angle brackets and ampersands, all as numeric entities.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#34;')
    .replace(/&/g, '#38;')
    .replace(/</g, '#60;')
    .replace(/>/g, '#62;')
    .replace(/\r?\n/g, ' ');
}

export function toMermaid(result: LineageResult): string {
  // Node ids are generated (n0, n1, ...): names hold '.', '-' and '@', which Mermaid would read as syntax.
  const ids = new Map(result.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const node of result.nodes) {
    const [open, close] = MERMAID_SHAPES[node.kind];
    const parts = [node.id, kindLabel(node), ...(node.truncated ? ['(more beyond --depth)'] : [])].map(mermaidText);
    lines.push(`  ${ids.get(node.id)}${open}"${parts.join('<br/>')}"${close}`);
  }
  for (const edge of result.edges) {
    lines.push(`  ${ids.get(edge.from)} -->|"${mermaidText(RELATION_LABELS[edge.relation])}"| ${ids.get(edge.to)}`);
  }
  lines.push('  classDef root stroke-width:3px;', `  class ${ids.get(result.root)} root;`);
  const missing = result.nodes.filter((n) => n.kind === 'missing').map((n) => ids.get(n.id));
  if (missing.length > 0) lines.push('  classDef missing stroke:#c00,stroke-dasharray:4 3;', `  class ${missing.join(',')} missing;`);
  return `${lines.join('\n')}\n`;
}
