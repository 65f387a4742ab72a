// A store for the web view's tests: a data set with two versions, a model with four versions made from
// them (metrics, tags, params, a parent), stage moves, a signature-free history with a real deploy to a
// local target, and a hostile message that must come out escaped.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPasses } from './cli.js';
import { newProject, randomContent, type Project } from './store.js';

/** The model's versions and their metrics, as registered: the charts must show exactly these. */
export const FRAUD_METRICS: Record<string, { auc: number; f1?: number }> = {
  '1.0.0': { auc: 0.88, f1: 0.8 },
  '1.1.0': { auc: 0.91, f1: 0.83 },
  '1.2.0': { auc: 0.86 },
  '1.3.0': { auc: 0.93, f1: 0.85 },
};

export const HOSTILE_MESSAGE = '<script>alert(1)</script> & "quotes" \'too\'';

export async function viewProject(): Promise<Project> {
  const p = await newProject();
  appendFileSync(join(p.store, 'config.yaml'), `metrics:\n  auc: higher\ntargets:\n  box:\n    adapter: local\n    options: { dir: ./deploy }\n    playbook: box.yaml\n    stage: production\n`);
  mkdirSync(join(p.store, 'playbooks'), { recursive: true });
  writeFileSync(join(p.store, 'playbooks', 'box.yaml'), 'deploy:\n  - deploy: {}\nrollback:\n  - deploy: {}\n');
  for (const version of ['1.0.0', '2.0.0']) {
    p.file(`data/tx-${version}.csv`, `id,amount\n1,${version}\n`);
    await cliPasses(p.dir, ['register', 'transactions', `data/tx-${version}.csv`, '--kind', 'dataset', '--version', version, '-m', `transactions ${version}`]);
  }
  for (const [version, metrics] of Object.entries(FRAUD_METRICS)) {
    p.file('model/weights.bin', randomContent(256));
    const flags = Object.entries(metrics).flatMap(([k, v]) => ['--metric', `${k}=${v}`]);
    const data = version < '1.2.0' ? 'transactions@1.0.0' : 'transactions@2.0.0';
    const parent = version === '1.0.0' ? [] : ['--parent', `fraud@${version === '1.1.0' ? '1.0.0' : version === '1.2.0' ? '1.1.0' : '1.2.0'}`];
    await cliPasses(p.dir, ['register', 'fraud', 'model', '--version', version, ...flags, '--tag', 'owner=risk', '--param', `lr=0.0${version.split('.')[1]}1`, '--data', data, ...parent, '-m', version === '1.2.0' ? HOSTILE_MESSAGE : `fraud ${version}`]);
  }
  await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'staging']);
  await cliPasses(p.dir, ['promote', 'fraud@1.0.0', 'production']);
  await cliPasses(p.dir, ['promote', 'fraud@1.1.0', 'staging']);
  await cliPasses(p.dir, ['deploy', 'fraud@1.1.0', '--target', 'box']);
  await cliPasses(p.dir, ['promote', 'fraud@1.3.0', 'staging']);
  return p;
}
