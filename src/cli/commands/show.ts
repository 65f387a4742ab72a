// mreg show <ref>
import { MregError } from '../../errors.js';
import { formatShape, lineageEntries, RELATION_LABELS, show, type Json, type Manifest } from '../../api/show.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes, table } from '../render/render.js';
import { whereOf } from '../context.js';

function flat(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function section(title: string, map: Record<string, Json> | undefined): string[] {
  if (!map || Object.keys(map).length === 0) return [];
  return [`${title}:`, ...table(Object.entries(map).map(([k, v]) => [`  ${k}`, flat(v)])).split('\n')];
}

export function describe(m: Manifest, stages: string[], bold: (s: string) => string): string {
  const lines = [
    `${bold(`${m.name}@${m.version}`)}${m.kind === 'model' ? '' : `  ${m.kind}`}  hash ${m.hash}${stages.length ? `  [${stages.join(', ')}]` : ''}`,
    `created ${m.created_at} by ${m.actor}`,
  ];
  if (m.git) lines.push(`git ${m.git.commit.slice(0, 12)}${m.git.branch ? ` (${m.git.branch})` : ''}${m.git.dirty ? ' with uncommitted changes' : ''}`);
  if (m.message) lines.push('', `  ${m.message}`);
  lines.push('', 'artifacts:', ...table(m.artifacts.map((a) => [`  ${a.path}`, formatBytes(a.size), a.sha256.slice(0, 12)])).split('\n'));
  lines.push(...section('params', m.params), ...section('metrics', m.metrics), ...section('tags', m.tags));
  // The version's direct references (mreg lineage walks them further).
  const refs = lineageEntries(m.lineage);
  if (refs.length > 0) lines.push('lineage:', ...table(refs.map((r) => [`  ${RELATION_LABELS[r.relation]}`, r.id])).split('\n'));
  for (const key of ['data', 'pipeline', 'architecture', 'framework', 'training', 'requirements'] as const) lines.push(...section(key, m[key]));
  if (m.changes?.length) lines.push('changes:', ...m.changes.map((c) => `  ${c.type}: ${c.summary.split('\n')[0]}`));
  for (const [path, iface] of Object.entries(m.schema ?? {})) {
    const tensors = (kind: string, list: { name: string; dtype: string; shape: (number | string)[] }[]) => list.map((t) => `    ${kind} ${t.name}: ${t.dtype} ${formatShape(t.shape)}`);
    lines.push(`interface of ${path} (${iface.format}):`, ...tensors('in ', iface.inputs), ...tensors('out', iface.outputs));
    if (iface.weights?.length) lines.push(`    ${iface.weights.length} weight tensors`);
  }
  const scanned = Object.entries(m.scan ?? {});
  if (scanned.length > 0) lines.push('scan:', ...scanned.map(([path, verdict]) => `  ${path}: ${verdict}`));
  if (m.unsafe_allowed?.length) lines.push('registered with --allow-unsafe:', ...m.unsafe_allowed.map((u) => `  ${u.path}: imports ${u.globals.join(', ') || '(unscannable)'}`));
  return lines.join('\n');
}

export async function run(ctx: Context, args: unknown[], opts: { at?: string }): Promise<number> {
  const at = opts.at === undefined ? undefined : new Date(opts.at);
  if (at && Number.isNaN(at.getTime())) throw new MregError('USAGE', `--at ${JSON.stringify(opts.at)}: expected an ISO 8601 time like 2026-03-02T14:00:00Z`);
  const result = await show({ ...whereOf(ctx), ref: args[0] as string, at });
  const { stages, pruned } = result;
  const text = describe(result, stages, ctx.render.out.bold);
  ctx.render.result(
    result,
    pruned ? `${text}\n\n${ctx.render.out.yellow(`pruned at ${pruned.time} by ${pruned.actor}: the files are gone, this record stays`)}` : text,
  );
  return EXIT_OK;
}
