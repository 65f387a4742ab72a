// mreg init
import { relative } from 'node:path';
import { init } from '../../api/init.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context): Promise<number> {
  const result = await init(whereOf(ctx));
  const shown = relative(ctx.cwd, result.store) || '.';
  ctx.render.result(result, result.created ? `initialized an empty model store in ${shown}` : `${shown} is already a model store; nothing changed`);
  return EXIT_OK;
}
