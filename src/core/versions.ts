// Reading versions back: which models and versions exist (from file names alone, which is fast),
// reading one manifest (validated, never trusted), and resolving a reference like fraud@latest.
import { readdir } from 'node:fs/promises';
// Single functions, not the whole package: start-up time is felt in every git hook.
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';
import { readDocumentFile } from './documents.js';
import { MregError } from './errors.js';
import { checkName, nameProblem } from './names.js';
import type { Manifest } from './manifest/types.js';
import { validateManifest } from './manifest/validate.js';
import { manifestPath, modelDir, type Layout } from './store/layout.js';

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

export interface Ref {
  model: string;
  /** an exact version, or 'latest' */
  selector: string;
}

/** Parses `model`, `model@latest` or `model@1.2.3`. */
export function parseRef(text: string): Ref {
  const at = text.indexOf('@');
  const model = checkName(at === -1 ? text : text.slice(0, at));
  const selector = at === -1 ? 'latest' : text.slice(at + 1);
  if (selector !== 'latest' && valid(selector) !== selector) {
    throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(selector)} in ${JSON.stringify(text)} (expected X.Y.Z or latest)`);
  }
  return { model, selector };
}

export async function resolveRef(layout: Layout, text: string): Promise<{ model: string; version: string }> {
  const ref = parseRef(text);
  if (ref.selector !== 'latest') return { model: ref.model, version: ref.selector };
  const version = await latestVersion(layout, ref.model);
  if (!version) throw new MregError('NOT_FOUND', `model ${ref.model} has no versions`);
  return { model: ref.model, version };
}
