// Big models: register skips hashing a source the stat cache vouches for (and only then), link
// types for export and the local adapter, sharded checkpoints registered together.
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { cliFails, cliPasses, MREG, ROOT, runMreg, tempDir, testEnv } from '../helpers/cli.js';
import { writeSafetensors } from '../helpers/model-fixtures.js';
import { blobFiles, flipByte, newProject, randomContent, writeLargeFile } from '../helpers/store.js';

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
    const mtimeNs = statSync(w, { bigint: true }).mtimeNs;
    const bytes = readFileSync(w);
    bytes[size - 1] = bytes[size - 1]! ^ 0xff;
    writeFileSync(w, bytes);
    utimesSync(w, later, later);
    expect(statSync(w, { bigint: true }).mtimeNs).toBe(mtimeNs);
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

describe('link types', () => {
  async function registered() {
    const p = await newProject();
    p.file('m/w.bin', randomContent(64 * 1024));
    p.file('m/sub/config.json', '{"layers": 2}');
    await cliPasses(p.dir, ['register', 'm', 'm', '--version', '1.0.0']);
    const blobOf = (rel: string) => blobFiles(p.store).find((b) => readFileSync(b).equals(readFileSync(join(p.dir, 'm', rel))))!;
    return { p, blobOf };
  }

  it('export --link copy, reflink, hardlink and symlink all hand out the right bytes', async () => {
    const { p, blobOf } = await registered();
    const blob = blobOf('w.bin');
    for (const how of ['copy', 'reflink', 'hardlink', 'symlink']) {
      const out = await cliPasses(p.dir, ['export', 'm@1.0.0', `out-${how}`, '--link', how, '--json']);
      expect(out.json.link).toBe(how);
      const file = join(p.dir, `out-${how}`, 'w.bin');
      expect(readFileSync(file).equals(readFileSync(join(p.dir, 'm/w.bin')))).toBe(true);
      expect(readFileSync(join(p.dir, `out-${how}`, 'sub/config.json'), 'utf8')).toBe('{"layers": 2}');
      const st = lstatSync(file);
      if (how === 'hardlink') {
        expect(st.ino).toBe(statSync(blob).ino); // the blob itself: no space, no time
        expect(st.mode & 0o222).toBe(0); // and read-only, like every blob
      } else if (how === 'symlink') {
        expect(st.isSymbolicLink()).toBe(true);
        expect(readlinkSync(file)).toBe(blob);
      } else {
        // copy, and reflink (a clone where the file system can, else this fallback copy): a file of its own
        expect(st.isFile() && st.ino !== statSync(blob).ino).toBe(true);
        expect(st.mode & 0o200).toBe(0o200);
      }
    }
    // Re-exported over itself with --force: the link is replaced, never written through.
    await cliPasses(p.dir, ['export', 'm@1.0.0', 'out-symlink', '--link', 'copy', '--force']);
    expect(lstatSync(join(p.dir, 'out-symlink', 'w.bin')).isSymbolicLink()).toBe(false);
    await cliPasses(p.dir, ['verify']);
    await cliFails(p.dir, ['export', 'm@1.0.0', 'x', '--link', 'junction'], 2, /--link|junction/);
  });

  it('re-hashes a blob before linking it: a corrupt blob is neither hardlinked nor symlinked', async () => {
    const { p, blobOf } = await registered();
    flipByte(blobOf('w.bin'), 100);
    for (const how of ['hardlink', 'symlink', 'reflink']) {
      await cliFails(p.dir, ['export', 'm@1.0.0', `bad-${how}`, '--link', how], 1, /corrupt/);
      // A failed export leaves nothing behind: not the file, not the directory it created.
      expect(existsSync(join(p.dir, `bad-${how}`))).toBe(false);
    }
  });

  it('verify still catches a blob edited through a hardlinked export', async () => {
    const { p } = await registered();
    await cliPasses(p.dir, ['export', 'm@1.0.0', 'out', '--link', 'hardlink']);
    const file = join(p.dir, 'out', 'w.bin');
    chmodSync(file, 0o644); // only the owner or root can: the blob is read-only
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file, bytes);
    const verify = await runMreg(['verify', '--json'], { cwd: p.dir });
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout).problems.map((x: { code: string }) => x.code)).toContain('BLOB_CORRUPT');
  });

  it('a hardlink across file systems is refused with a clear error and leaves no file', async () => {
    const { p } = await registered();
    const other = mkdtempSync('/dev/shm/mreg-xdev-'); // tmpfs: another device than the store
    try {
      expect(statSync(other).dev).not.toBe(statSync(p.store).dev);
      await cliFails(p.dir, ['export', 'm@1.0.0', other, '--link', 'hardlink'], 1, /another file system/);
      expect(readdirSync(other, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory())).toStrictEqual([]);
      await cliPasses(p.dir, ['export', 'm@1.0.0', other, '--link', 'reflink']);
      expect(readFileSync(join(other, 'sub/config.json'), 'utf8')).toBe('{"layers": 2}');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('the local adapter deploys with link: hardlink, and refuses an unknown link', async () => {
    const { p, blobOf } = await registered();
    appendFileSync(join(p.store, 'config.yaml'), 'targets:\n  here:\n    adapter: local\n    options: {dir: ./deploy, link: hardlink}\n    playbook: p.yaml\n  bad:\n    adapter: local\n    options: {dir: ./d2, link: junction}\n    playbook: p.yaml\n');
    mkdirSync(join(p.store, 'playbooks'), { recursive: true });
    writeFileSync(join(p.store, 'playbooks', 'p.yaml'), 'deploy: [deploy: {}]\n');
    await cliPasses(p.dir, ['deploy', 'm@1.0.0', '--target', 'here']);
    const live = join(p.dir, 'deploy', 'current', 'w.bin');
    expect(statSync(live).ino).toBe(statSync(blobOf('w.bin')).ino);
    expect(readFileSync(join(p.dir, 'deploy', 'current', 'sub/config.json'), 'utf8')).toBe('{"layers": 2}');
    // Deploying again reuses the intact release.
    await cliPasses(p.dir, ['deploy', 'm@1.0.0', '--target', 'here']);
    await cliFails(p.dir, ['deploy', 'm@1.0.0', '--target', 'bad'], 2, /options\.link/);
  });
});

describe('a Hugging Face sharded checkpoint', () => {
  type Shards = Record<string, { name: string; shape: number[] }[]>;
  async function writeCheckpoint(dir: string, shards: Shards, index?: Record<string, string>): Promise<void> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'], hidden_size: 8 }));
    const weightMap: Record<string, string> = {};
    for (const [file, tensors] of Object.entries(shards)) {
      await writeSafetensors(join(dir, file), tensors.map((t) => ({ ...t, dtype: 'F16' })));
      for (const t of tensors) weightMap[t.name] = file;
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: index ?? weightMap }));
  }
  const S1 = 'model-00001-of-00002.safetensors';
  const S2 = 'model-00002-of-00002.safetensors';
  const base: Shards = {
    [S1]: [{ name: 'embed.weight', shape: [16, 8] }, { name: 'layers.0.weight', shape: [8, 8] }],
    [S2]: [{ name: 'layers.1.weight', shape: [8, 8] }, { name: 'lm_head.weight', shape: [16, 8] }],
  };

  it('is read as one model: its interface from every shard, a tensor moved between shards is no change, a shard reshaped is', async () => {
    const p = await newProject();
    const hf = join(p.dir, 'hf');
    await writeCheckpoint(hf, base);
    const first = await cliPasses(p.dir, ['register', 'llm', 'hf', '--version', '1.0.0', '--json']);
    expect(first.json.artifacts.map((a: { path: string }) => a.path)).toStrictEqual(['config.json', S1, S2, 'model.safetensors.index.json']);
    const shown = (await cliPasses(p.dir, ['show', 'llm@1.0.0', '--json'])).json;
    expect(Object.keys(shown.schema).sort()).toStrictEqual([S1, S2]);
    expect(Object.values(shown.schema).flatMap((s: any) => s.weights.map((w: { name: string }) => w.name)).sort()).toStrictEqual(['embed.weight', 'layers.0.weight', 'layers.1.weight', 'lm_head.weight']);

    // layers.1 moved to the first shard (the index follows): the same model to a caller.
    rmSync(hf, { recursive: true });
    await writeCheckpoint(hf, { [S1]: [...base[S1]!, base[S2]![0]!], [S2]: [base[S2]![1]!] });
    const moved = await cliPasses(p.dir, ['register', 'llm', 'hf', '--change', 'patch', '--json']);
    expect(moved.json.findings.map((f: { rule: string }) => f.rule)).toStrictEqual(['weights-changed']);

    // One tensor of the second shard reshaped: found like any other interface change.
    rmSync(hf, { recursive: true });
    await writeCheckpoint(hf, { [S1]: [...base[S1]!, base[S2]![0]!], [S2]: [{ name: 'lm_head.weight', shape: [32, 8] }] });
    const refused = await cliFails(p.dir, ['register', 'llm', 'hf', '--change', 'patch', '--json'], 1, /lm_head/);
    expect(refused.json.error.code).toBe('BUMP_TOO_LOW');
    expect(refused.json.error.data.findings).toStrictEqual([expect.objectContaining({ rule: 'architecture-changed', subject: 'lm_head.weight' })]);
    const major = await cliPasses(p.dir, ['register', 'llm', 'hf', '--change', 'major', '--json']);
    expect(major.json.version).toBe('2.0.0');
  });

  it('is refused when its index and its shards disagree, before anything is stored', async () => {
    const p = await newProject();
    const hf = join(p.dir, 'hf');
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'embed.weight': S1, 'layers.0.weight': S2, 'layers.1.weight': S2, 'lm_head.weight': S2 }, /(puts tensor|does not name tensor) 'layers\.0\.weight'/],
      [{ 'embed.weight': S1, 'layers.0.weight': S1, 'layers.1.weight': S2 }, /does not name tensor 'lm_head\.weight'/],
      [{ 'embed.weight': S1, 'layers.0.weight': S1, 'layers.1.weight': S2, 'lm_head.weight': 'model-00003-of-00003.safetensors' }, /not a safetensors file of this version/],
      [{ 'embed.weight': '../evil.safetensors' }, /expected a shard file name beside the index/],
    ];
    for (const [index, message] of cases) {
      rmSync(hf, { recursive: true, force: true });
      await writeCheckpoint(hf, base, index);
      await cliFails(p.dir, ['register', 'llm', 'hf', '--version', '1.0.0'], 2, message);
    }
    writeFileSync(join(hf, 'model.safetensors.index.json'), '{"weight_map": [1, 2]');
    await cliFails(p.dir, ['register', 'llm', 'hf', '--version', '1.0.0'], 2, /not valid JSON/);
    expect(readdirSync(join(p.store, 'objects'))).toStrictEqual([]);
  });
});

describe('memory', () => {
  it('measures the peak of the process itself, not the one of the bigger process that spawned it', () => {
    // exec carries the parent's peak into getrusage's maxRSS: from a worker this big, the memory checks below would measure the worker.
    const ballast = Buffer.alloc(200 * 1000 * 1000, 1);
    const rssFile = join(tempDir('mreg-rss-'), 'rss');
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'bench', 'maxrss.mjs')).href, '-e', ''], {
      env: testEnv({ MREG_BENCH_RSS_FILE: rssFile }),
    });
    expect(run.status).toBe(0);
    expect(ballast[ballast.length - 1]).toBe(1);
    const peak = Number(readFileSync(rssFile, 'utf8'));
    expect(peak).toBeGreaterThan(10 * 1000 * 1000);
    expect(peak).toBeLessThan(100 * 1000 * 1000);
  });

  it('stays under 100 MB while several big files are stored at once, and the artifacts keep their order', async () => {
    const p = await newProject();
    const MiB = 1024 * 1024;
    for (let i = 0; i < 5; i++) writeLargeFile(join(p.dir, 'ckpt', `model-0000${i + 1}-of-00005.bin`), 24 * MiB + i);
    const rssFile = join(p.dir, 'rss');
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'bench', 'maxrss.mjs')).href, MREG, 'register', 'm', 'ckpt', '--change', 'minor', '--json'], {
      cwd: p.dir,
      env: testEnv({ MREG_BENCH_RSS_FILE: rssFile }),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.artifacts.map((a: { path: string; size: number }) => [a.path, a.size])).toStrictEqual(
      [0, 1, 2, 3, 4].map((i) => [`model-0000${i + 1}-of-00005.bin`, 24 * MiB + i]),
    );
    expect(result.bytes_stored).toBe(5 * 24 * MiB + 10);
    expect(Number(readFileSync(rssFile, 'utf8'))).toBeLessThan(100 * 1000 * 1000);
    await cliPasses(p.dir, ['verify']);
  });
});
