// gitState (src/core/provenance.ts): the commit, branch and dirtiness a version records, read from one
// `git status --porcelain=v2 --branch`, and no git process at all where no repository can be found.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitState } from '../../src/core/provenance.js';
import { tempDir } from '../helpers/cli.js';

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'D', GIT_AUTHOR_EMAIL: 'd@example.com', GIT_COMMITTER_NAME: 'D', GIT_COMMITTER_EMAIL: 'd@example.com' };

describe('gitState', () => {
  it('follows a repository from no commit, to clean on a branch, to dirty, to a detached HEAD', async () => {
    const dir = tempDir('mreg-provenance-');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'trunk');
    const sub = join(dir, 'deep', 'er');
    mkdirSync(sub, { recursive: true });
    expect(await gitState(sub, env)).toBeUndefined(); // no commit yet
    writeFileSync(join(dir, 'a.txt'), 'a');
    git('add', '-A');
    git('commit', '-qm', 'one');
    const head = git('rev-parse', 'HEAD');
    expect(await gitState(sub, env)).toStrictEqual({ commit: head, dirty: false, branch: 'trunk' });
    writeFileSync(join(dir, 'untracked.txt'), 'new');
    expect(await gitState(sub, env)).toStrictEqual({ commit: head, dirty: true, branch: 'trunk' });
    git('add', '-A');
    git('commit', '-qm', 'two');
    git('checkout', '-q', '--detach', 'HEAD~1');
    expect(await gitState(dir, env)).toStrictEqual({ commit: head, dirty: false });
  });

  it('is undefined outside any repository, and when GIT_DIR names none', async () => {
    const dir = tempDir('mreg-provenance-none-');
    expect(await gitState(dir, env)).toBeUndefined();
    expect(await gitState(dir, { ...env, GIT_DIR: join(dir, 'missing') })).toBeUndefined();
  });
});
