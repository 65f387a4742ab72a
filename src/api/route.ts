// A/B routing between versions of a model: set the weighted split (recorded in the model's history),
// show it, and get the version a user is routed to (the same answer everywhere: core/routing/route.ts).
import { MregError } from '../errors.js';
import { checkName } from '../core/names.js';
import { resolveActor } from '../core/provenance.js';
import { bucket, parseSplit, pick, readRouting, setRouting, type Split } from '../core/routing/route.js';
import { blobSourceFor } from '../core/remote/fetch.js';
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
  /** one target's split (default: the model's, for every target without its own); the local adapter serves it at once */
  target?: string | undefined;
}

export interface RouteResult {
  model: string;
  split: Split[];
  salt: string;
  /** the target the split is for; absent for the model's own */
  target?: string;
}

export async function routeSet(options: RouteSetOptions): Promise<RouteResult> {
  const model = checkName(options.model);
  const split = options.split.map((s) => (typeof s === 'string' ? parseSplit([s])[0]! : s));
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const actor = await resolveActor(options.cwd, options.env ?? {}, options.actor);
  const salt = options.salt ?? '';
  if (options.target !== undefined) {
    const runner = await import('../core/deploy/runner.js');
    await runner.routeTarget(store, { model, target: options.target, split, salt, actor, env: options.env ?? {} }, { blobs: blobSourceFor(store, { env: options.env }) });
    return { model, split, salt, target: options.target };
  }
  const routing = await setRouting(store, model, split, salt, actor);
  return { model, split: routing.split, salt: routing.salt };
}

export interface RouteShowOptions extends Where {
  model: string;
  /** the split in force on this target (its own, else the model's) */
  target?: string | undefined;
}

/** The routing in force; an empty split when none was ever set. */
export async function routeShow(options: RouteShowOptions): Promise<RouteResult> {
  const model = checkName(options.model);
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const routing = await readRouting(store, model, options.target);
  const target = options.target === undefined ? {} : { target: options.target };
  return routing ? { model, ...routing, ...target } : { model, split: [], salt: '', ...target };
}

export interface RouteGetOptions extends Where {
  model: string;
  /** the user (or request key) to route */
  user: string;
  /** route by this target's split (its own, else the model's) */
  target?: string | undefined;
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
  const routing = await readRouting(store, model, options.target);
  if (!routing) throw new MregError('NOT_FOUND', `no routing set for ${model} (mreg route set ${model} <version>=<weight>...)`);
  const b = bucket(model, routing.salt, options.user);
  return { model, user: options.user, version: pick(routing.split, b), bucket: b };
}
