// What a remote holds, read as hostile input: the layout marker, the models and versions listed
// (names and versions validated, anything else ignored), and manifests validated before use.
import valid from 'semver/functions/valid.js';
import { MAX_DOCUMENT_BYTES, parseYamlText } from '../documents.js';
import { MregError } from '../../errors.js';
import type { Manifest } from '../manifest/types.js';
import { validateManifest } from '../manifest/validate.js';
import { nameProblem } from '../names.js';
import { manifestKey, MARKER_KEY, MODELS_PREFIX, REMOTE_FORMAT, versionsPrefix, type RemoteBackend } from './backend.js';

/**
 * Whether the location holds an mreg remote (its marker). With `create`, an empty location becomes
 * one. A marker of another format is refused before anything is read or written.
 */
export async function checkMarker(backend: RemoteBackend, create: boolean): Promise<boolean> {
  const text = await backend.getText(MARKER_KEY, 64 * 1024);
  if (text === undefined) {
    if (!create) return false;
    await backend.createOnly(MARKER_KEY, `${JSON.stringify({ format: REMOTE_FORMAT, written_by: 'mreg' })}\n`);
    return true;
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown })?.format;
  } catch {
    format = undefined;
  }
  if (format !== REMOTE_FORMAT) {
    throw new MregError('REMOTE', `remote ${backend.label}: ${MARKER_KEY} says layout format ${JSON.stringify(format)}, this mreg reads ${REMOTE_FORMAT} (a newer mreg wrote it?)`);
  }
  return true;
}

export async function remoteModels(backend: RemoteBackend): Promise<string[]> {
  const { dirs } = await backend.list(MODELS_PREFIX);
  return dirs.filter((name) => nameProblem(name) === undefined).sort();
}

export async function remoteVersions(backend: RemoteBackend, model: string): Promise<Set<string>> {
  const { files } = await backend.list(versionsPrefix(model));
  const versions = new Set<string>();
  for (const { name } of files) {
    const version = name.endsWith('.yaml') ? name.slice(0, -'.yaml'.length) : '';
    if (version && valid(version) === version) versions.add(version);
  }
  return versions;
}

export interface RemoteManifest {
  manifest: Manifest;
  /** the exact bytes, written locally as they are (the same file a teammate committed) */
  text: string;
}

/** A manifest from the remote, parsed and validated like any untrusted document; undefined if absent. */
export async function readRemoteManifest(backend: RemoteBackend, model: string, version: string): Promise<RemoteManifest | undefined> {
  const key = manifestKey(model, version);
  const text = await backend.getText(key, MAX_DOCUMENT_BYTES);
  if (text === undefined) return undefined;
  const label = `remote ${backend.label}: ${key}`;
  const manifest = validateManifest(parseYamlText(text, label, 'CORRUPT_MANIFEST'), label, { name: model, version });
  return { manifest, text };
}

/** The error for one version held with different content on each side: named, with both hashes. */
export function versionConflict(model: string, version: string, local: string, remote: string, label: string): MregError {
  return new MregError(
    'CONFLICT',
    `${model}@${version} exists on remote ${label} with other content: local ${local}, remote ${remote}; a version is never overwritten`,
    {
      hint: `mreg rebase-version ${model}@${version} moves the local content to the next free version and keeps the remote's; then push again`,
      data: { model, version, local, remote },
    },
  );
}

/**
 * One error for every conflicting version found (the plan checks them all before writing anything),
 * whose hint is one command that settles them all (`remote`: the configured remote's name).
 */
export function conflictsError(conflicts: MregError[], remote?: string): MregError {
  const refs = conflicts.map((c) => `${String(c.data?.model)}@${String(c.data?.version)}`);
  const command = `mreg rebase-version ${refs.join(' ')}${remote ? ` --remote ${remote}` : ''}`;
  return new MregError('CONFLICT', conflicts.map((c) => c.message).join('; '), {
    hint: `run ${command} (it moves your content to the next free version and keeps the remote's as it is), then push again`,
    data: { conflicts: conflicts.map((c) => c.data), command },
  });
}
