// mreg ls [model] [--where EXPR] [--sort KEY]... [--limit N]
import { ls } from '../../api/ls.js';
import { MregError } from '../../errors.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';
import { whereOf } from '../context.js';

interface Flags {
  where?: string;
  sort?: string[];
  limit?: string;
}

/** The versions and events the default remote lacks, as a closing line (nothing when none). */
export function unpushedLine(n: number): string {
  return n === 0 ? '' : `\n${n} version${n === 1 ? '' : 's'} or event${n === 1 ? '' : 's'} not on the default remote yet (as of the last push or pull): mreg push`;
}

export async function run(ctx: Context, args: unknown[], opts: Flags = {}): Promise<number> {
  const limit = opts.limit === undefined ? undefined : /^\d+$/.test(opts.limit) ? Number(opts.limit) : Number.NaN;
  if (limit !== undefined && !(limit >= 1)) throw new MregError('USAGE', `--limit ${JSON.stringify(opts.limit)}: expected a whole number of versions, 1 or more`);
  const result = await ls({ ...whereOf(ctx), model: args[0] as string | undefined, where: opts.where, sort: opts.sort, limit });
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
        : table(rows.map((r) => [r.model, r.version, `${r.versions} version${r.versions === 1 ? '' : 's'}`, stageText(r), r.kind]), ['MODEL', 'LATEST', 'VERSIONS', 'STAGES', 'KIND']) +
            unpushedLine(rows.reduce((n, r) => n + (r.unpushed ?? 0), 0)),
    );
    return EXIT_OK;
  }
  const rows = result.versions;
  // Unsorted, the newest version is listed first; sorted, in the order asked for, with the sorted metrics and tags as columns.
  const shown = opts.sort?.length ? rows : [...rows].reverse();
  const extra = (opts.sort ?? []).map((k) => /^[-+]?(metrics|tags)\.(.+)$/.exec(k)).filter((m): m is RegExpExecArray => m !== null);
  const cell = (r: (typeof rows)[number], m: RegExpExecArray) => {
    const v = m[1] === 'metrics' ? r.metrics[m[2]!] : r.tags[m[2]!];
    return v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  ctx.render.result(
    rows,
    rows.length === 0
      ? 'no version matches'
      : table(
          shown.map((r) => [r.version, r.hash, r.created_at.replace(/\.\d+Z$/, 'Z'), r.stages.join(','), ...extra.map((m) => cell(r, m)), r.message?.split('\n')[0] ?? '']),
          ['VERSION', 'HASH', 'CREATED', 'STAGES', ...extra.map((m) => `${m[1]}.${m[2]}`.toUpperCase()), 'MESSAGE'],
        ) + unpushedLine(rows.reduce((n, r) => n + (r.unpushed ?? 0), 0)),
  );
  return EXIT_OK;
}
