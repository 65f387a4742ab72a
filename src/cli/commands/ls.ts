// mreg ls [model]
import { ls } from '../../api/ls.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const result = await ls({ ...whereOf(ctx), model: args[0] as string | undefined });
  if (result.model === undefined) {
    const { models: rows, retiredStages } = result;
    const stageText = (r: (typeof rows)[number]) =>
      Object.entries(r.by_stage)
        .filter(([stage]) => !retiredStages.includes(stage))
        .map(([stage, vs]) => `${stage}=${vs.join(',')}`)
        .join(' ');
    ctx.render.result(
      rows,
      rows.length === 0
        ? 'no models registered yet'
        : table(rows.map((r) => [r.model, r.version, `${r.versions} version${r.versions === 1 ? '' : 's'}`, stageText(r), r.kind]), ['MODEL', 'LATEST', 'VERSIONS', 'STAGES', 'KIND']),
    );
    return EXIT_OK;
  }
  const rows = result.versions;
  ctx.render.result(
    rows,
    table(
      [...rows].reverse().map((r) => [r.version, r.hash, r.created_at.replace(/\.\d+Z$/, 'Z'), r.stages.join(','), r.message?.split('\n')[0] ?? '']),
      ['VERSION', 'HASH', 'CREATED', 'STAGES', 'MESSAGE'],
    ),
  );
  return EXIT_OK;
}
