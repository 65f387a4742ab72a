// mreg history <model>
import { history, type HistoryEvent } from '../../api/history.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';
import { whereOf } from '../context.js';

function describe(e: HistoryEvent): string {
  return typeof e.rejected === 'string' ? `REJECTED here (changes nothing): ${e.rejected}; was: ${detail(e)}` : detail(e);
}

function detail(e: HistoryEvent): string {
  switch (e.event) {
    case 'promote':
      return `to ${e.stage}${e.forced ? ' (forced)' : ''}${(e.displaced ?? []).map((d) => `; ${d.version} -> ${d.to ?? 'out'}`).join('')}`;
    case 'demote':
      return `out of ${e.stage}`;
    case 'check':
      return `${e.check}: ${e.passed ? 'pass' : 'FAIL'}`;
    case 'deploy':
    case 'rollback':
      return `${e.phase} on ${e.target}${e.phase === 'failed' && typeof e.error === 'string' ? `: ${e.error}` : ''}`;
    case 'route':
      return Array.isArray(e.split) ? (e.split as { version: string; weight: number }[]).map((x) => `${x.version}=${x.weight}`).join(' ') : '';
    default:
      return e.stage ? `${e.stage}` : '';
  }
}

export async function run(ctx: Context, args: unknown[], opts: { stage?: string }): Promise<number> {
  const { model, events: shown, warnings } = await history({ ...whereOf(ctx), model: args[0] as string, stage: opts.stage });
  for (const w of warnings) ctx.render.warn(`${w.file ?? `history/${model}.jsonl`}:${w.line}: ${w.message}`);
  ctx.render.result(
    shown,
    shown.length === 0
      ? 'no events'
      : table(
          shown.map((e) => [e.time.replace(/\.\d+Z$/, 'Z'), e.event, e.version, describe(e), e.actor, e.reason ?? '']),
          ['TIME', 'EVENT', 'VERSION', 'DETAIL', 'ACTOR', 'REASON'],
        ),
  );
  return EXIT_OK;
}
