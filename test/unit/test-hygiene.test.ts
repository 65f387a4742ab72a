// The suite runs with `isolate: false` (vitest.config.ts): the test files of one worker share their
// modules and their process, so a file must not leave anything behind that another file would see.
// These are the ways a test file could, found by reading every test file's text.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const LEAKS: [RegExp, string][] = [
  [/process\.chdir\(/, 'changes the working directory of the shared process'],
  [/(?<![=!]=\s*)process\.env(\.\w+|\[[^\]]+\])\s*=(?!=)/, 'assigns to process.env (pass env to main() or the spawned process instead)'],
  [/delete\s+process\.env/, 'deletes from process.env'],
  [/vi\.(mock|doMock|stubGlobal|stubEnv)\(/, 'replaces a module or a global for every later file in the worker'],
  [/\b(it|test|describe)\.(only|skip)\(/, 'runs only some tests, or skips one'],
];

describe('test files share a worker safely', () => {
  const self = relative(ROOT, import.meta.filename);
  const files = testFiles(join(ROOT, 'test')).filter((f) => relative(ROOT, f) !== self);

  it('finds the test files', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('no test file changes process-wide state another file would see', () => {
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const [pattern, why] of LEAKS) if (pattern.test(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${why}`);
      });
    }
    expect(found).toStrictEqual([]);
  });

  it('each pattern catches what it names', () => {
    const focused = `${['it', 'only'].join('.')}('a', () => {});`; // spelt out, it would trip the check on this file
    const samples = ["process.chdir('/tmp');", "process.env.MREG_STORE = 'x';", "process.env['CI'] = '1';", 'delete process.env.CI;', "vi.mock('../x.js');", focused];
    expect(samples.map((s) => LEAKS.some(([p]) => p.test(s)))).toStrictEqual(samples.map(() => true));
    expect(LEAKS.some(([p]) => p.test("if (process.env.CI === '1') return;"))).toBe(false);
  });
});
