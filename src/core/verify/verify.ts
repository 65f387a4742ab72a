// The store check: every blob re-hashed, every manifest parsed, validated and checked for the
// blobs it references; leftovers of interrupted writes are reported as warnings, not damage.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import valid from 'semver/functions/valid.js';
import { MregError } from '../../errors.js';
import { readHistory } from '../lifecycle/history.js';
import { exclusionConflicts, replay, stageConflicts } from '../lifecycle/state.js';
import { prunedVersions, readProtection } from '../lifecycle/pruned.js';
import { versionsWithoutRegisterEvent } from '../lifecycle/register-events.js';
import { nameProblem } from '../names.js';
import { hashFile } from '../../store/blobs.js';
import { blobPath, manifestPath, pulledHistoryDir, pulledManifestPath, pulledModelsDir, type Layout } from '../../store/layout.js';
import { readFile } from 'node:fs/promises';
import { parseYamlText } from '../documents.js';
import { validateManifest } from '../manifest/validate.js';
import { isAbandonedLock } from '../../store/lock.js';
import type { Store } from '../store.js';
import { readManifest } from '../manifest/versions.js';
import { lineageProblems } from './lineage.js';
import type { Manifest } from '../manifest/types.js';
import type { Problem } from './problem.js';

/** @deprecated the old name of Problem, kept only for src/index.ts until it is rewritten. */
export type Finding = Problem;

export interface VerifyReport {
  ok: boolean;
  problems: Problem[];
  warnings: Problem[];
  checked: { manifests: number; blobs: number; bytes: number };
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

export async function verifyStore(store: Store, onBlob?: (done: number, total: number) => void): Promise<VerifyReport> {
  const { layout } = store;
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const checked = { manifests: 0, blobs: 0, bytes: 0 };
  const usedBy = new Map<string, string[]>(); // sha256 -> versions using it
  const manifests: Manifest[] = []; // the valid ones, for the lineage check
  // With a remote configured, a blob not here yet (a clone, a teammate's version) is fetched on demand.
  const remoteOnly: string[] | undefined = Object.keys(store.config.remotes ?? {}).length > 0 ? [] : undefined;
  const protection = await readProtection(layout, store.config.retention.protect);

  // The tracked manifests, then those only a pull brought (pulled/models/): a version both hold must
  // be the same content, else git and the remote disagree about it.
  for (const [base, label] of [[layout.models, 'models'], [pulledModelsDir(layout), 'pulled/models']] as const) {
    for (const model of await entries(base)) {
      const dir = join(base, model);
      if (!(await lstat(dir)).isDirectory() || nameProblem(model)) {
        problems.push({ code: 'UNEXPECTED_ENTRY', message: `${label}/${model}: not a model directory with a valid name` });
        continue;
      }
      const { events } = await readHistory(layout, model);
      const pruned = prunedVersions(events);
      if (base === layout.models) {
        for (const version of await versionsWithoutRegisterEvent(layout, model, events)) {
          problems.push({
            code: 'REGISTER_EVENT_MISSING',
            message: `${model}@${version}: registered (models/${model}/${version}.yaml) but history/${model}.jsonl has no register event for it (an append that failed after the commit point); the next register or promote of ${model} writes it`,
          });
        }
      }
      const guarded = protection.get(model);
      for (const file of await entries(dir)) {
        const version = file.endsWith('.yaml') ? file.slice(0, -5) : '';
        if (valid(version) !== version || version === '') {
          warnings.push({ code: 'UNEXPECTED_FILE', message: `${label}/${model}/${file}: not a version manifest; ignored` });
          continue;
        }
        if (!(await lstat(join(dir, file))).isFile()) {
          checked.manifests++;
          problems.push({ code: 'UNEXPECTED_ENTRY', message: `${label}/${model}/${file}: not a regular file (a symlink?)` });
          continue;
        }
        if (base !== layout.models && (await lstat(manifestPath(layout, model, version)).catch(() => undefined))) {
          await comparePulled(layout, model, version, problems);
          continue;
        }
        checked.manifests++;
        try {
          const manifest = await readManifest(layout, model, version);
          manifests.push(manifest);
          const why = guarded?.get(version);
          if (pruned.has(version) && why === undefined) continue; // its blobs were let go on purpose
          // A prune (a remote's, or one made before the protection) of a version this store protects does not count.
          const prunedButProtected = pruned.has(version);
          for (const a of manifest.artifacts) {
            const users = usedBy.get(a.sha256) ?? [];
            users.push(`${model}@${version}:${a.path}`);
            usedBy.set(a.sha256, users);
            const st = await lstat(blobPath(layout, a.sha256)).catch(() => undefined);
            if (!st && prunedButProtected) {
              const event = pruned.get(version)!;
              problems.push({
                code: 'PROTECTED_BLOB_MISSING',
                message: `${model}@${version}: ${a.path}: blob ${a.sha256} is missing, but the version is ${why} (pruned by ${event.actor} at ${event.time}, event ${event.id})${remoteOnly ? `; mreg pull ${model}@${version} fetches it from a remote that still has it` : ''}`,
              });
            } else if (!st && remoteOnly) remoteOnly.push(`${model}@${version}:${a.path}`);
            else if (!st) problems.push({ code: 'BLOB_MISSING', message: `${model}@${version}: ${a.path}: blob ${a.sha256} is missing` });
            else if (!st.isFile() || st.size !== a.size) {
              problems.push({ code: 'BLOB_CORRUPT', message: `${model}@${version}: ${a.path}: blob ${a.sha256} has ${st.size} bytes, expected ${a.size}` });
            }
          }
        } catch (err) {
          if (!(err instanceof MregError)) throw err;
          problems.push({ code: 'MANIFEST_INVALID', message: err.message });
        }
      }
    }
  }

  // References to versions this store does not hold, kinds mixed under a name, cycles.
  problems.push(...lineageProblems(manifests));

  if (remoteOnly?.length) {
    const shown = remoteOnly.slice(0, 3).join(', ') + (remoteOnly.length > 3 ? ', ...' : '');
    warnings.push({ code: 'BLOB_NOT_LOCAL', message: `${remoteOnly.length} artifact${remoteOnly.length === 1 ? '' : 's'} (${shown}) not in the local store yet: fetched from the remote on demand (mreg export, mreg pull <ref>)` });
  }

  const blobs: { path: string; name: string; size: number }[] = [];
  for (const fan of await entries(layout.objects)) {
    const fanDir = join(layout.objects, fan);
    const fanStat = await lstat(fanDir);
    if (!fanStat.isDirectory()) {
      problems.push({ code: 'UNEXPECTED_ENTRY', message: `objects/${fan}: not a blob directory${fanStat.isSymbolicLink() ? ' (a symlink)' : ''}` });
      continue;
    }
    for (const name of await entries(fanDir)) {
      const path = join(fanDir, name);
      const st = await lstat(path);
      if (!HEX64.test(name) || name.slice(0, 2) !== fan || !st.isFile()) {
        problems.push({ code: 'UNEXPECTED_ENTRY', message: `objects/${fan}/${name}: not a blob${st.isSymbolicLink() ? ' (a symlink)' : ''}` });
        continue;
      }
      blobs.push({ path, name, size: st.size });
    }
  }
  const total = blobs.length;
  for (const [index, blob] of blobs.entries()) {
    const actual = await hashFile(blob.path);
    checked.blobs++;
    checked.bytes += actual.size;
    if (actual.sha256 !== blob.name) {
      const users = usedBy.get(blob.name);
      problems.push({
        code: 'BLOB_CORRUPT',
        message: `blob ${blob.name} is corrupt: its bytes hash to ${actual.sha256}${users ? ` (used by ${users.slice(0, 5).join(', ')}${users.length > 5 ? ', ...' : ''})` : ''}`,
      });
    }
    onBlob?.(index + 1, total);
  }

  await verifyHistories(store, problems, warnings);

  for (const name of await entries(layout.tmp)) {
    warnings.push({ code: 'TEMP_FILE', message: `tmp/${name}: left by an interrupted write (removed by mreg gc)` });
  }
  for (const name of await entries(layout.locks)) {
    const path = join(layout.locks, name);
    if (name.endsWith('.lock') && (await isAbandonedLock(path))) {
      warnings.push({ code: 'STALE_LOCK', message: `locks/${name}: left by a process that is gone (the next writer takes it over)` });
    } else if (!name.endsWith('.lock')) {
      warnings.push({ code: 'STALE_LOCK', message: `locks/${name}: left by an interrupted lock takeover` });
    }
  }
  return { ok: problems.length === 0, problems, warnings, checked };
}

/** History lines intact, and the stage state they give consistent with the config and the manifests. */
async function verifyHistories(store: Store, problems: Problem[], warnings: Problem[]): Promise<void> {
  const { layout, config } = store;
  const files = [...new Set([...(await entries(layout.history)), ...(await entries(pulledHistoryDir(layout)))])].sort();
  for (const file of files) {
    const model = file.endsWith('.jsonl') ? file.slice(0, -'.jsonl'.length) : '';
    if (!model || nameProblem(model)) {
      warnings.push({ code: 'UNEXPECTED_FILE', message: `history/${file}: not a model history; ignored` });
      continue;
    }
    const { events, warnings: lines } = await readHistory(layout, model);
    for (const w of lines) {
      const torn = w.message.startsWith('torn last line');
      (torn ? warnings : problems).push({ code: torn ? 'HISTORY_TORN' : 'HISTORY_DAMAGED', message: `${w.file ?? `history/${file}`}:${w.line}: ${w.message}` });
    }
    for (const e of events) {
      // Kept for the record; it changes nothing, so the store is sound, but someone wrote it.
      if (e.rejected) warnings.push({ code: 'EVENT_REJECTED', message: `${model}: ${e.event} of ${e.version}${e.stage ? ` to ${e.stage}` : ''} by ${e.actor} (event ${e.id}, merged by a pull) was refused by this store's rules: ${e.rejected}` });
    }
    const state = replay(events.filter((e) => e.model === model));
    const versions = new Set(await listVersionsSafe(layout, model));
    for (const c of stageConflicts(model, state, (stage) => Boolean(config.stages[stage]?.exclusive))) problems.push({ code: 'STAGE_CONFLICT', message: c.message });
    for (const c of exclusionConflicts(model, state, config)) problems.push({ code: 'STAGES_EXCLUDE', message: c.message });
    for (const [stage, held] of state.stages) {
      for (const version of held) {
        if (!versions.has(version)) problems.push({ code: 'STAGE_DANGLING', message: `${model}: ${stage} holds ${version}, which has no manifest` });
      }
      if (!config.stages[stage]) warnings.push({ code: 'STAGE_UNKNOWN', message: `${model}: stage ${stage} (from the history) is not in config.yaml` });
    }
  }
}

async function listVersionsSafe(layout: Layout, model: string): Promise<string[]> {
  const files = [...(await entries(join(layout.models, model))), ...(await entries(join(pulledModelsDir(layout), model)))];
  return files.filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
}

/**
 * A version both git (models/) and a pull (pulled/models/) brought: the same content is one version,
 * read from the tracked file; other content means someone rewrote a version on one side.
 */
async function comparePulled(layout: Layout, model: string, version: string, problems: Problem[]): Promise<void> {
  const read = async (path: string, label: string) => {
    try {
      return validateManifest(parseYamlText(await readFile(path, 'utf8'), label, 'CORRUPT_MANIFEST'), label, { name: model, version }).digest;
    } catch (err) {
      if (!(err instanceof MregError)) throw err;
      problems.push({ code: 'MANIFEST_INVALID', message: err.message });
      return undefined;
    }
  };
  const tracked = await read(manifestPath(layout, model, version), `models/${model}/${version}.yaml`);
  const pulled = await read(pulledManifestPath(layout, model, version), `pulled/models/${model}/${version}.yaml`);
  if (tracked !== undefined && pulled !== undefined && tracked !== pulled) {
    problems.push({
      code: 'VERSION_CONFLICT',
      message: `${model}@${version}: git holds ${tracked} (models/${model}/${version}.yaml) but the remote holds ${pulled} (pulled/models/${model}/${version}.yaml); a version is never overwritten: move one of them to a new version with mreg rebase-version ${model}@${version}`,
    });
  }
}
