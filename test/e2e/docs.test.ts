// The documentation stays true: docs/cli.md is what scripts/cli-docs.mjs makes from the command
// definitions, and every relative link in the Markdown docs points at a file (and heading) that exists.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCliDocs, CLI_DOCS_PATH, listedCommands, renderCliDocs } from '../../scripts/cli-docs.mjs';
import { ROOT } from '../helpers/cli.js';

const temp = mkdtempSync(join(tmpdir(), 'mreg-docs-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('docs/cli.md', () => {
  it('is what the generator makes from the command definitions (run npm run docs when this fails)', async () => {
    const result = await checkCliDocs();
    expect(result.message).toMatch(/up to date/);
    expect(result.ok).toBe(true);
  });

  it('has a section for every command in the command table', async () => {
    const { COMMANDS } = (await import(join(ROOT, 'dist/cli/commands/index.js'))) as { COMMANDS: { name: string }[] };
    const page = readFileSync(CLI_DOCS_PATH, 'utf8');
    expect(COMMANDS.length).toBeGreaterThan(20);
    for (const { name } of COMMANDS) expect(page).toContain(`\n## mreg ${name}\n`);
  });

  it('is reported as drifted, in one line, when it differs or is missing', async () => {
    const drifted = join(temp, 'cli.md');
    writeFileSync(drifted, (await renderCliDocs()).replace('## mreg init', '## mreg init (edited by hand)'));
    const result = await checkCliDocs(drifted);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/differs from the command definitions: run npm run docs$/);
    expect(result.message).not.toContain('\n');
    expect((await checkCliDocs(join(temp, 'none.md'))).ok).toBe(false);
  });

  it('reads subcommands from a help text, without commander\'s own help command', () => {
    const help = 'Usage: mreg remote\n\nCommands:\n  add [options] <name> <url>  add a remote\n                              (wrapped)\n  ls  list\n  help [command]  display help\n\nExamples:\n  $ mreg remote ls\n';
    expect(listedCommands(help)).toStrictEqual(['add', 'ls']);
  });
});

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The text outside fenced code blocks, where a line starting with # is a heading. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text outside code blocks and inline code, where a link is a link. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** Why each relative link in `file` does not resolve: "README.md: docs/x.md#y: no heading y". */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const match of withoutCode(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path, hash] = target.split('#') as [string, string | undefined];
    const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(resolved)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (hash !== undefined && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(hash)) {
      problems.push(`${where}: no heading with the anchor #${hash}`);
    }
  }
  return problems;
}

describe('links in the documentation', () => {
  const files = [join(ROOT, 'README.md'), join(ROOT, 'CONTRIBUTING.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))];

  it('covers the README, CONTRIBUTING.md and the pages under docs/', () => {
    for (const name of ['README.md', 'CONTRIBUTING.md', 'docs/cli.md', 'docs/config.md', 'docs/design.md']) expect(files).toContain(join(ROOT, name));
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('every relative link in %s resolves', (_name, file) => {
    expect(brokenLinks(file)).toStrictEqual([]);
  });

  it('finds a link to a missing file and an anchor that names no heading', () => {
    const sample = join(temp, 'sample.md');
    writeFileSync(sample, '# Title here\n\n## `mreg init`\n\n[ok](#title-here) [ok](#mreg-init) [bad](missing.md) [bad](#nowhere) `[code](missing.md)` [web](https://example.com)\n\n```\n[code](missing.md)\n```\n');
    expect(brokenLinks(sample).map((p) => p.replace(/^.*?: /, ''))).toStrictEqual(['missing.md: no such file', '#nowhere: no heading with the anchor #nowhere']);
  });
});
