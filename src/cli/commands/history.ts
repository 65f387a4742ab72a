// mreg history <model>
import { MregError } from '../../errors.js';
import { readHistory, type HistoryEvent } from '../../core/lifecycle/history.js';
import { checkName } from '../../core/names.js';
import { listVersions } from '../../core/manifest/versions.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render/render.js';

function touches(event: HistoryEvent, stage: string): boolean {
  return event.stage === stage || (event.left ?? []).includes(stage) || (event.displaced ?? []).some((d) => d.to === stage || d.left.includes(stage));
}

function describe(e: HistoryEvent): string {
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
  const model = checkName(args[0] as string);
  const store = await openContextStore(ctx);
  const { events, warnings } = await readHistory(store.layout, model);
  if (events.length === 0 && (await listVersions(store.layout, model)).length === 0) throw new MregError('NOT_FOUND', `model ${model} has no versions`);
  for (const w of warnings) ctx.render.warn(`history/${model}.jsonl:${w.line}: ${w.message}`);
  const shown = opts.stage ? events.filter((e) => touches(e, opts.stage!)) : events;
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
