// mreg scan <path|ref>...
import { scan } from '../../api/scan.js';
import type { Context } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { whereOf } from '../context.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const result = await scan({ ...whereOf(ctx), targets: args[0] as string[] });
  const { files } = result;
  const { out } = ctx.render;
  const paint = { safe: out.green, warning: out.yellow, unsafe: out.red } as const;
  const lines = files.map((f) => {
    const notable = f.findings.filter((x) => x.severity !== 'info').map((x) => `    ${x.severity}: ${x.message}`);
    return [`${paint[f.status](f.status.padEnd(7))} ${f.path}`, ...notable.slice(0, 10), ...(notable.length > 10 ? [`    ... ${notable.length - 10} more`] : [])].join('\n');
  });
  const unsafe = files.filter((f) => f.status === 'unsafe').length;
  lines.push(`${files.length} file${files.length === 1 ? '' : 's'} scanned, ${unsafe} unsafe`);
  ctx.render.result({ ok: result.ok, files }, lines.join('\n'));
  if (!result.ok) ctx.render.failedResult(`${unsafe} unsafe file${unsafe === 1 ? '' : 's'}: ${files.filter((f) => f.status === 'unsafe').map((f) => f.path).join(', ')}`);
  return result.ok ? EXIT_OK : EXIT_FAILED;
}
