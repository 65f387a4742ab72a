// What every command module receives: where it runs, how to find the store, and how to print.
import type { Where } from '../api/where.js';
import type { Renderer } from './render/render.js';

export interface GlobalOptions {
  json: boolean;
  store?: string;
  color: boolean;
}

export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  globals: GlobalOptions;
  render: Renderer;
}

export function storeOption(ctx: Context): string | undefined {
  return ctx.globals.store ?? (ctx.env.MREG_STORE || undefined);
}

/** The options every use case takes: the directory, the store (--store or MREG_STORE) and the environment. */
export function whereOf(ctx: Context): Where {
  return { cwd: ctx.cwd, store: storeOption(ctx), env: ctx.env };
}

