// Creating a store: a new .modelreg (or the given store directory), or nothing at all if one is there.
import { initStore } from '../core/store.js';
import type { Where } from './where.js';

export type InitOptions = Where;

export interface InitResult {
  /** the store directory */
  store: string;
  /** false when a readable store was already there (it is left as it was) */
  created: boolean;
}

export async function init(opts: InitOptions): Promise<InitResult> {
  const result = await initStore({ store: opts.store, cwd: opts.cwd });
  return { store: result.root, created: result.created };
}
