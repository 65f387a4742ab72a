// mreg init
import { relative } from 'node:path';
import { initStore } from '../../core/store.js';
import { storeOption, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context): Promise<number> {
  const result = await initStore({ store: storeOption(ctx), cwd: ctx.cwd });
  const shown = relative(ctx.cwd, result.root) || '.';
  ctx.render.result(
    { store: result.root, created: result.created },
    result.created ? `initialized an empty model store in ${shown}` : `${shown} is already a model store; nothing changed`,
  );
  return EXIT_OK;
}
