// Deploying a version to a target through its playbook (core/deploy/runner.ts does the work: steps,
// automatic rollback on failure, the record of every start and outcome).
import { MregError } from '../errors.js';
import { openStore } from '../core/store.js';
import type { DeployResult, StepReport } from '../core/deploy/runner.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import type { Where } from './where.js';

export type { DeployResult, PlanLine, StepReport } from '../core/deploy/runner.js';
export { formatDuration } from '../core/duration.js';

export interface DeployOptions extends Where {
  /** the version to deploy: model@version, model@<stage>, model@<range> */
  ref: string;
  /** a target declared under targets: in config.yaml */
  target: string;
  /** plan only: resolve versions, URLs and commands; touch nothing */
  dryRun?: boolean | undefined;
  /** override the target stage's promotion rules (recorded) */
  force?: boolean | undefined;
  /** who deploys (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
  /** each step as it finishes */
  onStep?: (report: StepReport) => void;
}

/** Names the target a deploy, rollback or status needs: one error, in domain words, when none is given. */
export function requireTarget(target: string | undefined, operation: string): string {
  if (!target) throw new MregError('USAGE', `${operation} needs a target (targets are declared in .modelreg/config.yaml)`);
  return target;
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const target = requireTarget(options.target, 'deploy');
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const runner = await import('../core/deploy/runner.js');
  return runner.deploy(store, {
    ref: options.ref,
    target,
    dryRun: options.dryRun,
    force: options.force,
    actor: options.actor,
    cwd: options.cwd,
    env: options.env ?? {},
    ...(options.onStep ? { onStep: options.onStep } : {}),
  }, { blobs: blobSourceFor(store, { env: options.env }) });
}
