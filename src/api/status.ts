// What a target runs: the live version, when and by whom it was deployed, the last outcome, an
// interrupted operation, what the adapter itself reports, and the model's A/B routing.
import { openStore } from '../core/store.js';
import type { StatusResult } from '../core/deploy/runner.js';
import { requireTarget } from './deploy.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import type { Where } from './where.js';

export type { StatusResult } from '../core/deploy/runner.js';

export interface StatusOptions extends Where {
  model: string;
  /** a target declared under targets: in config.yaml */
  target: string;
}

export async function status(options: StatusOptions): Promise<StatusResult> {
  const target = requireTarget(options.target, 'status');
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const runner = await import('../core/deploy/runner.js');
  return runner.status(store, options.model, target, options.env ?? {}, { blobs: blobSourceFor(store, { env: options.env }) });
}
