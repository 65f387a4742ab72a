// mreg card <ref>: a version's model card as Markdown on stdout.
import { card } from '../../api/card.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const result = await card({ ...whereOf(ctx), ref: args[0] as string });
  if (result.hand_written_error) ctx.render.warn(`the hand-written card of ${result.model}@${result.version} could not be read (${result.hand_written_error}): the card is generated alone`);
  // Text from the store never reaches a terminal as control sequences.
  ctx.render.result(result, result.markdown.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ''));
  return EXIT_OK;
}
