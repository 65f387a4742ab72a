// What a target runs: the live version, when and by whom it was deployed, the last outcome, an
// interrupted operation, what the adapter itself reports, the model's A/B routing, and drift: the
// live version differing from the one the target's stage holds.
import { openStore } from '../core/store.js';
import { readHistory } from '../core/lifecycle/history.js';
import { listVersions } from '../core/manifest/versions.js';
import { unpushed } from '../core/remote/known.js';
import type { StatusResult } from '../core/deploy/runner.js';
import { chooseTarget } from './deploy.js';
import { blobSourceFor } from '../core/remote/fetch.js';
import type { Where } from './where.js';

export type { StatusResult } from '../core/deploy/runner.js';

export interface StatusOptions extends Where {
  model: string;
  /** a target declared under targets: in config.yaml (absent: the only one that served the model) */
  target?: string | undefined;
}

export async function status(options: StatusOptions): Promise<StatusResult> {
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const target = await chooseTarget(store, options.model, options.target, 'status');
  const runner = await import('../core/deploy/runner.js');
  const result = await runner.status(store, options.model, target, options.env ?? {}, { blobs: blobSourceFor(store, { env: options.env }) });
  const { events } = await readHistory(store.layout, options.model);
  const pending = await unpushed(store.layout, store.config, options.model, await listVersions(store.layout, options.model), events);
  return pending ? { ...result, unpushed: pending.total } : result;
}
