// Stage state, derived by replaying a model's history: it is never stored, so it can never drift
// from the history. Each promote event says which stages the version left and which versions it
// displaced, so replay needs no config and gives the same answer whatever the config says today.
import compare from 'semver/functions/compare.js';
import { counts, type HistoryEvent } from './history.js';

export interface CheckResult {
  passed: boolean;
  time: string;
  event: HistoryEvent;
}

export interface StageState {
  /** stage -> versions in it, in the order they entered */
  stages: Map<string, string[]>;
  /** version -> check name -> latest result */
  checks: Map<string, Map<string, CheckResult>>;
  /** the event that last put each version into each stage: `${stage}\0${version}` */
  entered: Map<string, HistoryEvent>;
}

export function emptyState(): StageState {
  return { stages: new Map(), checks: new Map(), entered: new Map() };
}

function leave(state: StageState, stage: string, version: string): void {
  const list = state.stages.get(stage);
  if (!list) return;
  const next = list.filter((v) => v !== version);
  if (next.length > 0) state.stages.set(stage, next);
  else state.stages.delete(stage);
}

function enter(state: StageState, stage: string, version: string, event: HistoryEvent): void {
  const list = state.stages.get(stage) ?? [];
  if (!list.includes(version)) state.stages.set(stage, [...list, version]);
  state.entered.set(`${stage}\0${version}`, event);
}

export function applyEvent(state: StageState, event: HistoryEvent): void {
  if (!counts(event)) return;
  switch (event.event) {
    case 'promote':
      if (!event.stage) return;
      for (const d of event.displaced ?? []) {
        for (const s of d.left) leave(state, s, d.version);
        if (d.to) enter(state, d.to, d.version, event);
      }
      for (const s of event.left ?? []) leave(state, s, event.version);
      enter(state, event.stage, event.version, event);
      return;
    case 'demote':
      if (event.stage) leave(state, event.stage, event.version);
      return;
    case 'check': {
      if (typeof event.check !== 'string' || typeof event.passed !== 'boolean') return;
      const results = state.checks.get(event.version) ?? new Map<string, CheckResult>();
      results.set(event.check, { passed: event.passed, time: event.time, event });
      state.checks.set(event.version, results);
      return;
    }
    default:
      return; // register, and kinds this mreg does not know, change no stage
  }
}

/** Replays events in file order; with `at`, only those that took effect at or before it. */
export function replay(events: HistoryEvent[], at?: Date): StageState {
  const state = emptyState();
  const limit = at?.getTime();
  for (const event of events) {
    if (limit !== undefined && Date.parse(event.time) > limit) continue;
    applyEvent(state, event);
  }
  return state;
}

export function stagesOf(state: StageState, version: string): string[] {
  const out: string[] = [];
  for (const [stage, versions] of state.stages) if (versions.includes(version)) out.push(stage);
  return out.sort();
}

/** The version a stage stands for: its only one, or the highest of several. */
export function versionInStage(state: StageState, stage: string): string | undefined {
  const versions = state.stages.get(stage);
  if (!versions || versions.length === 0) return undefined;
  return [...versions].sort(compare)[versions.length - 1];
}

/** An exclusive stage holding more than one version: two machines promoted in parallel. */
export interface StageConflict {
  stage: string;
  versions: string[];
  message: string;
  /** one promotion that settles it (the highest version; promoting the other one settles it too) */
  command: string;
}

export function stageConflicts(model: string, state: StageState, exclusive: (stage: string) => boolean): StageConflict[] {
  const out: StageConflict[] = [];
  for (const [stage, held] of state.stages) {
    if (held.length < 2 || !exclusive(stage)) continue;
    const sorted = [...held].sort(compare); // the same message on every machine, whatever the merge order
    const how = sorted.map((v) => {
      const e = state.entered.get(`${stage}\0${v}`);
      return `${v} (promoted ${e ? `at ${e.time} by ${e.actor}, event ${e.id}` : 'by an unknown event'})`;
    });
    const highest = sorted.at(-1)!;
    const command = `mreg promote ${model}@${highest} ${stage}`;
    out.push({
      stage,
      versions: sorted,
      command,
      message: `${model}: exclusive stage ${stage} holds ${held.length} versions: ${how.join(' and ')}; promote the right one again to settle it (${command}, or another of them)`,
    });
  }
  return out;
}
