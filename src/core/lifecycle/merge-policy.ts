// Events a pull merges obey this store's rules: a remote (anyone with the bucket's credentials) can
// write any well-formed event, and history checksums say only that a line is intact, not who wrote
// it. Each merged event is replayed through the local stage rules in order; one they would refuse
// is kept, marked `rejected` with the reason, and changes no stage, target or routing. Events that
// git brings are the team's own commits and are not judged here.
import { MregError } from '../../errors.js';
import type { Store } from '../store.js';
import type { HistoryEvent } from './history.js';
import { planPromotion } from './promote.js';
import { checkSignatures } from './signatures.js';
import { applyEvent, replay, type StageState } from './state.js';

async function signaturesShort(store: Store, model: string, version: string, stage: string, cache: Map<string, string[]>): Promise<string | undefined> {
  const needed = store.config.stages[stage]?.signatures ?? 0;
  if (needed === 0) return undefined;
  if (!cache.has(version)) cache.set(version, (await checkSignatures(store, model, version)).valid);
  const valid = cache.get(version)!;
  if (valid.length >= needed) return undefined;
  return `${stage} requires signatures from ${needed} trusted key${needed === 1 ? '' : 's'} here, and ${model}@${version} has ${valid.length === 0 ? 'no valid one' : `valid ones only from ${valid.join(', ')}`}`;
}

async function promoteRefusal(store: Store, state: StageState, e: HistoryEvent, cache: Map<string, string[]>): Promise<string | undefined> {
  const stage = e.stage ?? '';
  const rules = store.config.stages[stage];
  if (!rules) return `stage ${JSON.stringify(stage)} is not in this store's config.yaml`;
  if (e.forced === true) return `forced elsewhere (overriding ${(e.overridden ?? []).join(', ') || 'the rules'}); a forced promotion counts only when made here or brought by git`;
  try {
    planPromotion(store.config, state, e.model, e.version, stage, { actor: e.actor });
  } catch (err) {
    if (err instanceof MregError && err.code === 'REFUSED') return err.message;
    throw err;
  }
  for (const d of e.displaced ?? []) {
    if (d.to !== undefined && d.to !== rules.replacedTo) return `it moves ${e.model}@${d.version} to ${d.to}, where ${stage} sends no version here`;
  }
  return signaturesShort(store, e.model, e.version, stage, cache);
}

/** A deploy or rollback onto a target whose stage requires signatures names a version that has them. */
async function deployRefusal(store: Store, e: HistoryEvent, cache: Map<string, string[]>): Promise<string | undefined> {
  const target = typeof e.target === 'string' ? store.config.targets[e.target] : undefined;
  if (!target?.stage) return undefined;
  const short = await signaturesShort(store, e.model, e.version, target.stage, cache);
  return short && `target ${String(e.target)} serves ${target.stage}: ${short}`;
}

/**
 * `fresh` (events about to be merged after `existing`, in that order) judged by the local rules:
 * the same events, those refused marked `rejected`.
 */
export async function judgeMerged(store: Store, existing: HistoryEvent[], fresh: HistoryEvent[]): Promise<HistoryEvent[]> {
  const state = replay(existing);
  const cache = new Map<string, string[]>();
  const out: HistoryEvent[] = [];
  for (const e of fresh) {
    let reason: string | undefined;
    if (e.event === 'promote') reason = await promoteRefusal(store, state, e, cache);
    else if (e.event === 'deploy' || e.event === 'rollback') reason = await deployRefusal(store, e, cache);
    const judged: HistoryEvent = reason ? { ...e, rejected: reason } : e;
    applyEvent(state, judged);
    out.push(judged);
  }
  return out;
}
