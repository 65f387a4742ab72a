// mreg diff <refA> <refB>
import { diff as diffOf, type Json } from '../../api/diff.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { formatBytes, table } from '../render/render.js';
import { whereOf } from '../context.js';

const show = (v: Json | null) => (v === null ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const [from, to] = args as [string, string];
  const diff = await diffOf({ ...whereOf(ctx), from, to });
  const { a, b } = diff;
  const { out } = ctx.render;
  const lines = [`${a.model}@${a.version} (${a.hash})  ->  ${b.model}@${b.version} (${b.hash})`];
  const metricRows = Object.entries(diff.metrics).map(([name, m]) => {
    const delta = m.delta === null ? '' : `${m.delta > 0 ? '+' : ''}${+m.delta.toPrecision(6)}${m.relative === null ? '' : ` (${m.relative > 0 ? '+' : ''}${(m.relative * 100).toFixed(1)}%)`}`;
    const painted = m.improved === true ? out.green(delta) : m.improved === false ? out.red(delta) : delta;
    // In words as well as colour: a log, a screen reader or NO_COLOR still says which way it went.
    const verdict = m.delta === null ? '' : m.delta === 0 ? 'same' : m.improved === true ? out.green('better') : m.improved === false ? out.red('worse') : 'changed';
    return [`  ${name}`, show(m.a), show(m.b), painted, verdict];
  });
  if (metricRows.length) lines.push('', 'metrics:', table(metricRows, ['  NAME', 'A', 'B', 'CHANGE', 'RESULT']));
  const paramRows = Object.entries(diff.params).map(([k, p]) => [`  ${k}`, show(p.a), show(p.b)]);
  if (paramRows.length) lines.push('', 'params changed:', table(paramRows, ['  NAME', 'A', 'B']));
  const { added, removed, changed, unchanged } = diff.artifacts;
  lines.push('', `artifacts: ${added.length} added, ${removed.length} removed, ${changed.length} changed, ${unchanged} unchanged`);
  for (const x of added) lines.push(out.green(`  + ${x.path} (${formatBytes(x.size)})`));
  for (const x of removed) lines.push(out.red(`  - ${x.path}`));
  for (const x of changed) lines.push(`  ~ ${x.path} (${formatBytes(x.a.size)} -> ${formatBytes(x.b.size)})`);
  if (diff.data) lines.push('', `data: ${show(diff.data.a)} -> ${show(diff.data.b)}`);
  if (diff.pipeline) lines.push('', `pipeline: ${show(diff.pipeline.a)} -> ${show(diff.pipeline.b)}`);
  if (diff.findings.length) lines.push('', `interface changes (require ${diff.required}):`, ...diff.findings.map((f) => `  ${f.bump}: ${f.message} [${f.rule}]`));
  ctx.render.result(diff, lines.join('\n'));
  return EXIT_OK;
}
