// mreg lineage <ref>: what a version was made from and what was made from it, as an indented tree,
// JSON, Graphviz dot or Mermaid.
import { MregError } from '../../errors.js';
import { lineage, RELATION_LABELS, toDot, toMermaid, type Direction, type GraphEdge, type LineageNode, type LineageResult } from '../../api/lineage.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import type { Style } from '../render/render.js';
import { whereOf } from '../context.js';

interface Options {
  up?: boolean;
  down?: boolean;
  depth?: string;
  format?: 'text' | 'json' | 'dot' | 'mermaid';
}

function describe(node: LineageNode, style: Style): string {
  const kind = node.kind === 'missing' ? style.red('not in this store') : node.kind;
  return `${node.id}  ${style.dim(kind)}${node.stages?.length ? `  [${node.stages.join(', ')}]` : ''}`;
}

/**
 * One direction as a tree under the root. A node reached again (a data set shared by two feature sets)
 * is listed again but expanded once, so the tree stays as large as the graph.
 */
function tree(result: LineageResult, direction: Direction, style: Style): string[] {
  const nodes = new Map(result.nodes.map((n) => [n.id, n]));
  const children = new Map<string, GraphEdge[]>();
  for (const edge of result.edges) {
    const [parent, child] = direction === 'up' ? [edge.to, edge.from] : [edge.from, edge.to];
    if (nodes.get(child)?.direction !== direction) continue;
    children.set(parent, [...(children.get(parent) ?? []), edge]);
  }
  const lines: string[] = [];
  const expanded = new Set<string>([result.root]);
  const walk = (id: string, prefix: string) => {
    const list = children.get(id) ?? [];
    list.forEach((edge, i) => {
      const last = i === list.length - 1;
      const childId = direction === 'up' ? edge.from : edge.to;
      const child = nodes.get(childId)!;
      const relation = RELATION_LABELS[edge.relation];
      const how = direction === 'up' ? `(${relation})` : `(as ${relation})`;
      const again = expanded.has(childId) && (children.get(childId)?.length ?? 0) > 0;
      const more = child.truncated ? style.dim('  ... (more beyond --depth)') : again ? style.dim('  (see above)') : '';
      lines.push(`${prefix}${last ? '└── ' : '├── '}${describe(child, style)}  ${how}${more}`);
      if (again) return;
      expanded.add(childId);
      walk(childId, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(result.root, '');
  return lines;
}

export function lineageText(result: LineageResult, style: Style): string {
  const root = result.nodes.find((n) => n.id === result.root)!;
  const lines = [style.bold(describe(root, style))];
  for (const direction of ['up', 'down'] as const) {
    if (result.direction !== 'both' && result.direction !== direction) continue;
    const title = direction === 'up' ? 'upstream (what it was made from):' : 'downstream (what was made from it):';
    const body = tree(result, direction, style);
    lines.push(body.length > 0 ? title : `${title} nothing recorded`, ...body);
  }
  return lines.join('\n');
}

export async function run(ctx: Context, args: unknown[], opts: Options): Promise<number> {
  const format = opts.format ?? (ctx.globals.json ? 'json' : 'text');
  if (ctx.globals.json && format !== 'json') throw new MregError('USAGE', `--json prints JSON: leave out --format ${format}, or --json`);
  const depth = opts.depth === undefined ? undefined : /^\d+$/.test(opts.depth) ? Number(opts.depth) : Number.NaN;
  if (depth !== undefined && !(depth >= 1)) throw new MregError('USAGE', `--depth ${JSON.stringify(opts.depth)}: expected a whole number of references, 1 or more`);
  const result = await lineage({ ...whereOf(ctx), ref: args[0] as string, up: opts.up, down: opts.down, depth });
  if (format === 'json') {
    // With --format json but without --json, the renderer prints text: the JSON goes out as text then.
    if (ctx.globals.json) ctx.render.result(result);
    else ctx.render.result(undefined, JSON.stringify(result, null, 2));
  } else if (format === 'dot') ctx.render.result(result, toDot(result));
  else if (format === 'mermaid') ctx.render.result(result, toMermaid(result));
  else ctx.render.result(result, lineageText(result, ctx.render.out));
  return EXIT_OK;
}
