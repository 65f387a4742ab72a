// Weighted A/B routing between versions, with an assignment per user that is the same in every
// process, on every machine and in every language: the first 4 bytes of
// sha256("<model>:<salt>:<user-id>") as a big-endian unsigned integer, divided by 2^32, matched
// against the cumulative weights in the order given.
import { createHash } from 'node:crypto';
import { MregError } from '../../errors.js';
import { appendEvents, counts, readHistory, type HistoryEvent } from '../lifecycle/history.js';
import { checkName } from '../names.js';
import { withLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { listVersions } from '../manifest/versions.js';

export interface Split {
  version: string;
  weight: number;
}

export interface Routing {
  split: Split[];
  salt: string;
}

export const WEIGHT_TOLERANCE = 0.001;

export function bucket(model: string, salt: string, userId: string): number {
  return createHash('sha256').update(`${model}:${salt}:${userId}`, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

export function pick(split: Split[], value: number): string {
  let cumulative = 0;
  for (const { version, weight } of split) {
    cumulative += weight;
    if (value < cumulative) return version;
  }
  // Weights may sum to a hair under 1: the remainder belongs to the last version with weight.
  return [...split].reverse().find((s) => s.weight > 0)?.version ?? split[split.length - 1]!.version;
}

export function routeFor(model: string, routing: Routing, userId: string): string {
  return pick(routing.split, bucket(model, routing.salt, userId));
}

export function checkSplit(split: Split[]): void {
  if (split.length === 0) throw new MregError('USAGE', 'give at least one version=weight');
  const seen = new Set<string>();
  for (const { version, weight } of split) {
    if (seen.has(version)) throw new MregError('INVALID_INPUT', `version ${version} appears twice in the split`);
    seen.add(version);
    if (!Number.isFinite(weight) || weight < 0 || weight > 1) throw new MregError('INVALID_INPUT', `weight of ${version} must be between 0 and 1, got ${weight}`);
  }
  const sum = split.reduce((s, x) => s + x.weight, 0);
  if (Math.abs(sum - 1) > WEIGHT_TOLERANCE) throw new MregError('INVALID_INPUT', `weights must sum to 1 (within ${WEIGHT_TOLERANCE}), got ${+sum.toFixed(6)}`);
}

export function parseSplit(items: string[]): Split[] {
  return items.map((item) => {
    const eq = item.lastIndexOf('=');
    const weight = Number(item.slice(eq + 1));
    if (eq <= 0 || item.slice(eq + 1).trim() === '' || Number.isNaN(weight)) throw new MregError('USAGE', `${JSON.stringify(item)}: expected <version>=<weight>, e.g. 1.2.3=0.8`);
    return { version: item.slice(0, eq), weight };
  });
}

/** The routing in force: the last route event of the model's history. */
export function currentRouting(events: HistoryEvent[]): Routing | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.event === 'route' && Array.isArray(e.split) && counts(e)) {
      return { split: e.split as unknown as Split[], salt: typeof e.salt === 'string' ? e.salt : '' };
    }
  }
  return undefined;
}

/** Validates and records a new split; every registered version in it must exist. */
export async function setRouting(store: Store, model: string, split: Split[], salt: string, actor: string): Promise<Routing> {
  checkName(model);
  checkSplit(split);
  const versions = await listVersions(store.layout, model);
  for (const { version } of split) if (!versions.includes(version)) throw new MregError('INVALID_INPUT', `${model}@${version} is not registered`);
  await withLock(store.layout, `model-${model}`, () =>
    appendEvents(store.layout, model, [{ event: 'route', model, version: split[0]!.version, actor, split: split as unknown as HistoryEvent['split'], salt }]),
  );
  return { split, salt };
}

export async function readRouting(store: Store, model: string): Promise<Routing | undefined> {
  return currentRouting((await readHistory(store.layout, checkName(model))).events);
}
