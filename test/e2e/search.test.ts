// ls <model> --where/--sort/--limit: MLflow-like search over a model's versions, and the rows' metrics and tags.
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFails, cliPasses } from '../helpers/cli.js';
import { newProject, randomContent, type Project } from '../helpers/store.js';

let p: Project;

beforeAll(async () => {
  p = await newProject();
  const versions: [string, string[]][] = [
    ['1.0.0', ['--metric', 'auc=0.88', '--tag', 'owner=risk', '--param', 'lr=0.01']],
    ['1.1.0', ['--metric', 'auc=0.93', '--metric', 'f1=0.8', '--tag', 'owner=risk']],
    ['1.2.0', ['--metric', 'auc=0.91', '--tag', 'owner=growth']],
    ['1.3.0', ['--tag', 'owner=risk']],
  ];
  for (const [version, flags] of versions) {
    p.file('m.bin', randomContent(64));
    await cliPasses(p.dir, ['register', 'fraud', 'm.bin', '--version', version, ...flags]);
  }
  await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
});

describe('ls <model> --where --sort --limit', () => {
  it('gives every row its metrics, tags and stages', async () => {
    const { json } = await cliPasses(p.dir, ['ls', 'fraud', '--json']);
    expect(json.map((r: { version: string }) => r.version)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
    expect(json[1]).toMatchObject({ metrics: { auc: 0.93, f1: 0.8 }, tags: { owner: 'risk' }, stages: ['staging'] });
    expect(json[3]).toMatchObject({ metrics: {}, tags: { owner: 'risk' }, stages: [] });
  });

  it('filters, sorts and limits', async () => {
    const { json } = await cliPasses(p.dir, ['ls', 'fraud', '--where', "metrics.auc >= 0.9 and tags.owner = 'risk'", '--json']);
    expect(json.map((r: { version: string }) => r.version)).toEqual(['1.1.0']);
    const sorted = await cliPasses(p.dir, ['ls', 'fraud', '--sort', '-metrics.auc', '--json']);
    expect(sorted.json.map((r: { version: string }) => r.version)).toEqual(['1.1.0', '1.2.0', '1.0.0', '1.3.0']);
    const top = await cliPasses(p.dir, ['ls', 'fraud', '--sort', '-metrics.auc', '--limit', '2', '--json']);
    expect(top.json.map((r: { version: string }) => r.version)).toEqual(['1.1.0', '1.2.0']);
    const newest = await cliPasses(p.dir, ['ls', 'fraud', '--limit', '2', '--json']);
    expect(newest.json.map((r: { version: string }) => r.version)).toEqual(['1.2.0', '1.3.0']);
    const staged = await cliPasses(p.dir, ['ls', 'fraud', '--where', "stage = 'staging'", '--json']);
    expect(staged.json.map((r: { version: string }) => r.version)).toEqual(['1.1.0']);
    const params = await cliPasses(p.dir, ['ls', 'fraud', '--where', 'params.lr < 0.1', '--json']);
    expect(params.json.map((r: { version: string }) => r.version)).toEqual(['1.0.0']);
  });

  it('shows the sorted metrics as columns, in the order asked for', async () => {
    const { stdout } = await cliPasses(p.dir, ['ls', 'fraud', '--sort', '-metrics.auc', '--sort', 'version']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+HASH\s+CREATED\s+STAGES\s+METRICS\.AUC\s+MESSAGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['1.1.0', '1.2.0', '1.0.0', '1.3.0']);
    expect(lines[1]).toMatch(/staging\s+0\.93/);
  });

  it('says so when nothing matches', async () => {
    expect((await cliPasses(p.dir, ['ls', 'fraud', '--where', 'metrics.auc > 0.99'])).stdout).toBe('no version matches\n');
    expect((await cliPasses(p.dir, ['ls', 'fraud', '--where', 'metrics.auc > 0.99', '--json'])).json).toEqual([]);
  });

  it('refuses a malformed expression with exit 2, naming the flag and the position', async () => {
    await cliFails(p.dir, ['ls', 'fraud', '--where', 'metrics.auc >= high'], 2, /^mreg: --where: at position 16: expected a number or a quoted string/);
    const { json } = await cliFails(p.dir, ['ls', 'fraud', '--where', "metrics.auc >= 0.9 or stage = 'x'", '--json'], 2, /--where: at position 20: .*'or' is not supported/);
    expect(json.error).toMatchObject({ code: 'USAGE', data: { option: 'where', position: 20 } });
  });

  it('refuses bad sort keys and limits, and search without a model', async () => {
    await cliFails(p.dir, ['ls', 'fraud', '--sort', 'auc'], 2, /--sort "auc": expected metrics\.<name>/);
    await cliFails(p.dir, ['ls', 'fraud', '--limit', '0'], 2, /--limit "0": expected a whole number/);
    await cliFails(p.dir, ['ls', '--where', 'metrics.auc > 1'], 2, /--where applies to one model's versions/);
  });
});
