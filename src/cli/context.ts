// What every command module receives: where it runs, how to find the store, and how to print.
import { openStore, type Store } from '../core/store.js';
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

export function openContextStore(ctx: Context): Promise<Store> {
  return openStore({ store: storeOption(ctx), cwd: ctx.cwd });
}
