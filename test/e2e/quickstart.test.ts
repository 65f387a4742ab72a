import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, testEnv } from '../helpers/cli.js';

describe('examples/quickstart', () => {
  it('runs end to end', () => {
    const r = spawnSync('bash', [join(ROOT, 'examples/quickstart/run.sh')], { env: testEnv({ MREG_EXAMPLE_CLEANUP: '1' }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^registered fraud@0\.1\.0 /m);
    expect(r.stdout).toMatch(/^unchanged: fraud@0\.1\.0/m);
    expect(r.stdout).toMatch(/^registered fraud@0\.1\.1 /m);
    expect(r.stdout).toMatch(/^ok: 2 manifests, 3 blobs/m);
    expect(r.stdout).toMatch(/^exported fraud@0\.1\.0 \(2 files\) to serving$/m);
    expect(r.stdout).toMatch(/^fraud@0\.1\.1 hash [0-9a-f]{12}, auc 0\.921$/m);
    expect(r.stdout).toMatch(/^registered fraud@0\.2\.0 /m);
    expect(r.stdout).toMatch(/^0\.2\.0 .*staging\s+0\.934 .*\n0\.1\.1 .*production\s+0\.921 /m);
    expect(r.stdout).toMatch(/^wrote 7 pages for 2 names\nopen .*\/site\/index\.html\nbrowse it live: mreg ui$/m);
    expect(r.stderr).toMatch(/the directory is removed/);
  });
});
