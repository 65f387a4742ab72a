// Every version made, directly or transitively, from a component (a version, every version a range
// matches, or a URI), with the references that tie it and its stages; optionally a gate on one stage.
import { impact as impactOf, type ImpactResult } from '../core/lineage/query.js';
import { openLazyStore } from '../core/store.js';
import type { Where } from './where.js';

export type { AffectedVersion, ImpactResult } from '../core/lineage/query.js';

export interface ImpactOptions extends Where {
  /** name@version, name@<range> (every match), or a URI */
  component: string;
  /** the gate: `gate.ok` is false when an affected version is in this stage */
  failOnStage?: string | undefined;
}

export async function impact(opts: ImpactOptions): Promise<ImpactResult> {
  // The config is read only if a stage is named: most queries need no YAML parser at all.
  const store = await openLazyStore({ store: opts.store, cwd: opts.cwd });
  return impactOf(store, { component: opts.component, failOnStage: opts.failOnStage });
}
