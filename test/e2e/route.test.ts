// A/B routing: validation, and assignments that match an independent implementation (Python's
// hashlib), so every process, machine and language agrees on which version a user gets.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliFails, cliPasses } from '../helpers/cli.js';
import { newProject, type Project } from '../helpers/store.js';

async function withVersions(versions: string[]): Promise<Project> {
  const p = await newProject();
  for (const v of versions) {
    p.file('m.bin', v);
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', v]);
  }
  return p;
}

/** The README's published vectors, computed with Python's hashlib. */
const VECTORS: [salt: string, user: string, bucket: number, version: string][] = [
  ['', 'user-1', 0.3273933758, '1.2.3'],
  ['', 'user-2', 0.8394562236, '1.3.0'],
  ['', 'user-42', 0.3441444563, '1.2.3'],
  ['', 'alice@example.com', 0.3946373239, '1.2.3'],
  ['2026-q1', 'user-1', 0.4235171997, '1.2.3'],
];

describe('mreg route', () => {
  it('assigns users as the published test vectors say', async () => {
    const p = await withVersions(['1.2.3', '1.3.0']);
    for (const salt of ['', '2026-q1']) {
      await cliPasses(p.dir, ['route', 'set', 'fraud', '1.2.3=0.8', '1.3.0=0.2', ...(salt ? ['--salt', salt] : [])]);
      for (const [, user, b, version] of VECTORS.filter((v) => v[0] === salt)) {
        const r = await cliPasses(p.dir, ['route', 'get', 'fraud', user, '--json']);
        expect(r.json.version).toBe(version);
        expect(r.json.bucket).toBeCloseTo(b, 9);
        expect((await cliPasses(p.dir, ['route', 'get', 'fraud', user])).stdout).toBe(`${version}\n`);
      }
    }
  });

  it('agrees with a Python implementation for 200 users and a three-way split', async () => {
    const p = await withVersions(['1.0.0', '1.1.0', '2.0.0']);
    await cliPasses(p.dir, ['route', 'set', 'fraud', '2.0.0=0.5', '1.0.0=0.3', '1.1.0=0.2', '--salt', 's1']);
    const users = Array.from({ length: 200 }, (_, i) => `u${i * 7919}`);
    const python = spawnSync(
      'python3',
      [
        '-c',
        `import hashlib, struct, sys
split = [("2.0.0", 0.5), ("1.0.0", 0.3), ("1.1.0", 0.2)]
for user in sys.argv[1:]:
    b = struct.unpack(">I", hashlib.sha256(("fraud:s1:" + user).encode()).digest()[:4])[0] / 2**32
    c = 0
    for v, w in split:
        c += w
        if b < c:
            print(v); break
    else:
        print(split[-1][0])`,
        ...users,
      ],
      { encoding: 'utf8' },
    );
    expect(python.status, python.stderr).toBe(0);
    const expected = python.stdout.trim().split('\n');
    // The library is what every mreg process runs; one CLI call per user would only repeat it.
    const { openStore } = await import('../../src/core/store.js');
    const { readRouting, routeFor } = await import('../../src/core/routing/route.js');
    const routing = (await readRouting(await openStore({ cwd: p.dir }), 'fraud'))!;
    expect(users.map((u) => routeFor('fraud', routing, u))).toStrictEqual(expected);
    for (const i of [0, 57, 199]) expect((await cliPasses(p.dir, ['route', 'get', 'fraud', users[i]!])).stdout.trim()).toBe(expected[i]);
    expect(new Set(expected).size).toBe(3);
  });

  it('validates splits (exit 2, with the sum), records them in the history and shows the current one', async () => {
    const p = await withVersions(['1.0.0', '1.1.0']);
    await cliFails(p.dir, ['route', 'set', 'fraud', '1.0.0=0.5', '1.1.0=0.4'], 2, /weights must sum to 1 \(within 0\.001\), got 0\.9$/);
    await cliFails(p.dir, ['route', 'set', 'fraud', '1.0.0=1.5', '1.1.0=-0.5'], 2, /weight of 1\.0\.0 must be between 0 and 1, got 1\.5/);
    await cliFails(p.dir, ['route', 'set', 'fraud', '9.9.9=1'], 2, /fraud@9\.9\.9 is not registered/);
    await cliFails(p.dir, ['route', 'set', 'fraud', '1.0.0'], 2, /expected <version>=<weight>/);
    await cliFails(p.dir, ['route', 'get', 'fraud', 'u1'], 1, /no routing set for fraud/);
    await cliPasses(p.dir, ['route', 'set', 'fraud', '1.0.0=0.9995', '1.1.0=0']); // within the tolerance
    await cliPasses(p.dir, ['route', 'set', 'fraud', '1.0.0=0.7', '1.1.0=0.3', '--actor', 'ab-bot']);
    expect((await cliPasses(p.dir, ['route', 'show', 'fraud', '--json'])).json).toStrictEqual({ model: 'fraud', split: [{ version: '1.0.0', weight: 0.7 }, { version: '1.1.0', weight: 0.3 }], salt: '' });
    const last = (await cliPasses(p.dir, ['history', 'fraud', '--json'])).json.at(-1);
    expect(last).toMatchObject({ event: 'route', actor: 'ab-bot', split: [{ version: '1.0.0', weight: 0.7 }, { version: '1.1.0', weight: 0.3 }] });
    await cliFails(p.dir, ['route', 'flip', 'fraud'], 2, /unknown route action "flip"/);
  });
});
