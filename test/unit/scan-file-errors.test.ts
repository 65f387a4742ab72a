// scanFile: what a path that cannot be scanned raises (with its code, message and data), and that the name
// argument, not the path, picks the reader and names the result.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { scanFile } from '../../src/core/scan/scan.js';

const tmp = mkdtempSync(join(tmpdir(), 'mreg-scanfile-'));
const evil = Buffer.from('\x80\x02cos\nsystem\n.', 'latin1');
let server: Server | undefined;

beforeAll(async () => {
  writeFileSync(join(tmp, 'evil.pkl'), evil);
  writeFileSync(join(tmp, 'two'), Buffer.concat([Buffer.from('N.'), evil]));
  mkdirSync(join(tmp, 'dir'));
  symlinkSync(join(tmp, 'evil.pkl'), join(tmp, 'link'));
  symlinkSync(join(tmp, 'loop-a'), join(tmp, 'loop-b'));
  symlinkSync(join(tmp, 'loop-b'), join(tmp, 'loop-a'));
  execFileSync('mkfifo', [join(tmp, 'fifo')]);
  server = createServer();
  await new Promise<void>((resolve) => server?.listen(join(tmp, 'sock'), resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

async function failure(path: string): Promise<MregError> {
  try {
    await scanFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(MregError);
    return err as MregError;
  }
  throw new Error(`scanned ${path}`);
}

describe('scanFile', () => {
  it('scans a regular file, through a symlink too; the result is named by the path', async () => {
    const p = join(tmp, 'evil.pkl');
    expect(await scanFile(p)).toMatchObject({ path: p, status: 'unsafe', globals: ['os.system'] });
    expect(await scanFile(join(tmp, 'link'))).toMatchObject({ path: join(tmp, 'link'), status: 'unsafe', globals: ['os.system'] });
  });

  it('the name picks the reader and names the result', async () => {
    const p = join(tmp, 'two');
    expect(await scanFile(p, 'model.joblib')).toStrictEqual({
      path: 'model.joblib',
      status: 'safe',
      globals: [],
      findings: [{ severity: 'info', message: '14 bytes after the pickle (from offset 2) are not read by the loader and were not scanned' }],
    });
    expect(await scanFile(p, 'model.pkl')).toMatchObject({ path: 'model.pkl', status: 'unsafe', globals: ['os.system'] });
  });

  it('a missing path is NOT_FOUND, with the path printable in the message and whole in the data', async () => {
    const p = join(tmp, 'no\u001bsuch.pkl');
    const err = await failure(p);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe(`no such file: ${join(tmp, 'no\\u001bsuch.pkl')}`);
    expect(err.data).toStrictEqual({ path: p });
  });

  it.each([
    ['dir', 'a directory'],
    ['fifo', 'a named pipe'],
    ['sock', 'a socket'],
  ])('%s is refused as %s, without opening it', async (file, kind) => {
    const p = join(tmp, file);
    const err = await failure(p);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(`${p}: ${kind}; only regular files are scanned`);
    expect(err.data).toStrictEqual({ path: p });
  });

  it('a device is refused', async () => {
    const err = await failure('/dev/null');
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('/dev/null: a device; only regular files are scanned');
  });

  it('other errors of the path are I/O errors naming the call', async () => {
    const p = join(tmp, 'evil.pkl', 'inside');
    const notDir = await failure(p);
    expect(notDir.code).toBe('IO');
    expect(notDir.message).toBe(`stat ${p}: ENOTDIR`);
    const loop = await failure(join(tmp, 'loop-a'));
    expect(loop.code).toBe('IO');
    expect(loop.message).toBe(`stat ${join(tmp, 'loop-a')}: ELOOP`);
  });
});
