// Errors from the use cases name their options in the library's words (data.option says which); the
// CLI turns that name into the flag the user typed.
import { describe, expect, it } from 'vitest';
import { gc, impact, init, lineage, register } from '../../src/index.js';
import { cliFails, tempDir, testEnv } from '../helpers/cli.js';

async function store(): Promise<string> {
  const dir = tempDir();
  await init({ cwd: dir });
  return dir;
}

describe('use-case errors name options, the CLI names flags', () => {
  it('gc keepLast', async () => {
    const cwd = await store();
    await expect(gc({ cwd, keepLast: 0 })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^keepLast 0: expected a whole number >= 1$/), data: { option: 'keepLast' } });
  });

  it('impact failOnStage, in the API and on the command line', async () => {
    const cwd = await store();
    const env = testEnv();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${cwd}/d.bin`, 'rows');
    await register({ cwd, env, model: 'tx', inputs: ['d.bin'], kind: 'dataset', version: '1.0.0' });
    await expect(impact({ cwd, component: 'tx@1.0.0', failOnStage: 'prod' })).rejects.toMatchObject({ message: expect.stringMatching(/^failOnStage "prod": unknown stage/), data: { option: 'failOnStage' } });
    const failed = await cliFails(cwd, ['impact', 'tx@1.0.0', '--fail-on-stage', 'prod', '--json'], 2, /^--fail-on-stage "prod": unknown stage/);
    expect(failed.json.error.data).toStrictEqual({ option: 'failOnStage' });
  });

  it('register references: the relation in the API, the flag (--parent for parents) on the command line', async () => {
    const cwd = await store();
    const env = testEnv();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${cwd}/m.bin`, 'weights');
    await expect(register({ cwd, env, model: 'fraud', inputs: ['m.bin'], version: '1.0.0', parents: ['base@1.0.0'] })).rejects.toMatchObject({
      message: expect.stringMatching(/^parents base@1\.0\.0: base is not registered/),
      data: { option: 'parents' },
    });
    await cliFails(cwd, ['register', 'fraud', 'm.bin', '--version', '1.0.0', '--parent', 'base@1.0.0'], 2, /^mreg: --parent base@1\.0\.0: base is not registered/);
    await expect(lineage({ cwd, ref: 'fraud', depth: 0 })).rejects.toMatchObject({ data: { option: 'depth' } });
  });
});
