// Registering a version: store the files as blobs (no lock held: that is the slow part), then,
// under the model's lock, allocate the version and write the manifest create-only.
import inc from 'semver/functions/inc.js';
import valid from 'semver/functions/valid.js';
import { MregError } from './errors.js';
import { expandInputs, type InputFile } from './inputs.js';
import { checkName } from './names.js';
import { manifestChecksum, shortHash, versionDigest } from './manifest/hash.js';
import type { Artifact, Manifest, Metadata } from './manifest/types.js';
import { manifestToYaml } from './manifest/yaml.js';
import { gitState, resolveActor } from './provenance.js';
import { writeCreateOnly } from './store/atomic.js';
import { hashFile, ingestFile, type BlobRef } from './store/blobs.js';
import { manifestPath } from './store/layout.js';
import { withLock } from './store/lock.js';
import type { Store } from './store/store.js';
import { listVersions, readManifest } from './versions.js';

export type ChangeType = 'major' | 'minor' | 'patch';
export const CHANGE_TYPES: readonly ChangeType[] = ['major', 'minor', 'patch'];

export interface RegisterProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  bytes: number;
  total: number;
}

export interface RegisterRequest {
  model: string;
  inputs: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  version?: string | undefined;
  change?: ChangeType | undefined;
  meta: Metadata;
  actor?: string | undefined;
  now?: () => Date;
  onProgress?: (progress: RegisterProgress) => void;
}

export interface RegisterResult {
  model: string;
  version: string;
  hash: string;
  unchanged: boolean;
  artifacts: Artifact[];
  bytes_stored: number;
}

export function checkVersion(text: string): string {
  const version = valid(text);
  if (!version) throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(text)}: expected a semantic version like 1.2.3`);
  if (text.includes('+')) throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(text)}: build metadata (+...) does not order versions; leave it out`);
  return version;
}

export function bumpVersion(current: string | undefined, change: ChangeType): string {
  return inc(current ?? '0.0.0', change)!;
}

async function artifactsOf(store: Store, model: string, version: string | undefined): Promise<Map<string, BlobRef>> {
  if (!version) return new Map();
  const manifest = await readManifest(store.layout, model, version);
  return new Map(manifest.artifacts.map((a) => [a.path, a]));
}

export async function register(store: Store, req: RegisterRequest): Promise<RegisterResult> {
  const model = checkName(req.model);
  if (req.version !== undefined && req.change !== undefined) throw new MregError('USAGE', 'give either --version or --change, not both');
  if (req.version === undefined && req.change === undefined) {
    throw new MregError('USAGE', 'no version declared: pass --version X.Y.Z, or --change major|minor|patch to bump the latest version');
  }
  const explicit = req.version === undefined ? undefined : checkVersion(req.version);
  const files = await expandInputs(req.inputs, req.cwd);
  const { layout } = store;

  const versions = await listVersions(layout, model);
  const latest = versions[versions.length - 1];
  const explicitExists = explicit !== undefined && versions.includes(explicit);
  // Compare against the version being re-declared, else the latest: unchanged bytes are then read, not copied.
  const candidates = await artifactsOf(store, model, explicitExists ? explicit : latest);

  // Provenance runs git in child processes: let it overlap the hashing instead of following it.
  const provenance = Promise.all([gitState(req.cwd), resolveActor(req.cwd, req.env, req.actor)]);
  provenance.catch(() => undefined);
  const artifacts: Artifact[] = [];
  let stored = 0;
  for (const [index, file] of files.entries()) {
    const onProgress = req.onProgress
      ? (bytes: number) => req.onProgress!({ file: file.path, fileIndex: index, fileCount: files.length, bytes, total: 0 })
      : undefined;
    // A version that exists may only be confirmed, never replaced: hash without storing anything.
    const blob = explicitExists ? { ...(await hashFile(file.source, onProgress)), written: false } : await ingest(store, file, candidates.get(file.path), onProgress);
    if (blob.written) stored += blob.size;
    artifacts.push({ path: file.path, sha256: blob.sha256, size: blob.size });
  }
  const digest = versionDigest(artifacts, req.meta);
  const result = (version: string, unchanged: boolean): RegisterResult => ({
    model,
    version,
    hash: shortHash(digest),
    unchanged,
    artifacts,
    bytes_stored: stored,
  });

  if (explicitExists) {
    const existing = await readManifest(layout, model, explicit);
    if (existing.digest === digest) return result(explicit, true);
    throw new MregError('VERSION_EXISTS', `${model}@${explicit} is already registered with other content (hash ${existing.hash}, these files and metadata give ${shortHash(digest)})`, {
      hint: 'versions are immutable: register the change as a new version',
      data: { existing: existing.hash, candidate: shortHash(digest) },
    });
  }

  const [git, actor] = await provenance;
  const now = (req.now ?? (() => new Date()))();

  return withLock(layout, `model-${model}`, async () => {
    const current = await listVersions(layout, model);
    const top = current[current.length - 1];
    if (top !== undefined) {
      const latestManifest = await readManifest(layout, model, top);
      if (latestManifest.digest === digest) return result(top, true);
    }
    const version = explicit ?? bumpVersion(top, req.change!);
    if (current.includes(version)) throw new MregError('VERSION_EXISTS', `${model}@${version} is already registered`);
    const fields: Omit<Manifest, 'checksum'> = {
      format: 1,
      name: model,
      kind: 'model',
      version,
      hash: shortHash(digest),
      digest,
      created_at: now.toISOString(),
      actor,
      ...(git ? { git } : {}),
      artifacts,
      ...req.meta,
    };
    const manifest: Manifest = { ...fields, checksum: manifestChecksum(fields) };
    if (!(await writeCreateOnly(layout, manifestPath(layout, model, version), manifestToYaml(manifest)))) {
      throw new MregError('VERSION_EXISTS', `${model}@${version} is already registered`);
    }
    return result(version, false);
  });
}

function ingest(store: Store, file: InputFile, candidate: BlobRef | undefined, onProgress: ((bytes: number) => void) | undefined) {
  return ingestFile(store.layout, file.source, { ...(candidate ? { candidate } : {}), ...(onProgress ? { onProgress } : {}) });
}
