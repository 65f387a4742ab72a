// All-or-nothing writes (src/store/atomic.ts) when something goes wrong: errors of the file system are
// passed through unchanged, no temp file is left behind, and a directory fsync the file system refuses
// (EINVAL on /proc) is not an error while any other is.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsyncDir, openTemp, removeQuietly, tempName, writeCreateOnly, writeReplace } from '../../src/store/atomic.js';
import { layoutOf, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';

function storeLayout(): Layout {
  const layout = layoutOf(join(tempDir('mreg-atomic2-'), '.modelreg'));
  mkdirSync(layout.tmp, { recursive: true });
  return layout;
}

async function errno(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => 'resolved',
    (e: NodeJS.ErrnoException) => e.code,
  );
}

describe('temp files', () => {
  it('are named <pid>-<16 hex digits>.tmp inside tmp/', () => {
    const layout = storeLayout();
    const name = tempName(layout);
    expect(name.slice(0, layout.tmp.length + 1)).toBe(`${layout.tmp}/`);
    expect(name.slice(layout.tmp.length + 1)).toMatch(new RegExp(`^${process.pid}-[0-9a-f]{16}\\.tmp$`));
  });

  it('openTemp passes through an error other than a missing tmp/', async () => {
    const layout = layoutOf(join(tempDir('mreg-atomic2-'), '.modelreg'));
    mkdirSync(layout.root, { recursive: true });
    writeFileSync(layout.tmp, 'a file where tmp/ should be');
    expect(await errno(openTemp(layout))).toBe('ENOTDIR');
  });

  it('removeQuietly removes a file, and says nothing when there is none', async () => {
    const layout = storeLayout();
    const path = join(layout.tmp, 'x');
    writeFileSync(path, 'x');
    await removeQuietly(path);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
    await removeQuietly(path);
  });
});

describe('fsyncDir', () => {
  it('syncs a directory; tolerates EINVAL (a file system without directory fsync); throws anything else', async () => {
    const layout = storeLayout();
    await fsyncDir(layout.tmp);
    await fsyncDir('/proc'); // procfs answers EINVAL
    expect(await errno(fsyncDir(join(layout.root, 'missing')))).toBe('ENOENT');
  });
});

describe('writes that fail', () => {
  it('writeCreateOnly passes through an error other than EEXIST, leaving no temp file', async () => {
    const layout = storeLayout();
    writeFileSync(join(layout.root, 'file'), 'x');
    expect(await errno(writeCreateOnly(layout, join(layout.root, 'file', 'sub', 'dest'), 'data'))).toBe('ENOTDIR');
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('writeCreateOnly passes through a failure of the link itself other than EEXIST (a name too long), not "already there"', async () => {
    const layout = storeLayout();
    expect(await errno(writeCreateOnly(layout, join(layout.root, 'x'.repeat(256)), 'data'))).toBe('ENAMETOOLONG');
    expect(readdirSync(layout.root).sort()).toStrictEqual(['tmp']);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('writeCreateOnly fails, not "already there", when a file stands where its directory should be', async () => {
    // mkdir's EEXIST once read as link's: register said VERSION_EXISTS for a model directory that was a file.
    const layout = storeLayout();
    writeFileSync(join(layout.root, 'fraud'), 'x');
    expect(await errno(writeCreateOnly(layout, join(layout.root, 'fraud', '1.0.0.yaml'), 'data'))).toBe('EEXIST');
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('writeCreateOnly with a mode writes that mode', async () => {
    const layout = storeLayout();
    const dest = join(layout.root, 'changes', 'c.yaml');
    expect(await writeCreateOnly(layout, dest, 'text', 0o644)).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('text');
    expect(statSync(dest).mode & 0o777).toBe(0o644);
  });

  it('writeReplace passes through a failed rename (a directory in the way), leaving no temp file', async () => {
    const layout = storeLayout();
    const dest = join(layout.root, 'config.yaml');
    mkdirSync(join(dest, 'inside'), { recursive: true });
    expect(await errno(writeReplace(layout, dest, 'data'))).toBe('EISDIR');
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
    expect(await errno(writeReplace(layout, dest, 'data', 0o644, false))).toBe('EISDIR');
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
  });

  it('a failed write of the temp file removes it and passes the error through', async () => {
    const layout = storeLayout();
    const bad = 42 as unknown as string; // not writable data: the write itself throws
    const replace = await writeReplace(layout, join(layout.root, 'x'), bad).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(replace).toBeInstanceOf(TypeError);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
    const create = await writeCreateOnly(layout, join(layout.root, 'y'), bad).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(create).toBeInstanceOf(TypeError);
    expect(readdirSync(layout.tmp)).toStrictEqual([]);
    expect(readdirSync(layout.root).sort()).toStrictEqual(['tmp']);
  });
});
