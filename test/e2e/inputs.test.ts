// What register accepts as input, and what it refuses before writing anything.
import { mkfifoSync } from '../helpers/special-files.js';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses } from '../helpers/cli.js';
import { safetensorsPrefix } from '../helpers/model-fixtures.js';
import { newProject, type Project } from '../helpers/store.js';

const paths = (json: { artifacts: { path: string }[] }) => json.artifacts.map((a) => a.path);

function nothingWritten(p: Project): void {
  expect(readdirSync(join(p.store, 'models'))).toStrictEqual([]);
  expect(readdirSync(join(p.store, 'objects'))).toStrictEqual([]);
}

describe('register inputs', () => {
  it('takes globs relative to their fixed prefix, and hidden files in directories', async () => {
    const p = await newProject();
    // real (empty) safetensors files: register reads the header of every file named like a model
    p.file('build/a.safetensors', safetensorsPrefix({ __metadata__: { n: '1' } }));
    p.file('build/x/b.safetensors', safetensorsPrefix({ __metadata__: { n: '2' } }));
    p.file('build/x/notes.txt', 'n');
    p.file('dir/.config', 'c');
    p.file('dir/w.bin', 'w');
    const r = await cliPasses(p.dir, ['register', 'm', 'build/**/*.safetensors', '--change', 'patch', '--json']);
    expect(paths(r.json)).toStrictEqual(['a.safetensors', 'x/b.safetensors']);
    const d = await cliPasses(p.dir, ['register', 'n', 'dir', '--change', 'patch', '--json']);
    expect(paths(d.json)).toStrictEqual(['.config', 'w.bin']);
  });

  it('follows symlinks that stay inside the input, refuses ones that leave it', async () => {
    const p = await newProject();
    p.file('model/w.bin', 'w');
    p.file('outside/secret', 's');
    symlinkSync('w.bin', join(p.dir, 'model/alias.bin'));
    const ok = await cliPasses(p.dir, ['register', 'm', 'model', '--change', 'patch', '--json']);
    expect(paths(ok.json)).toStrictEqual(['alias.bin', 'w.bin']);
    expect(ok.json.artifacts[0].sha256).toBe(ok.json.artifacts[1].sha256);

    symlinkSync('../outside/secret', join(p.dir, 'model/leak'));
    await cliFails(p.dir, ['register', 'm', 'model', '--change', 'patch'], 2, /model\/leak: symlink points outside model/);
    symlinkSync(join(p.dir, 'outside'), join(p.dir, 'model/dirlink'));
    await cliFails(p.dir, ['register', 'x', 'model/*', '--change', 'patch'], 2, /symlink points outside/);
    expect(readdirSync(join(p.store, 'models'))).toStrictEqual(['m']);
  });

  it('refuses sockets and named pipes, broken links and symlink loops', async () => {
    const p = await newProject();
    p.file('d/w.bin', 'w');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(p.dir, 'd/sock'), resolve));
    try {
      await cliFails(p.dir, ['register', 'm', 'd', '--change', 'patch'], 2, /d\/sock: a socket; only regular files can be stored/);
      await cliFails(p.dir, ['register', 'm', 'd/sock', '--change', 'patch'], 2, /d\/sock: a socket/);
    } finally {
      server.close();
    }
    const q = await newProject();
    q.file('d/w.bin', 'w');
    mkfifoSync(join(q.dir, 'd/pipe'));
    await cliFails(q.dir, ['register', 'm', 'd', '--change', 'patch'], 2, /d\/pipe: a named pipe/);
    const r = await newProject();
    mkdirSync(join(r.dir, 'd'));
    symlinkSync('nowhere', join(r.dir, 'd/broken'));
    await cliFails(r.dir, ['register', 'm', 'd', '--change', 'patch'], 2, /broken symlink/);
    const s = await newProject();
    s.file('d/sub/w.bin', 'w');
    symlinkSync('..', join(s.dir, 'd/sub/up'));
    await cliFails(s.dir, ['register', 'm', 'd', '--change', 'patch'], 2, /symlink loop/);
    nothingWritten(s);
  });

  it.each([
    [['a/w.bin', 'b/w.bin'], /two inputs would both be stored as "w\.bin": a\/w\.bin and b\/w\.bin/],
    [['a/w.bin', 'a/w.bin'], /two inputs would both be stored as "w\.bin"/],
    [['a', 'b'], /two inputs would both be stored as "w\.bin": a and b/],
    [['missing.bin'], /missing\.bin: no such file or directory/],
    [['empty'], /empty: directory holds no files/],
    [['*.nothing'], /\*\.nothing: pattern matched no files/],
  ])('refuses %j (exit 2, nothing written)', async (inputs, why) => {
    const p = await newProject();
    p.file('a/w.bin', 'a');
    p.file('b/w.bin', 'b');
    mkdirSync(join(p.dir, 'empty'));
    await cliFails(p.dir, ['register', 'm', ...inputs, '--change', 'patch'], 2, why);
    nothingWritten(p);
  });

  it('stores a blob once for every version and model that has the same bytes', async () => {
    const p = await newProject();
    p.file('w.bin', 'shared weights');
    p.file('c1.json', '{"v":1}');
    await cliPasses(p.dir, ['register', 'a', 'w.bin', 'c1.json', '--change', 'patch']);
    p.file('c1.json', '{"v":2}');
    await cliPasses(p.dir, ['register', 'a', 'w.bin', 'c1.json', '--change', 'patch']);
    await cliPasses(p.dir, ['register', 'b', 'w.bin', '--change', 'patch']);
    const blobs = readdirSync(join(p.store, 'objects')).flatMap((fan) => readdirSync(join(p.store, 'objects', fan)));
    expect(blobs).toHaveLength(3);
  });
});
