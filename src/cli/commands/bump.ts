// mreg bump <model> [paths...]: the next version, computed and checked without writing anything. The plain
// output is the version alone, so V=$(mreg bump fraud) works in a shell.
import { bump, type ChangeType } from '../../api/bump.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

// --change, or its alias --type (either name reaches here while the command table moves to --change).
export async function run(ctx: Context, args: unknown[], opts: { change?: ChangeType; type?: ChangeType; pre?: string; line?: string; meta?: string }): Promise<number> {
  const [model, paths] = args as [string, string[] | undefined];
  const plan = await bump({ ...whereOf(ctx), model, change: opts.change ?? opts.type, pre: opts.pre, line: opts.line, inputs: paths ?? [], meta: opts.meta });
  for (const f of plan.findings) ctx.render.note(`${f.bump}: ${f.message}`);
  ctx.render.result(plan, plan.next);
  return EXIT_OK;
}
