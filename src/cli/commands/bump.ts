// mreg bump <model> [paths...]: the next version, computed and checked without writing anything. The plain
// output is the version alone, so V=$(mreg bump fraud) works in a shell.
import { resolve } from 'node:path';
import { readDocumentFile } from '../../core/documents.js';
import { validateMetadata } from '../../core/manifest/validate.js';
import type { ChangeType } from '../../core/versioning/bump.js';
import { planBump } from '../../core/versioning/plan.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

export async function run(ctx: Context, args: unknown[], opts: { type?: ChangeType; pre?: string; meta?: string }): Promise<number> {
  const [model, paths] = args as [string, string[] | undefined];
  const meta = opts.meta ? validateMetadata(await readDocumentFile(resolve(ctx.cwd, opts.meta), opts.meta), opts.meta) : undefined;
  const store = await openContextStore(ctx);
  const plan = await planBump(store.layout, { model, type: opts.type, pre: opts.pre, inputs: paths ?? [], cwd: ctx.cwd, signature: meta?.signature });
  for (const f of plan.findings) ctx.render.note(`${f.bump}: ${f.message}`);
  ctx.render.result(plan, plan.next);
  return EXIT_OK;
}
