// Reading versions back: which models and versions exist (from file names alone, which is fast)
// and reading one manifest (validated, never trusted).
import { readdir } from 'node:fs/promises';
// Single functions, not the whole package: start-up time is felt in every git hook.
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';
import { readDocumentFile } from '../documents.js';
import { MregError } from '../../errors.js';
import { nameProblem } from '../names.js';
import type { Manifest } from './types.js';
import { validateManifest } from './validate.js';
import { manifestPath, modelDir, type Layout } from '../../store/layout.js';

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function listModels(layout: Layout): Promise<string[]> {
  return (await listDir(layout.models)).filter((name) => nameProblem(name) === undefined).sort();
}

/** Versions of a model, lowest first by semver precedence. */
export async function listVersions(layout: Layout, model: string): Promise<string[]> {
  const versions: string[] = [];
  for (const file of await listDir(modelDir(layout, model))) {
    if (!file.endsWith('.yaml')) continue;
    const version = file.slice(0, -'.yaml'.length);
    if (valid(version) === version) versions.push(version);
  }
  return versions.sort(compare);
}

export async function latestVersion(layout: Layout, model: string): Promise<string | undefined> {
  const versions = await listVersions(layout, model);
  return versions[versions.length - 1];
}

export async function readManifest(layout: Layout, model: string, version: string): Promise<Manifest> {
  const label = `models/${model}/${version}.yaml`;
  let raw: unknown;
  try {
    raw = await readDocumentFile(manifestPath(layout, model, version), label, 'CORRUPT_MANIFEST', 'NOT_FOUND');
  } catch (err) {
    if (err instanceof MregError && err.code === 'NOT_FOUND') throw new MregError('NOT_FOUND', `${model}@${version} is not registered`);
    throw err;
  }
  return validateManifest(raw, label, { name: model, version });
}
