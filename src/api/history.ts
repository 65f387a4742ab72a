// A model's events, oldest first (register, promote, demote, check, deploy, ...), optionally only those
// that moved a version into or out of one stage.
import { readHistory, type HistoryEvent, type HistoryWarning } from '../core/lifecycle/history.js';
import { listVersions, missingModel } from '../core/manifest/versions.js';
import { checkName } from '../core/names.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { HistoryEvent, HistoryWarning } from '../core/lifecycle/history.js';

export interface HistoryOptions extends Where {
  model: string;
  /** only events that moved a version into or out of this stage */
  stage?: string | undefined;
}

export interface HistoryResult {
  model: string;
  /** the events asked for, oldest first */
  events: HistoryEvent[];
  /** lines of the history file that could not be read (skipped), by line number */
  warnings: HistoryWarning[];
}

function touches(event: HistoryEvent, stage: string): boolean {
  return event.stage === stage || (event.left ?? []).includes(stage) || (event.displaced ?? []).some((d) => d.to === stage || d.left.includes(stage));
}

export async function history(opts: HistoryOptions): Promise<HistoryResult> {
  const model = checkName(opts.model);
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const { events, warnings } = await readHistory(store.layout, model);
  if (events.length === 0 && (await listVersions(store.layout, model)).length === 0) throw await missingModel(store.layout, model);
  const stage = opts.stage;
  return { model, events: stage === undefined ? events : events.filter((e) => touches(e, stage)), warnings };
}
