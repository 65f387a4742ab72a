// Rolling a target back to the last version that deployed healthy before the live one (or to a
// version named), through the playbook's rollback steps; an interrupted deploy or rollback is finished.
import { openStore } from '../core/store.js';
import type { RollbackResult, StepReport } from '../core/deploy/runner.js';
import { chooseTarget } from './deploy.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import type { Where } from './where.js';

export type { RollbackResult } from '../core/deploy/runner.js';

export interface RollbackOptions extends Where {
  model: string;
  /** a target declared under targets: in config.yaml (absent: the only one that served the model) */
  target?: string | undefined;
  /** roll back to this version (or stage, range) of the model instead */
  to?: string | undefined;
  /** plan only; touch nothing */
  dryRun?: boolean | undefined;
  /** who rolls back (default from env, as for deploy) */
  actor?: string | undefined;
  onStep?: (report: StepReport) => void;
}

export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const target = await chooseTarget(store, options.model, options.target, 'rollback');
  const runner = await import('../core/deploy/runner.js');
  return runner.rollback(store, {
    model: options.model,
    target,
    to: options.to,
    dryRun: options.dryRun,
    actor: options.actor,
    cwd: options.cwd,
    env: options.env ?? {},
    ...(options.onStep ? { onStep: options.onStep } : {}),
  }, { blobs: blobSourceFor(store, { env: options.env }) });
}
