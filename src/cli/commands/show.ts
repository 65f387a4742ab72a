// mreg show <ref>
import type { Json, Manifest } from '../../core/manifest/types.js';
import { readManifest, resolveRef } from '../../core/versions.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes, table } from '../render.js';

function flat(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function section(title: string, map: Record<string, Json> | undefined): string[] {
  if (!map || Object.keys(map).length === 0) return [];
  return [`${title}:`, ...table(Object.entries(map).map(([k, v]) => [`  ${k}`, flat(v)])).split('\n')];
}

export function describe(m: Manifest, bold: (s: string) => string): string {
  const lines = [
    `${bold(`${m.name}@${m.version}`)}  hash ${m.hash}`,
    `created ${m.created_at} by ${m.actor}`,
  ];
  if (m.git) lines.push(`git ${m.git.commit.slice(0, 12)}${m.git.branch ? ` (${m.git.branch})` : ''}${m.git.dirty ? ' with uncommitted changes' : ''}`);
  if (m.message) lines.push('', `  ${m.message}`);
  lines.push('', 'artifacts:', ...table(m.artifacts.map((a) => [`  ${a.path}`, formatBytes(a.size), a.sha256.slice(0, 12)])).split('\n'));
  lines.push(...section('params', m.params), ...section('metrics', m.metrics), ...section('tags', m.tags));
  for (const key of ['data', 'pipeline', 'architecture', 'framework', 'training', 'requirements'] as const) lines.push(...section(key, m[key]));
  return lines.join('\n');
}

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const store = await openContextStore(ctx);
  const { model, version } = await resolveRef(store.layout, args[0] as string);
  const manifest = await readManifest(store.layout, model, version);
  ctx.render.result(manifest, describe(manifest, ctx.render.out.bold));
  return EXIT_OK;
}
