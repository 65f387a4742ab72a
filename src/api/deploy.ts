// Deploying a version to a target through its playbook (core/deploy/runner.ts does the work: steps,
// automatic rollback on failure, the record of every start and outcome).
import { MregError } from '../errors.js';
import { openStore, type Store } from '../core/store.js';
import { splitRef } from '../core/lifecycle/refs.js';
import type { DeployResult, StepReport } from '../core/deploy/runner.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import type { Where } from './where.js';

export type { DeployResult, PlanLine, StepReport } from '../core/deploy/runner.js';
export { formatDuration } from '../core/duration.js';

export interface DeployOptions extends Where {
  /** the version to deploy: model@version, model@<stage>, model@<range> */
  ref: string;
  /** a target declared under targets: in config.yaml (absent: the only one declared) */
  target?: string | undefined;
  /** plan only: resolve versions, URLs and commands; touch nothing */
  dryRun?: boolean | undefined;
  /** override the target stage's promotion rules (recorded) */
  force?: boolean | undefined;
  /** who deploys (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
  /** each step as it finishes */
  onStep?: (report: StepReport) => void;
}

/**
 * The target a deploy, rollback or status means when none is named: the only target in config.yaml,
 * or (rollback, status) the only one that has served the model. Else one error, in domain words.
 */
export async function chooseTarget(store: Store, model: string, target: string | undefined, operation: 'deploy' | 'rollback' | 'status'): Promise<string> {
  if (target) return target;
  const configured = Object.keys(store.config.targets);
  let candidates = configured;
  if (operation !== 'deploy' && configured.length > 1) {
    const { targetsServed } = await import('../core/deploy/runner.js');
    const served = await targetsServed(store, model);
    if (served.length > 0) candidates = configured.filter((t) => served.includes(t));
  }
  if (candidates.length === 1) return candidates[0]!;
  const why = configured.length === 0 ? 'config.yaml declares no targets (add them under targets:)' : `config.yaml declares ${configured.join(', ')}${operation === 'deploy' ? '' : `, and ${candidates.length === 0 ? 'none' : candidates.join(', ')} served ${model}`}`;
  throw new MregError('USAGE', `${operation} needs target <name>: ${why}`, { data: { option: 'target' } });
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const target = await chooseTarget(store, splitRef(options.ref).model, options.target, 'deploy');
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
