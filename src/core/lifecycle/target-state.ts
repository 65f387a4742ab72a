// What a target runs, replayed from the model's history: the stack of versions that deployed
// healthy (the top is live; a rollback pops back down it) and any deploy or rollback that started
// but never finished (a crash), which the next rollback completes.
import { counts, type HistoryEvent } from './history.js';

export interface TargetState {
  /** healthy versions in deploy order; the last one is live */
  stack: string[];
  /** the event that made the live version live */
  liveEvent?: HistoryEvent;
  /** a deploy or rollback that started and has no outcome */
  interrupted?: HistoryEvent;
  /** the last finished deploy or rollback, whatever its outcome */
  lastOutcome?: HistoryEvent;
}

export function replayTarget(events: HistoryEvent[], target: string): TargetState {
  const state: TargetState = { stack: [] };
  for (const e of events) {
    if ((e.event !== 'deploy' && e.event !== 'rollback') || e.target !== target || !counts(e)) continue;
    if (e.phase === 'started') {
      state.interrupted = e;
      continue;
    }
    if (state.interrupted?.op === e.op) delete state.interrupted;
    state.lastOutcome = e;
    if (e.phase !== 'succeeded') continue;
    if (e.event === 'rollback' && state.stack.includes(e.version)) {
      while (state.stack[state.stack.length - 1] !== e.version) state.stack.pop();
    } else {
      state.stack.push(e.version);
    }
    state.liveEvent = e;
  }
  return state;
}

export function liveVersion(state: TargetState): string | undefined {
  return state.stack[state.stack.length - 1];
}
