// Fixture builders: a temp project with an initialised store, files to register, and quick access
// to the store's insides for tests that damage it on purpose.
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cliPasses, tempDir } from './cli.js';
import { layoutOf, type Layout } from '../../src/store/layout.js';
import { register } from '../../src/api/register.js';
import { initStore, openStore, type Store } from '../../src/core/store.js';

export interface Project {
  dir: string;
  store: string;
  /** writes a file under the project (creating parents) and returns its path relative to dir */
  file(rel: string, content: string | Buffer): string;
}

export async function newProject(): Promise<Project> {
  const dir = tempDir();
  await cliPasses(dir, ['init']);
  return {
    dir,
    store: join(dir, '.modelreg'),
    file(rel, content) {
      const full = join(dir, rel);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      return rel;
    },
  };
}

/**
 * Random bytes that start with a zero byte, which no pickle opcode is: register scans `.bin` files as
 * possible PyTorch pickles, and a few random prefixes in ten thousand would look like dangerous ones.
 */
export function randomContent(size: number): Buffer {
  const bytes = randomBytes(size);
  if (size > 0) bytes[0] = 0;
  return bytes;
}

/** Writes `size` random bytes (starting with a zero byte, as above) in 4 MiB pieces, without a large buffer. */
export function writeLargeFile(path: string, size: number): void {
  const piece = randomContent(Math.min(size, 4 << 20));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  for (let done = 0; done < size; done += piece.length) {
    writeFileSync(path, piece.subarray(0, Math.min(piece.length, size - done)), { flag: 'a' });
  }
}

export function blobFiles(store: string): string[] {
  const out: string[] = [];
  const objects = join(store, 'objects');
  for (const fan of readdirSync(objects)) for (const name of readdirSync(join(objects, fan))) out.push(join(objects, fan, name));
  return out;
}

/** Flips one byte of a blob in place (blobs are read-only, as a user with write access could still do). */
export function flipByte(path: string, offset = 0): void {
  chmodSync(path, 0o644);
  const bytes = readFileSync(path);
  const at = offset % bytes.length;
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
}

/** A bare store (objects/ and tmp/ only) for the blob store's unit tests, and a way to write source files beside it. */
export function blobStoreFixture(prefix: string): { dir: string; layout: Layout; file(name: string, data: string | Buffer): string } {
  const dir = tempDir(prefix);
  const layout = layoutOf(join(dir, '.modelreg'));
  for (const d of [layout.objects, layout.tmp]) mkdirSync(d, { recursive: true });
  return {
    dir,
    layout,
    file(name, data) {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    },
  };
}

/**
 * A store in a fresh temp project, with `add` registering one small file as a version (made from
 * `parents`, given as `model@version`); its default remote `origin` is the directory `remoteDir` if given.
 */
export async function scratchStore(prefix: string, remoteDir?: string) {
  const dir = tempDir(prefix);
  await initStore({ cwd: dir });
  const store: Store = await openStore({ cwd: dir });
  if (remoteDir !== undefined) store.config.remotes = { origin: { name: 'origin', url: remoteDir, default: true } };
  return {
    dir,
    store,
    async add(model: string, version: string, content: string, parents?: string[]) {
      mkdirSync(join(dir, model, version), { recursive: true });
      writeFileSync(join(dir, model, version, 'm.bin'), content);
      await register({ cwd: dir, env: { MREG_ACTOR: 'tester' }, model, inputs: [`${model}/${version}/m.bin`], version, ...(parents ? { parents } : {}) });
    },
  };
}
