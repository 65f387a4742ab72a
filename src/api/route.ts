// A/B routing between versions of a model: set the weighted split (recorded in the model's history),
// show it, and get the version a user is routed to (the same answer everywhere: core/routing/route.ts).
import { MregError } from '../errors.js';
import { checkName } from '../core/names.js';
import { resolveActor } from '../core/provenance.js';
import { bucket, parseSplit, pick, readRouting, setRouting, type Split } from '../core/routing/route.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { Split } from '../core/routing/route.js';

export interface RouteSetOptions extends Where {
  model: string;
  /** versions and weights summing to 1: { version, weight } or the text '1.2.3=0.8' */
  split: ReadonlyArray<Split | string>;
  /** salts the user buckets: a new salt reshuffles every assignment (default: none) */
  salt?: string | undefined;
  /** who changes the routing (default from env: MREG_ACTOR, git user.email, $USER) */
  actor?: string | undefined;
}

export interface RouteResult {
  model: string;
  split: Split[];
  salt: string;
}

export async function routeSet(options: RouteSetOptions): Promise<RouteResult> {
  const model = checkName(options.model);
  const split = options.split.map((s) => (typeof s === 'string' ? parseSplit([s])[0]! : s));
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const actor = await resolveActor(options.cwd, options.env ?? {}, options.actor);
  const routing = await setRouting(store, model, split, options.salt ?? '', actor);
  return { model, split: routing.split, salt: routing.salt };
}

export interface RouteShowOptions extends Where {
  model: string;
}

/** The routing in force; an empty split when none was ever set. */
export async function routeShow(options: RouteShowOptions): Promise<RouteResult> {
  const model = checkName(options.model);
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const routing = await readRouting(store, model);
  return routing ? { model, ...routing } : { model, split: [], salt: '' };
}

export interface RouteGetOptions extends Where {
  model: string;
  /** the user (or request key) to route */
  user: string;
}

export interface RouteGetResult {
  model: string;
  user: string;
  version: string;
  /** the user's bucket in [0, 1), matched against the cumulative weights */
  bucket: number;
}

export async function routeGet(options: RouteGetOptions): Promise<RouteGetResult> {
  const model = checkName(options.model);
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const routing = await readRouting(store, model);
  if (!routing) throw new MregError('NOT_FOUND', `no routing set for ${model} (mreg route set ${model} <version>=<weight>...)`);
  const b = bucket(model, routing.salt, options.user);
  return { model, user: options.user, version: pick(routing.split, b), bucket: b };
}
