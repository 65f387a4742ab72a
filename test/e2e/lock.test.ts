// Mutual exclusion of the store lock across real processes, including the race of several
// processes taking over the same abandoned lock at once.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/cli.js';

const WORKER = `
import { appendFileSync } from 'node:fs';
import { acquireLock } from ${JSON.stringify(join(ROOT, 'dist/store/lock.js'))};
import { layoutOf } from ${JSON.stringify(join(ROOT, 'dist/store/layout.js'))};
const [store, log, rounds] = process.argv.slice(1);
const layout = layoutOf(store);
for (let i = 0; i < Number(rounds); i++) {
  const lock = await acquireLock(layout, 'shared', { timeoutMs: 30000 });
  appendFileSync(log, 'enter ' + process.pid + '\\n');
  await new Promise((r) => setTimeout(r, 2));
  appendFileSync(log, 'exit ' + process.pid + '\\n');
  await lock.release();
}
`;

function runWorker(store: string, log: string, rounds: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER, store, log, String(rounds)], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', resolve));
}

describe('store lock', () => {
  it('never lets two processes hold it, even when all of them find an abandoned lock at once', async () => {
    const dir = tempDir();
    const store = join(dir, '.modelreg');
    mkdirSync(join(store, 'locks'), { recursive: true });
    mkdirSync(join(store, 'tmp'), { recursive: true });
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(join(store, 'locks', 'shared.lock'), JSON.stringify({ pid: dead.pid, host: hostname(), nonce: 'abandoned', since: Date.now() }));
    const log = join(dir, 'log');
    writeFileSync(log, '');
    const codes = await Promise.all(Array.from({ length: 6 }, () => runWorker(store, log, 15)));
    expect(codes).toStrictEqual([0, 0, 0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6 * 15 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, pidIn] = lines[i]!.split(' ');
      const [exit, pidOut] = lines[i + 1]!.split(' ');
      expect([enter, exit, pidOut]).toStrictEqual(['enter', 'exit', pidIn]);
    }
    // Nothing is left behind: no lock, no guard, no temp file.
    expect(readdirSync(join(store, 'locks'))).toStrictEqual([]);
    expect(readdirSync(join(store, 'tmp'))).toStrictEqual([]);
  });
});
