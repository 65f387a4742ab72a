// Lineage and impact on a store of 10,000 versions, against `mreg --version` measured in the same run
// (target: within 5x). Called at the end of bench/run.mjs with its start-up figure; runs alone too,
// measuring its own: `npm run build && node bench/lineage.mjs`.
//
// The store is written directly with the library's manifest functions (10,000 CLI registers would
// take too long): 20 data sets x 25 versions, each from a pinned external URI; 5 pipelines x 20;
// 20 feature sets x 45, each from a data set and a pipeline; 100 models x 85, each from a feature set
// and a data set, 90 of them fine-tuned from one of 10 base models. Histories hold a register event
// per version, and each model's latest version is promoted to staging and half of them on to production.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lib, report, sha, storeWriter, timeMreg } from './synthetic-store.mjs';

export async function buildStore(dir, env) {
  const { write, count } = await storeWriter(dir, env);
  const { promote } = await lib('index.js');
  const ref = (name, version) => ({ name, version });
  for (let d = 0; d < 20; d++) {
    await write(`dataset-${d}`, 'dataset', 25, (i) => ({ lineage: { data: [{ uri: `s3://lake/raw/dataset-${d}/v${i}`, sha256: sha(`raw ${d} ${i}`) }] } }));
  }
  for (let p = 0; p < 5; p++) await write(`pipeline-${p}`, 'pipeline', 20, () => undefined);
  for (let f = 0; f < 20; f++) {
    await write(`features-${f}`, 'features', 45, (i) => ({ lineage: { data: [ref(`dataset-${f}`, `1.0.${Math.floor(i / 2) % 25}`)], pipeline: [ref(`pipeline-${f % 5}`, `1.0.${i % 20}`)] } }));
  }
  for (let m = 0; m < 100; m++) {
    await write(`model-${m}`, 'model', 85, (i) => ({
      lineage: {
        ...(m >= 10 ? { parents: [ref(`model-${m % 10}`, `1.0.${(i * 7) % 85}`)] } : {}),
        data: [ref(`dataset-${m % 20}`, `1.0.${i % 25}`)],
        features: [ref(`features-${m % 20}`, `1.0.${i % 45}`)],
      },
    }));
  }
  for (let m = 0; m < 100; m++) {
    await promote({ ref: `model-${m}@1.0.84`, stage: 'staging', cwd: dir, env });
    if (m % 2 === 0) await promote({ ref: `model-${m}@1.0.84`, stage: 'production', cwd: dir, env });
  }
  return count();
}

export async function benchLineage({ version } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'mreg-bench-lineage-'));
  const env = { ...process.env, MREG_ACTOR: 'bench', NO_COLOR: '1' };
  delete env.MREG_STORE;
  try {
    const baseline = version ?? timeMreg(['--version'], work, env, 21);
    const dir = join(work, 'lineage');
    mkdirSync(dir);
    const count = await buildStore(dir, env);
    console.log(`\nLineage and impact, a store of ${count.toLocaleString('en')} versions`);
    if (!version) report('mreg --version (baseline)', baseline);
    // The first run reads and validates every manifest and writes the index; the index is then fresh.
    report('first mreg lineage, building the index', timeMreg(['lineage', 'model-50@1.0.84'], dir, env, 1), baseline);
    report('mreg lineage <model> (both directions)', timeMreg(['lineage', 'model-50@1.0.84'], dir, env, 11), baseline, 5);
    report('mreg lineage <data set> --down --format mermaid', timeMreg(['lineage', 'dataset-3@1.0.4', '--down', '--format', 'mermaid'], dir, env, 11), baseline, 5);
    report('mreg impact <data set version> --json', timeMreg(['impact', 'dataset-3@1.0.4', '--json'], dir, env, 11), baseline, 5);
    report("mreg impact 'dataset-3@*' --fail-on-stage production", timeMreg(['impact', 'dataset-3@*', '--fail-on-stage', 'production'], dir, env, 11), baseline, 5);
    report('mreg impact <external URI>', timeMreg(['impact', 's3://lake/raw/dataset-3/v4'], dir, env, 11), baseline, 5);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchLineage();
