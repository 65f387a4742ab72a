// Where a command's use case runs, from the command's context: its directory, the store
// (--store, else MREG_STORE) and the environment.
import type { Where } from '../api/where.js';
import { storeOption, type Context } from './context.js';

export function whereOf(ctx: Context): Where {
  return { cwd: ctx.cwd, store: storeOption(ctx), env: ctx.env };
}
