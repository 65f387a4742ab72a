// Big models: register skips hashing a source the stat cache vouches for (and only then), link
// types for export and the local adapter, sharded checkpoints registered together.
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPasses, runMreg } from '../helpers/cli.js';
import { blobFiles, newProject, randomContent } from '../helpers/store.js';

const HOUR_AGO = new Date(Date.now() - 3600_000);

describe('the stat cache', () => {
  it('skips the hash of an unchanged file, and hashes one touched, edited with its mtime restored, or with --rehash', async () => {
    const p = await newProject();
    const size = 3 * 1024 * 1024 + 17;
    p.file('w.bin', randomContent(size));
    const w = join(p.dir, 'w.bin');
    utimesSync(w, HOUR_AGO, HOUR_AGO); // well past the racy window

    const first = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'minor', '--json']);
    expect(first.json.bytes_hashed).toBe(size);
    const again = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--json']);
    expect(again.json).toMatchObject({ unchanged: true, version: '0.1.0', bytes_hashed: 0 });
    expect(again.json.artifacts).toStrictEqual(first.json.artifacts);
    // A new version of the same bytes takes them from the cache too (nothing read, nothing stored).
    const meta = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--metric', 'auc=0.9', '--json']);
    expect(meta.json).toMatchObject({ version: '0.1.1', bytes_hashed: 0, bytes_stored: 0 });

    // --rehash ignores the cache.
    expect((await cliPasses(p.dir, ['register', 'm', 'w.bin', '--metric', 'auc=0.9', '--rehash', '--json'])).json).toMatchObject({ unchanged: true, bytes_hashed: size });

    // Touched: another mtime, the same bytes.
    const later = new Date(HOUR_AGO.getTime() + 60_000);
    utimesSync(w, later, later);
    const rerun = ['register', 'm', 'w.bin', '--metric', 'auc=0.9', '--json'];
    expect((await cliPasses(p.dir, rerun)).json).toMatchObject({ unchanged: true, bytes_hashed: size });
    expect((await cliPasses(p.dir, rerun)).json).toMatchObject({ unchanged: true, bytes_hashed: 0 });

    // One byte flipped, the size and mtime put back as `touch -r` would: the ctime moved.
    const bytes = readFileSync(w);
    bytes[size - 1] = bytes[size - 1]! ^ 0xff;
    writeFileSync(w, bytes);
    utimesSync(w, later, later);
    expect(statSync(w).mtimeMs).toBe(later.getTime());
    const flipped = await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--json']);
    expect(flipped.json).toMatchObject({ unchanged: false, version: '0.1.2', bytes_hashed: size, bytes_stored: size });
    expect(flipped.json.artifacts[0].sha256).not.toBe(first.json.artifacts[0].sha256);
    await cliPasses(p.dir, ['verify']);
  });

  it('is rebuilt when its file is corrupt, and not trusted when the blob is gone', async () => {
    const p = await newProject();
    p.file('w.bin', randomContent(4096));
    utimesSync(join(p.dir, 'w.bin'), HOUR_AGO, HOUR_AGO);
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'minor']);
    const cacheFile = join(p.store, 'cache', 'stat-cache.json');
    writeFileSync(cacheFile, '{"format":1,"entries":[["garbage');
    expect((await cliPasses(p.dir, ['register', 'm', 'w.bin', '--json'])).json).toMatchObject({ unchanged: true, bytes_hashed: 4096 });
    expect(JSON.parse(readFileSync(cacheFile, 'utf8')).format).toBe(1);
    expect((await cliPasses(p.dir, ['register', 'm', 'w.bin', '--json'])).json).toMatchObject({ unchanged: true, bytes_hashed: 0 });
    // The cache never vouches for a blob that is not there: the file is read and stored again.
    for (const blob of blobFiles(p.store)) rmSync(blob);
    expect((await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'patch', '--json'])).json).toMatchObject({ bytes_hashed: 4096, bytes_stored: 4096 });
    await cliPasses(p.dir, ['verify']);
  });

  it('does not trust an entry recorded within the racy window of the mtime (racily clean)', async () => {
    const p = await newProject();
    p.file('w.bin', randomContent(4096)); // written just now: every entry for it is racy
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'minor']);
    expect((await cliPasses(p.dir, ['register', 'm', 'w.bin', '--json'])).json).toMatchObject({ unchanged: true, bytes_hashed: 4096 });
    expect((await cliPasses(p.dir, ['register', 'm', 'w.bin', '--json'])).json).toMatchObject({ unchanged: true, bytes_hashed: 4096 });
  });

  it('is never used by verify: a blob damaged under a cached source is still found', async () => {
    const p = await newProject();
    p.file('w.bin', randomContent(4096));
    utimesSync(join(p.dir, 'w.bin'), HOUR_AGO, HOUR_AGO);
    await cliPasses(p.dir, ['register', 'm', 'w.bin', '--change', 'minor']);
    const [blob] = blobFiles(p.store);
    const bytes = readFileSync(blob!);
    bytes[10] = bytes[10]! ^ 1;
    rmSync(blob!);
    writeFileSync(blob!, bytes, { mode: 0o444 });
    const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout).problems.map((x: { code: string }) => x.code)).toContain('BLOB_CORRUPT');
  });
});
