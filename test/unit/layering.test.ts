// The house rules for imports, checked on the source: data flows one way (cli -> api -> core -> store),
// no file or folder imports itself back, and the CLI reaches the domain only through the use cases.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Higher layers may import lower ones; the reverse is an upward import. */
const LAYERS: Record<string, number> = { 'index.ts': 4, cli: 3, api: 2, core: 1, store: 0, 'errors.ts': -1 };
/** Upward imports allowed at most, each with a comment saying why on the line before or the same line. */
const MAX_UPWARD = 2;

interface Import {
  from: string;
  to: string;
  line: number;
  justified: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

function importsOf(file: string): Import[] {
  const lines = readFileSync(join(SRC, file), 'utf8').split('\n');
  const found: Import[] = [];
  lines.forEach((text, i) => {
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)\.js'/g)) {
      const to = relative(SRC, resolve(SRC, dirname(file), `${m[1]}.ts`));
      const justified = /upward:/.test(text) || /upward:/.test(lines[i - 1] ?? '');
      found.push({ from: file, to, line: i + 1, justified });
    }
  });
  return found;
}

const layerOf = (file: string) => LAYERS[file.split('/')[0]!]!;
/** The unit of the folder rule: a folder under core/ (or a file directly in core/), else the top folder. */
function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'core') return parts.length > 2 ? `core/${parts[1]}` : file;
  return parts[0]!;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

function graph(imports: Import[], key: (file: string) => string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    const a = key(from);
    const b = key(to);
    if (!edges.has(a)) edges.set(a, new Set());
    if (a !== b) edges.get(a)!.add(b);
  }
  return edges;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);

describe('layering', () => {
  it('finds the source and its imports (the checks below would pass vacuously otherwise)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports.length).toBeGreaterThan(200);
    expect(imports.every((i) => files.includes(i.to))).toBe(true);
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph(imports, (f) => f))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(graph(imports, unitOf))).toEqual([]);
  });

  it(`has at most ${MAX_UPWARD} upward imports, each with an "upward:" comment saying why`, () => {
    const upward = imports.filter((i) => layerOf(i.to) > layerOf(i.from));
    expect(upward.filter((i) => !i.justified).map((i) => `${i.from}:${i.line} -> ${i.to}`)).toEqual([]);
    expect(upward.length).toBeLessThanOrEqual(MAX_UPWARD);
  });

  it('lets the CLI reach the domain only through the use cases', () => {
    const reaching = imports.filter((i) => i.from.startsWith('cli/') && !/^(cli|api)\/|^errors\.ts$/.test(i.to));
    expect(reaching.map((i) => `${i.from}:${i.line} -> ${i.to}`)).toEqual([]);
  });

  it('keeps the store below the domain and the scanner a pure leaf', () => {
    const bad = imports.filter(
      (i) => (i.from.startsWith('store/') && !/^(store\/|errors\.ts$)/.test(i.to)) || (i.from.startsWith('core/scan/') && !/^(core\/scan\/|errors\.ts$)/.test(i.to)),
    );
    expect(bad.map((i) => `${i.from}:${i.line} -> ${i.to}`)).toEqual([]);
  });
});
