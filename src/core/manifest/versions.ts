// Reading versions back: which models and versions exist (from file names alone, which is fast)
// and reading one manifest (validated, never trusted). A version is held in the tracked models/ or,
// when only a remote told us of it, in the pulled area; the tracked file wins when both exist.
import { readdir, stat } from 'node:fs/promises';
// Single functions, not the whole package: start-up time is felt in every git hook.
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';
import { readDocumentFile } from '../documents.js';
import { MregError } from '../../errors.js';
import { closestName } from '../closest-name.js';
import { nameProblem } from '../names.js';
import type { Manifest } from './types.js';
import { validateManifest } from './validate.js';
import { manifestPath, modelDir, pulledManifestPath, pulledModelsDir, type Layout } from '../../store/layout.js';
import { join } from 'node:path';

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function listModels(layout: Layout): Promise<string[]> {
  const names = new Set([...(await listDir(layout.models)), ...(await listDir(pulledModelsDir(layout)))]);
  return [...names].filter((name) => nameProblem(name) === undefined).sort();
}

/**
 * A release version (1.2.3, no pre-release or build), checked and compared without semver's parser:
 * a model with 1,000 versions is listed on every ls, and parsing each name in every comparison of the
 * sort cost more than reading the directory. 15 digits stay below semver's MAX_SAFE_INTEGER limit.
 */
const RELEASE = /^(0|[1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,14})$/;

function versionsIn(files: string[]): string[] {
  const versions: string[] = [];
  for (const file of files) {
    if (!file.endsWith('.yaml')) continue;
    const version = file.slice(0, -'.yaml'.length);
    if (RELEASE.test(version) || valid(version) === version) versions.push(version);
  }
  return versions;
}

/**
 * The NOT_FOUND for a model with no versions: "no model vda; did you mean vad?" when a registered name is a typo
 * away (data.suggestion), else `message`.
 */
export async function missingModel(layout: Layout, model: string, message = `model ${model} has no versions`): Promise<MregError> {
  const near = closestName(model, await listModels(layout));
  if (near === undefined) return new MregError('NOT_FOUND', message);
  return new MregError('NOT_FOUND', `no model ${model}; did you mean ${near}?`, { data: { model, suggestion: near } });
}

/** Sorts versions by semver precedence, lowest first (releases by their numbers, the rest by semver). */
export function sortVersions(versions: string[]): string[] {
  const keyed = versions.map((v) => {
    const m = RELEASE.exec(v);
    return { v, n: m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined };
  });
  keyed.sort((a, b) => (a.n && b.n ? a.n[0]! - b.n[0]! || a.n[1]! - b.n[1]! || a.n[2]! - b.n[2]! : compare(a.v, b.v)));
  return keyed.map((k) => k.v);
}

/** Versions of a model (tracked or pulled), lowest first by semver precedence. */
export async function listVersions(layout: Layout, model: string): Promise<string[]> {
  const tracked = versionsIn(await listDir(modelDir(layout, model)));
  const pulled = versionsIn(await listDir(join(pulledModelsDir(layout), model)));
  return sortVersions([...new Set([...tracked, ...pulled])]);
}

/** Versions only the pulled area holds a manifest of (a remote told us; git has not brought them). */
export async function listPulledVersions(layout: Layout, model: string): Promise<string[]> {
  return sortVersions(versionsIn(await listDir(join(pulledModelsDir(layout), model))));
}

/** The file that holds a version's manifest: the tracked one, else the pulled one; undefined if neither. */
export async function manifestFile(layout: Layout, model: string, version: string): Promise<string | undefined> {
  for (const path of [manifestPath(layout, model, version), pulledManifestPath(layout, model, version)]) {
    if (await stat(path).then(() => true, () => false)) return path;
  }
  return undefined;
}

export async function latestVersion(layout: Layout, model: string): Promise<string | undefined> {
  const versions = await listVersions(layout, model);
  return versions[versions.length - 1];
}

export async function readManifest(layout: Layout, model: string, version: string): Promise<Manifest> {
  const label = `models/${model}/${version}.yaml`;
  let raw: unknown;
  let where = label;
  try {
    raw = await readDocumentFile(manifestPath(layout, model, version), label, 'CORRUPT_MANIFEST', 'NOT_FOUND');
  } catch (err) {
    if (!(err instanceof MregError && err.code === 'NOT_FOUND')) throw err;
    where = `pulled/${label}`;
    try {
      raw = await readDocumentFile(pulledManifestPath(layout, model, version), where, 'CORRUPT_MANIFEST', 'NOT_FOUND');
    } catch (again) {
      if (again instanceof MregError && again.code === 'NOT_FOUND') {
        const message = `${model}@${version} is not registered`;
        throw (await listVersions(layout, model)).length === 0 ? await missingModel(layout, model, message) : new MregError('NOT_FOUND', message);
      }
      throw again;
    }
  }
  return validateManifest(raw, where, { name: model, version });
}
