// Turning `register` inputs (files, directories, globs) into a list of files with the relative
// paths they get inside a version. Refuses what cannot be stored faithfully or safely.
import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MregError } from '../errors.js';
import { artifactPathProblem, artifactPathsConflict } from './manifest/fields.js';

export interface InputFile {
  /** where to read it */
  source: string;
  /** its path inside the version */
  path: string;
  /** the command-line input it came from */
  input: string;
}

const bad = (message: string) => new MregError('INVALID_INPUT', message);

function kindOf(st: Stats): string {
  if (st.isSocket()) return 'a socket';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  return 'not a regular file or directory';
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

type FastGlob = typeof import('fast-glob');
let fastGlob: FastGlob | undefined;

/** fast-glob costs ~20 ms to load, so only inputs with glob characters load it. */
async function globber(): Promise<FastGlob> {
  fastGlob ??= (await import('fast-glob')).default;
  return fastGlob;
}

async function isGlob(input: string): Promise<boolean> {
  return /[*?[\]{}()!]/.test(input) && (await globber()).isDynamicPattern(input);
}

/** The directory part of a glob before its first dynamic segment. */
function globBase(fg: FastGlob, pattern: string): string {
  const segments = pattern.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (fg.isDynamicPattern(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/') || '.';
}

class Collector {
  readonly files: InputFile[] = [];

  add(source: string, relPath: string, input: string): void {
    const path = relPath.split(sep).join('/');
    const problem = artifactPathProblem(path);
    if (problem) throw bad(`${input}: cannot store ${JSON.stringify(path)}: the path ${problem}`);
    this.files.push({ source, path, input });
  }

  /** Follows a symlink found under `realRoot`, refusing one that leads outside it. */
  async followLink(linkPath: string, realRoot: string, rootLabel: string): Promise<{ target: string; st: Stats }> {
    const target = await realpath(linkPath).catch(() => {
      throw bad(`${linkPath}: broken symlink`);
    });
    if (!inside(realRoot, target)) throw bad(`${linkPath}: symlink points outside ${rootLabel} (to ${target}); refusing to store it`);
    return { target, st: await stat(target) };
  }

  async walk(dir: string, relDir: string, realRoot: string, input: string, visited: Set<string>): Promise<void> {
    const entries = (await readdir(dir)).sort();
    for (const entry of entries) {
      const full = join(dir, entry);
      const rel = relDir ? join(relDir, entry) : entry;
      let st = await lstat(full);
      let target = full;
      if (st.isSymbolicLink()) ({ target, st } = await this.followLink(full, realRoot, input));
      if (st.isFile()) this.add(target, rel, input);
      else if (st.isDirectory()) {
        const real = await realpath(target);
        if (visited.has(real)) throw bad(`${full}: symlink loop inside ${input}`);
        visited.add(real);
        await this.walk(target, rel, realRoot, input, visited);
        visited.delete(real);
      } else throw bad(`${full}: ${kindOf(st)}; only regular files can be stored`);
    }
  }

  async addInput(input: string, cwd: string): Promise<void> {
    if (await isGlob(input)) return this.addGlob(input, cwd);
    const full = resolve(cwd, input);
    let st: Stats;
    try {
      st = await stat(full); // a path named explicitly is followed, as cp does
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw bad(code === 'ENOENT' ? `${input}: no such file or directory` : `${input}: cannot read (${code})`);
    }
    if (st.isFile()) return this.add(full, basename(full), input);
    if (st.isDirectory()) {
      const real = await realpath(full);
      const before = this.files.length;
      await this.walk(full, '', real, input, new Set([real]));
      if (this.files.length === before) throw bad(`${input}: directory holds no files`);
      return;
    }
    throw bad(`${input}: ${kindOf(st)}; only regular files and directories can be stored`);
  }

  async addGlob(pattern: string, cwd: string): Promise<void> {
    const fg = await globber();
    const base = resolve(cwd, globBase(fg, pattern));
    const realBase = await realpath(base).catch(() => base);
    const matches = await fg(pattern, { cwd, dot: true, onlyFiles: false, followSymbolicLinks: false, absolute: true, unique: true });
    let added = 0;
    for (const match of matches.sort()) {
      let st = await lstat(match);
      let target = match;
      if (st.isSymbolicLink()) ({ target, st } = await this.followLink(match, realBase, pattern));
      if (st.isDirectory()) continue; // a glob names files; use the directory itself to store a tree
      if (!st.isFile()) throw bad(`${match}: ${kindOf(st)}; only regular files can be stored`);
      this.add(target, relative(base, match), pattern);
      added++;
    }
    if (added === 0) throw bad(`${pattern}: pattern matched no files`);
  }
}

export async function expandInputs(inputs: string[], cwd: string): Promise<InputFile[]> {
  if (inputs.length === 0) throw new MregError('USAGE', 'no files to register: give at least one file, directory or glob');
  const collector = new Collector();
  for (const input of inputs) await collector.addInput(input, cwd);
  const byPath = new Map<string, InputFile>();
  for (const file of collector.files) {
    const other = byPath.get(file.path);
    if (other) {
      throw bad(`two inputs would both be stored as ${JSON.stringify(file.path)}: ${other.input === file.input ? other.source : other.input} and ${file.input === other.input ? file.source : file.input}`);
    }
    byPath.set(file.path, file);
  }
  const conflict = artifactPathsConflict([...byPath.keys()]);
  if (conflict !== undefined) throw bad(`these inputs cannot be stored together: ${conflict}; nothing was stored`);
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
