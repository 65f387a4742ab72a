// What the benchmarks on big stores share: a store written directly with the library's manifest
// functions (thousands of CLI registers would take too long), and timing mreg runs against a baseline.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..');
export const MREG = join(ROOT, 'bin', 'mreg.js');
export const lib = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median seconds of `runs` runs of mreg; exit 1 is allowed (the --fail-on-stage gate). */
export function timeMreg(args, cwd, env, runs) {
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, [MREG, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    seconds.push((performance.now() - started) / 1000);
    if (r.status !== 0 && r.status !== 1) throw new Error(`mreg ${args.join(' ')} failed: ${r.stderr}`);
  }
  return { seconds: median(seconds) };
}

export function report(name, result, baseline, target) {
  const ratio = baseline ? result.seconds / baseline.seconds : undefined;
  const parts = [`${name.padEnd(58)} ${result.seconds.toFixed(3).padStart(8)} s`];
  if (ratio !== undefined) parts.push(`${ratio.toFixed(2).padStart(6)}x`);
  if (target !== undefined && ratio !== undefined) parts.push(ratio <= target ? `(target <= ${target}x: met)` : `(target <= ${target}x: MISSED)`);
  console.log(parts.join('  '));
}

export const sha = (text) => createHash('sha256').update(text).digest('hex');

/**
 * Initialises a store in `dir` and returns `write(name, kind, n, metaOf)`, which writes versions
 * 1.0.0 to 1.0.<n-1> of a name, a register event each, with `metaOf(i)`'s metrics and lineage; with
 * `blobs`, each version's one file is stored too (else only named).
 */
export async function storeWriter(dir, env, { blobs = false } = {}) {
  execFileSync(process.execPath, [MREG, 'init'], { cwd: dir, env });
  const { openStore } = await lib('core/store.js');
  const { versionDigest, manifestChecksum, shortHash } = await lib('core/manifest/hash.js');
  const { manifestToYaml } = await lib('core/manifest/yaml.js');
  const { appendEvents } = await lib('core/lifecycle/history.js');
  const { blobPath } = await lib('store/layout.js');
  const store = await openStore({ cwd: dir });
  const time = Date.parse('2026-01-01T00:00:00Z');
  let count = 0;
  const write = async (name, kind, n, metaOf) => {
    mkdirSync(join(store.layout.models, name), { recursive: true });
    const events = [];
    for (let i = 0; i < n; i++) {
      const version = `1.0.${i}`;
      // A leading zero byte: no pickle opcode, so the scanner stops at once on these .bin files.
      const content = blobs ? `\0${name} ${version}` : `${name} ${version}`;
      if (blobs) {
        const blob = blobPath(store.layout, sha(content));
        mkdirSync(join(blob, '..'), { recursive: true });
        writeFileSync(blob, content);
      }
      const artifacts = [{ path: 'w.bin', sha256: sha(content), size: content.length }];
      const { lineage, metrics } = metaOf(i) ?? {};
      const meta = { params: { i }, metrics: metrics ?? {}, tags: {}, ...(lineage ? { lineage } : {}) };
      const digest = versionDigest(artifacts, meta, kind);
      const fields = { format: 1, name, kind, version, hash: shortHash(digest), digest, created_at: new Date(time + count * 1000).toISOString(), actor: 'bench', artifacts, ...meta };
      writeFileSync(join(store.layout.models, name, `${version}.yaml`), manifestToYaml({ ...fields, checksum: manifestChecksum(fields) }));
      events.push({ event: 'register', model: name, version, actor: 'bench', hash: fields.hash, time: fields.created_at });
      count++;
    }
    await appendEvents(store.layout, name, events);
  };
  return { write, count: () => count };
}
